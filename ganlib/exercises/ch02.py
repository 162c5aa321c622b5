r"""Exercises of chapter 2, "GAN basics" (see :mod:`.registry`).

The expected values are computed *independently* of the formula the reader is asked
to implement (SciPy's densities, log-sum-exp identities, NumPy in float64):

* ``check_optimal_discriminator``: D*(x) = p_data(x) / (p_data(x) + p_g(x)).
* ``check_nonsaturating_g_loss``: L_G = -E_z[log D(G(z))] from logits, stably.
* ``check_js_from_value``: JS(p_data || p_g) = (V(D*, G) + log 4) / 2.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy import special, stats
from scipy.spatial import distance

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_js_from_value", "check_nonsaturating_g_loss", "check_optimal_discriminator"]


# --- exercise 1: the optimal discriminator -----------------------------------------------


def optimal_discriminator(p_data, p_g):
    total = p_data + p_g
    safe = np.where(total > 0, total, 1.0)  # no 0/0 where nothing lives
    return np.where(total > 0, p_data / safe, 0.5)


def _optimal_discriminator_cases() -> list[Case]:
    """D* on two Gaussians, computed as σ(log p_data - log p_g) from SciPy's log-densities."""
    x = np.linspace(-4.0, 4.0, 9)
    log_pd, log_pg = stats.norm.logpdf(x, -1.0, 1.0), stats.norm.logpdf(x, 1.5, 0.7)
    return [
        Case((np.exp(log_pd), np.exp(log_pg)), special.expit(log_pd - log_pg), note="p_data = N(-1, 1), p_g = N(1.5, 0.7²)"),
        Case((np.full(4, 0.3), np.full(4, 0.3)), np.full(4, 0.5), note="equal densities: D cannot tell, D* = 1/2"),
        Case((np.array([2.0, 0.0, 0.5]), np.array([0.0, 1.0, 1.5])), np.array([1.0, 0.0, 0.25]),
             note="where only one density is positive, D* is 1 or 0"),
        Case((np.array([0.0, 0.2]), np.array([0.0, 0.6])), np.array([0.5, 0.25]),
             note="where both densities are 0 every D is optimal; return 1/2 there (and no NaN)"),
    ]


OPTIMAL_D = Exercise(
    "optimal_discriminator", label="ex-ch02-optimal-discriminator", title="The optimal discriminator",
    task=r"""Write `optimal_discriminator(p_data, p_g)`, which takes two NumPy arrays of density values
at the same points and returns $D^*$ of {eq}`eq-ch02-dstar` at each point. Where both densities
are zero, return $\tfrac12$ (and no `nan`).""",
    solution=optimal_discriminator, cases=_optimal_discriminator_cases, atol=1e-8, rtol=1e-6,
    wrong=(
        Wrong(lambda p, q: p / (p + q), says="both densities are 0"),  # 0/0 = NaN there
        Wrong(lambda p, q: q / (p + q), says="N(-1, 1)"),  # the D of the generator's samples
    ),
)


# --- exercise 2: the non-saturating generator loss, from logits ------------------------


def nonsaturating_g_loss(fake_logits):
    return F.softplus(-fake_logits).mean()  # -log σ(t) = softplus(-t)


def _softplus64(t: np.ndarray) -> np.ndarray:
    """softplus(t) = log(1 + e^t) in float64, via NumPy's exact log-sum-exp of (0, t)."""
    return np.logaddexp(0.0, t)


def _nonsaturating_cases() -> list[Case]:
    """-mean log σ(t) = mean softplus(-t), computed with NumPy in float64."""
    rng = np.random.default_rng(2)
    t_random = rng.normal(0.0, 2.0, size=16)
    t_extreme = np.array([-200.0, -30.0, 0.0, 30.0, 200.0])  # D is sure: fake ... real
    cases = []
    for t, note in [
        (np.array([0.0, 0.0]), "D(G(z)) = 1/2: the loss is log 2"),
        (t_random, "sixteen ordinary logits"),
        (t_extreme, "extreme logits: log(sigmoid(-200)) is log(0) = -inf in float32; use softplus or logsigmoid"),
    ]:
        expected = torch.tensor(float(_softplus64(-t).mean()), dtype=torch.float32)
        cases.append(Case(torch.tensor(t, dtype=torch.float32), expected, note=note))
    return cases


NONSATURATING = Exercise(
    "nonsaturating_g_loss", label="ex-ch02-nonsaturating", title="The non-saturating loss, stably",
    task=r"""Write `nonsaturating_g_loss(fake_logits)`: given a tensor of discriminator logits
$t$ on generated samples, shape $(N,)$, return $-\frac1N \sum_i \log \sigma(t_i)$ as a 0-d
tensor. It must stay finite for logits like $-200$, where `torch.log(torch.sigmoid(t))`
returns $-\infty$. Hint: {eq}`eq-ch02-softplus`.""",
    solution=nonsaturating_g_loss, cases=_nonsaturating_cases, atol=1e-5, rtol=1e-5,
    right=(lambda t: -F.logsigmoid(t).mean(),),
    wrong=(
        # the formula in probability space: -log(sigmoid(-200)) = inf in float32
        Wrong(lambda t: -torch.log(torch.sigmoid(t)).mean(), says="extreme logits"),
        Wrong(lambda t: torch.log1p(torch.exp(-t)).mean(), says="extreme logits"),  # e^200 overflows
        Wrong(lambda t: -F.softplus(t).mean(), says="log 2"),  # the minimax (saturating) cost
        Wrong(lambda t: F.softplus(-t).sum(), says="log 2"),  # the sum over the batch, not the mean
    ),
)


# --- exercise 3: JS from the value of the game ----------------------------------------


def js_from_value(v):
    return (v + math.log(4)) / 2  # invert V(D*, G) = -log 4 + 2 JS


def _value_at_optimum(p: np.ndarray, q: np.ndarray) -> float:
    """V(D*, G) = Σ p log(p / (p + q)) + Σ q log(q / (p + q)) on a finite set (0 log 0 = 0)."""
    return float(np.sum(special.xlogy(p, p / (p + q))) + np.sum(special.xlogy(q, q / (p + q))))


def _js_cases() -> list[Case]:
    """JS from SciPy (jensenshannon returns its square root, natural log by default)."""
    pairs = [
        (np.array([0.5, 0.5]), np.array([0.5, 0.5]), "p_g = p_data: V = -log 4 and JS = 0"),
        (np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1]), "two distributions on three points"),
        (np.array([1.0, 0.0]), np.array([0.0, 1.0]), "disjoint supports: V = 0 and JS = log 2, its maximum"),
    ]
    return [
        Case(_value_at_optimum(p, q), float(distance.jensenshannon(p, q) ** 2), note=note) for p, q, note in pairs
    ]


JS_FROM_VALUE = Exercise(
    "js_from_value", label="ex-ch02-js-from-value", title="The JS divergence from the value of the game",
    task=r"""Write `js_from_value(v)`: given the value $v = V(D^*, G)$ of the game at the optimal
discriminator, return $\mathrm{JS}(p_\text{data} \,\Vert\, p_g)$ in nats, using {eq}`eq-ch02-cg`.
Then use it on `v_trained`, computed above with a *trained* discriminator: what kind of
estimate of JS do you get?""",
    solution=js_from_value, cases=_js_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        Wrong(lambda v: v + math.log(4), says="three points"),  # forgot the factor 1/2
        Wrong(lambda v: (v + math.log(2)) / 2, says="JS = 0"),  # log 2 instead of log 4
    ),
    follow_up="""print(f"JS from the trained D: {js_from_value(v_trained):.4f} "
      f"<= JS by quadrature: {js:.4f}")""",
)


CHAPTER = Chapter("02_gan_basics", (OPTIMAL_D, NONSATURATING, JS_FROM_VALUE), call_as="ch02")
check_optimal_discriminator = OPTIMAL_D.checker()
check_nonsaturating_g_loss = NONSATURATING.checker()
check_js_from_value = JS_FROM_VALUE.checker()

