r"""How far apart are two distributions? The divergences behind GANs (chapter 4).

A GAN's generator is trained to make :math:`p_g` close to :math:`p_\text{data}`, and
*which* notion of "close" the game optimises decides what the generator does. This
module holds the candidates, each as a pure function of two distributions:

=============================  ======================================================================
function                       formula (natural logarithms: results are in nats)
=============================  ======================================================================
:func:`kl`                     :math:`\mathrm{KL}(p\,\Vert\,q) = \sum_x p(x)\log\frac{p(x)}{q(x)}`
:func:`reverse_kl`             :math:`\mathrm{KL}(q\,\Vert\,p)`
:func:`js`                     :math:`\mathrm{JS}(p\,\Vert\,q) = \tfrac12\mathrm{KL}(p\,\Vert\,m) + \tfrac12\mathrm{KL}(q\,\Vert\,m)`, :math:`m = \tfrac12(p+q)`
:func:`total_variation`        :math:`\mathrm{TV}(p, q) = \tfrac12\sum_x |p(x) - q(x)|`
:func:`wasserstein1`           :math:`W_1 = \int_0^1 |F_P^{-1}(u) - F_Q^{-1}(u)|\,du` for two 1-D samples
:func:`wasserstein_discrete`   :math:`W_p = \big(\min_{\gamma\in\Pi(a,b)} \sum_{ij}\gamma_{ij}\lVert x_i - y_j\rVert^p\big)^{1/p}`
:func:`f_divergence`           :math:`D_f(p\,\Vert\,q) = \sum_x q(x)\, f\big(p(x)/q(x)\big)`
:func:`optimal_discriminator`  :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`
=============================  ======================================================================

The discrete functions take probability vectors (NumPy arrays, torch tensors or lists
of the same shape, non-negative, summing to 1) and return a Python float. They follow
the conventions of information theory (Cover & Thomas, *Elements of Information
Theory*, 2006, §2.3): :math:`0 \log \frac{0}{q} = 0`, and :math:`p \log \frac{p}{0} = +\infty`
for :math:`p > 0`. So ``kl`` is ``inf`` as soon as ``q`` misses some mass of ``p``, and
``js`` of two distributions with disjoint supports is exactly :math:`\log 2` (1 bit).

:data:`F_DIVERGENCES` is the f-divergence family of f-GAN (Nowozin, Cseke and Tomioka,
2016, whose tables list the divergences, their conjugates and output activations): for
each divergence the generator :math:`f`, its derivative, its convex conjugate
:math:`f^*` and the output activation :math:`g_f` that maps a network's raw output into
the domain of :math:`f^*`. With the "js" generator :math:`D_f` is *twice* JS.

Wasserstein distances between point sets are solved exactly as linear programmes by
POT, the Python Optimal Transport library (Flamary et al., 2021).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from . import checks

LOG2 = math.log(2.0)
PROB_ATOL = 1e-6  # how far from 0 (below) and from 1 (the sum) a probability vector may be

# ---------------------------------------------------------------------------
# checks shared by every function below
# ---------------------------------------------------------------------------


def _as_array(x: Any, name: str) -> np.ndarray:
    """``x`` (array, tensor, list, number) as a float64 NumPy array; a TypeError naming ``name`` else."""
    if isinstance(x, Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    if isinstance(x, (str, bytes)) or (isinstance(x, np.ndarray) and x.dtype.kind not in "biuf"):
        raise TypeError(f"{name} must be an array, a tensor or a list of numbers; got {type(x).__name__} {x!r:.40}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array, a tensor or a list of numbers; got {type(x).__name__}") from None
    return arr


def _distribution(p: Any, name: str) -> np.ndarray:
    """``p`` checked to be a probability vector (any shape): finite, >= 0, summing to 1.

    Entries down to -PROB_ATOL are rounding and become 0; the result is renormalised
    so that it sums to 1 exactly up to floating point.
    """
    p = _as_array(p, name)
    if p.size == 0:
        raise ValueError(f"{name} is empty: a probability distribution needs at least one entry")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must hold finite probabilities; it has NaN or inf entries")
    if p.min() < -PROB_ATOL:
        raise ValueError(f"{name} must hold probabilities >= 0; its smallest entry is {p.min():.6g}")
    total = p.sum()
    if abs(total - 1.0) > PROB_ATOL:
        raise ValueError(
            f"{name} must sum to 1 (a probability distribution); it sums to {total:.6g}. "
            f"Normalise it first: {name} / {name}.sum()"
        )
    p = np.clip(p, 0.0, None)
    return p / p.sum()


def _pair(p: Any, q: Any, names: tuple[str, str] = ("p", "q")) -> tuple[np.ndarray, np.ndarray]:
    """Two probability vectors of the same shape."""
    p, q = _distribution(p, names[0]), _distribution(q, names[1])
    if p.shape != q.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape (one probability per outcome); "
            f"got {p.shape} and {q.shape}"
        )
    return p, q


# ---------------------------------------------------------------------------
# KL, reverse KL, JS, total variation
# ---------------------------------------------------------------------------


def kl(p: Any, q: Any) -> float:
    r"""KL(p ‖ q) = Σ_x p(x) log(p(x) / q(x)) in nats.

    See chapter 4, "What is the KL divergence, and why is it not symmetric?".

    The extra nats needed, per symbol, to code samples of p with a code built for q.
    Terms with p(x) = 0 contribute 0 (0 log 0 = 0); a term with p(x) > 0 = q(x) makes
    the sum +inf. Not symmetric: KL(p ‖ q) ≠ KL(q ‖ p) in general.
    p, q: probability vectors of the same shape.
    """
    p, q = _pair(p, q)
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf  # p puts mass where q puts none
    terms = p[support] * (np.log(p[support]) - np.log(q[support]))
    return max(float(terms.sum()), 0.0)  # KL >= 0; rounding can give -1e-17 when p ≈ q


def reverse_kl(p: Any, q: Any) -> float:
    r"""The reverse KL divergence KL(q ‖ p), with p the data and q the model   (chapter 4).

    Fitting q by minimising KL(p ‖ q) covers every mode of p; minimising KL(q ‖ p)
    seeks one mode. p, q: probability vectors of the same shape.
    """
    p, q = _pair(p, q)
    return kl(q, p)


def js(p: Any, q: Any) -> float:
    r"""JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = ½(p + q), in nats   (chapter 4).

    Symmetric, finite, 0 ≤ JS ≤ log 2; equal to log 2 (one bit) exactly when p and q
    have disjoint supports. Both halves are needed: ½ KL(p ‖ m) alone is not symmetric.
    SciPy's ``scipy.spatial.distance.jensenshannon`` returns √JS.
    p, q: probability vectors of the same shape.
    """
    p, q = _pair(p, q)
    m = 0.5 * (p + q)  # m > 0 wherever p > 0 or q > 0: both KLs are finite
    return min(0.5 * kl(p, m) + 0.5 * kl(q, m), LOG2)  # rounding can exceed log 2 by 1e-16


def total_variation(p: Any, q: Any) -> float:
    r"""``TV(p, q) = ½ Σ_x |p(x) − q(x)| = max_A |P(A) − Q(A)|``, between 0 and 1   (chapter 4).

    p, q: probability vectors of the same shape.
    """
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


# ---------------------------------------------------------------------------
# Wasserstein distances
# ---------------------------------------------------------------------------


def _sample_1d(x: Any, name: str) -> np.ndarray:
    """A 1-D sample as a sorted float64 vector; shape (n,) or (n, 1) accepted."""
    x = _as_array(x, name)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sample of shape (n,) or (n, 1); got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} is empty: a sample needs at least one point")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must hold finite numbers; it has NaN or inf entries")
    return np.sort(x)


def wasserstein1(x: Any, y: Any) -> float:
    r"""W₁ between the empirical distributions of two 1-D samples.

    See chapter 4, "In one dimension: the area between the CDFs".

    In one dimension the optimal transport is monotone: the i-th smallest point of one
    sample goes to the i-th smallest of the other. With the quantile functions F⁻¹, ::

        W₁(P, Q) = ∫₀¹ |F_P⁻¹(u) − F_Q⁻¹(u)| du = ∫ |F_P(t) − F_Q(t)| dt,

    which for samples of equal size n is ``(1/n) Σ_i |x_(i) − y_(i)|`` (sorted samples).
    For sizes n ≠ m both quantile functions are step functions, constant between the
    breakpoints {i/n} ∪ {j/m}; the integral is a sum over those intervals.
    x, y: samples of shape (n,) or (n, 1) and (m,) or (m, 1); arrays or tensors.
    """
    xs, ys = _sample_1d(x, "x"), _sample_1d(y, "y")
    n, m = len(xs), len(ys)
    if n == m:
        return float(np.abs(xs - ys).mean())
    u = np.union1d(np.arange(n + 1) / n, np.arange(m + 1) / m)  # breakpoints 0 = u_0 < ... < u_K = 1
    mid = 0.5 * (u[1:] + u[:-1])  # (K,): a point inside each interval
    qx = xs[np.minimum((mid * n).astype(int), n - 1)]  # F_P⁻¹ on each interval
    qy = ys[np.minimum((mid * m).astype(int), m - 1)]  # F_Q⁻¹ on each interval
    return float(np.sum(np.diff(u) * np.abs(qx - qy)))


def _points(x: Any, name: str) -> np.ndarray:
    """Support points as a float64 matrix (n, d); a vector (n,) is n points on the line."""
    x = _as_array(x, name)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must be points of shape (n,) or (n, d) with n >= 1; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must hold finite coordinates; it has NaN or inf entries")
    return x


def _transport_problem(a: Any, b: Any, xs: Any, ys: Any, p: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked weights (n,), (m,) and the cost matrix C_ij = ‖x_i − y_j‖^p, (n, m)."""
    checks.number(p, "p", low=1, what="a number >= 1 (the order of the Wasserstein distance)")
    a, b = _distribution(a, "a"), _distribution(b, "b")
    xs, ys = _points(xs, "xs"), _points(ys, "ys")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"a and b must be weight vectors (n,) and (m,); got shapes {a.shape} and {b.shape}")
    if len(a) != len(xs):
        raise ValueError(f"a has {len(a)} weights but xs has {len(xs)} points: give one weight per point")
    if len(b) != len(ys):
        raise ValueError(f"b has {len(b)} weights but ys has {len(ys)} points: give one weight per point")
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(f"xs and ys must live in the same space; got dimensions {xs.shape[1]} and {ys.shape[1]}")
    diff = xs[:, None, :] - ys[None, :, :]  # (n, m, d)
    cost = np.sqrt((diff**2).sum(-1)) ** p  # (n, m): C_ij = ‖x_i − y_j‖^p
    return a, b, cost


def _pot():
    try:
        import ot
    except ImportError:
        raise ImportError(
            "wasserstein_discrete and transport_plan need POT, the Python Optimal Transport "
            "library: `pip install pot`"
        ) from None
    return ot


def wasserstein_discrete(a: Any, b: Any, xs: Any, ys: Any, *, p: float = 1) -> float:
    r"""W_p between Σ_i a_i δ_{x_i} and Σ_j b_j δ_{y_j}, solved exactly by POT   (chapter 4).

        W_p(P, Q)^p = min_{γ ≥ 0} Σ_ij γ_ij ‖x_i − y_j‖^p   subject to  Σ_j γ_ij = a_i,  Σ_i γ_ij = b_j.

    γ_ij is the mass moved from x_i to y_j (see :func:`transport_plan`); the minimum is
    the earth mover's cost. a: weights (n,) summing to 1; b: weights (m,); xs: points
    (n,) or (n, d); ys: points (m,) or (m, d); p >= 1 (keyword-only). Uses ``ot.emd2``.
    """
    a, b, cost = _transport_problem(a, b, xs, ys, p)
    value = float(_pot().emd2(a, b, cost, numItermax=10_000_000))
    return max(value, 0.0) ** (1.0 / p)


def transport_plan(a: Any, b: Any, xs: Any, ys: Any, *, p: float = 1) -> np.ndarray:
    r"""The optimal transport plan γ (n, m) of :func:`wasserstein_discrete`   (chapter 4).

    γ_ij >= 0 is how much mass goes from x_i to y_j; its rows sum to a, its columns to
    b. Uses ``ot.emd`` (the network simplex); the plan has at most n + m − 1 non-zeros.
    """
    a, b, cost = _transport_problem(a, b, xs, ys, p)
    return np.asarray(_pot().emd(a, b, cost, numItermax=10_000_000))


# ---------------------------------------------------------------------------
# the f-divergence family and f-GAN
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FDivergence:
    r"""One member of the f-divergence family  D_f(P ‖ Q) = E_Q[f(p(x)/q(x))]   (chapter 4, f-GAN).

    f:          the generator, convex on u >= 0 with f(1) = 0.
    f_prime:    f'(u); the optimal f-GAN critic is T*(x) = f'(p(x)/q(x)).
    conjugate:  f*(t) = sup_u (u t − f(u)), finite on the domain of f*.

    activation: g_f, mapping a network's raw output v ∈ ℝ into the domain of f*:
                the critic is T(x) = g_f(V(x)) (f-GAN).
    slope_at_infinity: f'(∞) = lim_{u→∞} f(u)/u, the weight of the mass of P where
                q = 0 (+inf for KL: such mass makes the divergence infinite).

    latex:      (f, f*, g_f) as LaTeX, for tables.
    All functions act elementwise on torch tensors (use float64 for exact sums).
    """

    name: str
    f: Callable[[Tensor], Tensor]
    f_prime: Callable[[Tensor], Tensor]
    conjugate: Callable[[Tensor], Tensor]
    activation: Callable[[Tensor], Tensor]
    slope_at_infinity: float
    latex: tuple[str, str, str]


def _softplus(v: Tensor) -> Tensor:
    return torch.nn.functional.softplus(v)


#: Nowozin, Cseke & Tomioka (2016): the generators f, their conjugates f* and output activations g_f.
F_DIVERGENCES: dict[str, FDivergence] = {
    # KL(P ‖ Q): f(u) = u log u
    "kl": FDivergence(
        "Kullback–Leibler KL(P‖Q)",
        f=lambda u: torch.xlogy(u, u),
        f_prime=lambda u: torch.log(u) + 1,
        conjugate=lambda t: torch.exp(t - 1),
        activation=lambda v: v,
        slope_at_infinity=math.inf,
        latex=(r"u \log u", r"e^{t-1}", r"v"),
    ),
    # KL(Q ‖ P): f(u) = −log u
    "reverse_kl": FDivergence(
        "reverse KL, KL(Q‖P)",
        f=lambda u: -torch.log(u),
        f_prime=lambda u: -1 / u,
        conjugate=lambda t: -1 - torch.log(-t),  # t < 0
        activation=lambda v: -torch.exp(-v),
        slope_at_infinity=0.0,
        latex=(r"-\log u", r"-1-\log(-t)", r"-e^{-v}"),
    ),
    # χ²(P ‖ Q) = Σ (p − q)² / q: f(u) = (u − 1)²
    "pearson": FDivergence(
        "Pearson χ²",
        f=lambda u: (u - 1) ** 2,
        f_prime=lambda u: 2 * (u - 1),
        conjugate=lambda t: t**2 / 4 + t,
        activation=lambda v: v,
        slope_at_infinity=math.inf,
        latex=(r"(u-1)^2", r"\tfrac14 t^2 + t", r"v"),
    ),
    # H²(P, Q) = Σ (√p − √q)²: f(u) = (√u − 1)²
    "hellinger": FDivergence(
        "squared Hellinger",
        f=lambda u: (torch.sqrt(u) - 1) ** 2,
        f_prime=lambda u: 1 - 1 / torch.sqrt(u),
        conjugate=lambda t: t / (1 - t),  # t < 1
        activation=lambda v: 1 - torch.exp(-v),
        slope_at_infinity=1.0,
        latex=(r"(\sqrt{u}-1)^2", r"\frac{t}{1-t}", r"1-e^{-v}"),
    ),
    # This generator gives D_f = KL(P‖M) + KL(Q‖M) = 2 JS(P‖Q) (see the note in chapter 4).
    "js": FDivergence(
        "Jensen–Shannon (×2)",
        f=lambda u: torch.xlogy(u, u) - torch.xlogy(u + 1, (u + 1) / 2),
        f_prime=lambda u: torch.log(2 * u / (u + 1)),
        conjugate=lambda t: -torch.log(2 - torch.exp(t)),  # t < log 2
        activation=lambda v: LOG2 - _softplus(-v),
        slope_at_infinity=LOG2,
        latex=(r"u\log u-(u+1)\log\frac{u+1}{2}", r"-\log(2-e^{t})", r"\log 2-\log(1+e^{-v})"),
    ),
    # TV(P, Q) = ½ Σ |p − q|: f(u) = ½ |u − 1|
    "tv": FDivergence(
        "total variation",
        f=lambda u: 0.5 * torch.abs(u - 1),
        f_prime=lambda u: 0.5 * torch.sign(u - 1),  # a subgradient at u = 1
        conjugate=lambda t: t,  # |t| <= ½
        activation=lambda v: 0.5 * torch.tanh(v),
        slope_at_infinity=0.5,
        latex=(r"\tfrac12\lvert u-1\rvert", r"t", r"\tfrac12\tanh v"),
    ),
    # the original GAN: D_f = 2 JS(P‖Q) − log 4 (its critic T = log D)
    "gan": FDivergence(
        "GAN (2 JS − log 4)",
        f=lambda u: torch.xlogy(u, u) - torch.xlogy(u + 1, u + 1),
        f_prime=lambda u: torch.log(u / (u + 1)),
        conjugate=lambda t: -torch.log1p(-torch.exp(t)),  # t < 0
        activation=lambda v: -_softplus(-v),  # log σ(v)
        slope_at_infinity=0.0,
        latex=(r"u\log u-(u+1)\log(u+1)", r"-\log(1-e^{t})", r"-\log(1+e^{-v})"),
    ),
}


def _f_kind(kind: str) -> FDivergence:
    return F_DIVERGENCES[checks.choice(kind, "kind", tuple(F_DIVERGENCES))]


def f_divergence(p: Any, q: Any, kind: str) -> float:
    r"""D_f(p ‖ q) = Σ_{q(x)>0} q(x) f(p(x)/q(x)) + f'(∞) Σ_{q(x)=0} p(x)   (chapter 4, f-GAN).

    The second sum is the limit of q f(p/q) as q → 0 (0·f'(∞) is 0 when no mass is there).
    kind: a key of :data:`F_DIVERGENCES` ("kl", "reverse_kl", "pearson", "hellinger",
    "js", "tv", "gan"). Note that "js" gives 2 JS and "gan" gives 2 JS − log 4.
    p, q: probability vectors of the same shape.
    """
    div = _f_kind(kind)
    p, q = _pair(p, q)
    on_q = q > 0
    u = torch.as_tensor(p[on_q] / q[on_q], dtype=torch.float64)  # likelihood ratios where q > 0
    total = float((torch.as_tensor(q[on_q]) * div.f(u)).sum())
    mass_off_q = float(p[~on_q].sum())
    if mass_off_q > 0:
        total += div.slope_at_infinity * mass_off_q
    return total


def variational_bound(t_real: Tensor, t_fake: Tensor, kind: str) -> Tensor:
    r"""E_P[T(x)] − E_Q[f*(T(x))], a lower bound on D_f(P ‖ Q) for every critic T   (chapter 4).

    The f-GAN objective (Nowozin et al., 2016, eq. 6): the critic maximises it, the
    generator (Q = p_g) minimises it. t_real: T on samples of P, (N,); t_fake: T on
    samples of Q, (M,); both already passed through the activation g_f.
    A training objective: types and shapes are checked, not values (NaN in gives NaN out).
    """
    div = _f_kind(kind)
    checks.tensor(t_real, "t_real", shape="(N,)")
    checks.tensor(t_fake, "t_fake", shape="(M,)")
    if t_real.dim() != 1 or t_fake.dim() != 1:
        raise ValueError(f"t_real and t_fake must have shape (N,); got {tuple(t_real.shape)} and {tuple(t_fake.shape)}")
    return t_real.mean() - div.conjugate(t_fake).mean()


# ---------------------------------------------------------------------------
# the optimal discriminator
# ---------------------------------------------------------------------------


def optimal_discriminator(p_data: Any, p_g: Any) -> Any:
    r"""D*(x) = p_data(x) / (p_data(x) + p_g(x)).

    See chapter 2, "What is the best discriminator for a fixed generator?".

    p_data, p_g: density values at the same points (arrays or tensors of one shape), or
    two callables x ↦ density, in which case a callable x ↦ D*(x) is returned. Where
    both densities are 0 every D is optimal; D* = ½ is returned there. Tensors in give
    a tensor out, anything else a NumPy array. NaN, inf or negative densities are
    refused on both paths (a ValueError naming the argument).
    """
    if callable(p_data) and callable(p_g):
        return lambda x: optimal_discriminator(p_data(x), p_g(x))
    if callable(p_data) or callable(p_g):
        raise TypeError("p_data and p_g must both be callables or both be arrays of density values")
    if isinstance(p_data, Tensor) and isinstance(p_g, Tensor):
        if p_data.shape != p_g.shape:
            raise ValueError(f"p_data and p_g must have the same shape; got {tuple(p_data.shape)} and {tuple(p_g.shape)}")
        for arr, name in ((p_data, "p_data"), (p_g, "p_g")):
            if arr.dtype == torch.bool or arr.is_complex():
                raise TypeError(f"{name} must be a real tensor of density values; got dtype {arr.dtype}")
            if not arr.is_floating_point():
                arr = arr.double()
            if (~torch.isfinite(arr)).any() or (arr < 0).any():
                raise ValueError(f"{name} must hold finite densities >= 0; got min {arr.nan_to_num(-math.inf).min().item():.6g}")
        p_data, p_g = (t if t.is_floating_point() else t.double() for t in (p_data, p_g))  # ints: converted
        total = p_data + p_g
        return torch.where(total > 0, p_data / torch.where(total > 0, total, 1), 0.5)
    pd, pg = _as_array(p_data, "p_data"), _as_array(p_g, "p_g")
    if pd.shape != pg.shape:
        raise ValueError(f"p_data and p_g must have the same shape; got {pd.shape} and {pg.shape}")
    for arr, name in ((pd, "p_data"), (pg, "p_g")):
        if np.any(arr < 0) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold finite densities >= 0; got min {arr.min():.6g}")
    total = pd + pg
    return np.where(total > 0, pd / np.where(total > 0, total, 1.0), 0.5)
