r"""Why GAN training circles instead of converging: the Dirac-GAN (chapter 7).

Mescheder, Geiger and Nowozin (2018, "Which training methods for GANs do actually
converge?") shrink a GAN to the smallest game that still fails. The data are a single
point, :math:`p_\text{data} = \delta_0`; the generator has one parameter and puts all
its mass at it, :math:`p_\theta = \delta_\theta`; the discriminator is linear,
:math:`D_\psi(x) = \psi x` (a logit). The GAN objective

.. math::
    L(\theta, \psi) = \mathbb{E}_{p_\theta}[f(D_\psi(x))] + \mathbb{E}_{p_\text{data}}[f(-D_\psi(x))]
                    = f(\psi\theta) + f(0)

is minimised by G and maximised by D, with :math:`f(t) = -\log(1 + e^{-t})` for the
standard GAN and :math:`f(t) = t` for the WGAN. Its unique equilibrium is
:math:`(\theta, \psi) = (0, 0)`: G sits on the data, D cannot tell and is flat.

Training follows the *gradient vector field* (G descends, D ascends)

.. math::
    v(\theta, \psi) = \begin{pmatrix} -\partial_\theta L \\ \partial_\psi L \end{pmatrix}
                    = \begin{pmatrix} -\psi f'(\psi\theta) \\ \theta f'(\psi\theta) \end{pmatrix},
    \qquad
    v'(0, 0) = \begin{pmatrix} 0 & -f'(0) \\ f'(0) & 0 \end{pmatrix}.

The field is everywhere perpendicular to :math:`(\theta, \psi)` — it only rotates — and
its Jacobian at the equilibrium has the purely imaginary eigenvalues
:math:`\pm i f'(0)` (:math:`\pm i/2` for the GAN, :math:`\pm i` for the WGAN). So:

* **simultaneous gradient descent** :math:`x \leftarrow x + h\,v(x)` spirals *out*:
  since :math:`x \perp v(x)`, :math:`\lVert x + hv\rVert^2 = \lVert x\rVert^2 + h^2\lVert v\rVert^2`
  grows at every step (the step map's eigenvalues :math:`1 \pm i h f'(0)` have modulus > 1);
* **alternating gradient descent** (D steps, then G steps against the new D) keeps
  circling: its linearised step map has determinant 1, so the iterates stay on a
  bounded orbit that neither converges nor escapes;
* **WGAN with weight clipping** :math:`\psi \in [-c, c]` cannot stop either: D
  saturates at :math:`\pm c`, G overshoots, and the pair settles on a cycle of size
  about :math:`c`.

Regularisers add *damping*, a negative entry :math:`-\delta` to the Jacobian's
:math:`\psi\psi` corner, so the eigenvalues become :math:`(-\delta \pm \sqrt{\delta^2 - 4f'(0)^2})/2`,
with negative real part, and (for small enough steps) both methods converge:

* **R1** (Mescheder et al., 2018): D maximises :math:`L - \frac{\gamma}{2}\lVert\nabla_x D_\psi\rVert^2`
  at the data, :math:`= L - \frac{\gamma}{2}\psi^2`, so :math:`\delta = \gamma`;
* **instance noise** (Sønderby et al., 2017): noise :math:`\varepsilon \sim \mathcal N(0, \sigma^2)`
  added to real and fake points smooths the objective to
  :math:`L_\sigma = \mathbb{E}_\varepsilon[f(\psi(\theta+\varepsilon)) + f(-\psi\varepsilon)]`
  and gives :math:`\delta = -2f''(0)\sigma^2` (:math:`= \sigma^2/2` for the GAN; zero for the WGAN, whose
  :math:`f` is linear);
* **WGAN-GP** (Gulrajani et al., 2017): here :math:`\nabla_x D_\psi = \psi` at every interpolate,
  so the penalty is :math:`\gamma(|\psi| - 1)^2`; it pulls :math:`|\psi|` towards 1, away from
  the equilibrium :math:`\psi = 0`, and the field jumps at :math:`\psi = 0`. Training slides
  along D's best response :math:`\psi = 1 + \theta/(2\gamma)` until :math:`\psi` reaches 0. What
  follows depends on γ (measured with :func:`simulate` from several starts, step 0.01):
  for γ ≥ 1 it stalls at :math:`(\theta, \psi) = (\mp 2\gamma, 0)`, where D is flat but G sits
  :math:`2\gamma` away from the data; for γ from 0.3 to 0.9 it never stops and circles on a
  closed orbit of radius about 1.2 to 1.9. Either way it does not converge, in line with
  Mescheder et al. (2018): WGAN and WGAN-GP trained with finitely many critic steps do not
  always converge.

Everything here is NumPy float64 and vectorised over arrays of :math:`(\theta, \psi)` so that
:func:`vector_field` can feed a quiver plot directly.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from . import checks
from .checks import positive_int

KINDS = ("gan", "wgan")
REGS = (None, "r1", "instance_noise", "gp")
MODES = ("simultaneous", "alternating")
QUADRATURE_NODES = 40  # Gauss–Hermite nodes for the instance-noise expectations


# --- checks -----------------------------------------------------------------------------


def _check_options(kind: str, reg: str | None, gamma: float, noise_std: float) -> tuple[float, float]:
    checks.choice(kind, "kind", KINDS)
    checks.choice(reg, "reg", REGS)
    return checks.positive(gamma, "gamma"), checks.positive(noise_std, "noise_std")


def _values(x: Any, name: str) -> np.ndarray:
    """Numbers or an array of them (any shape) as float64; NaN passes (elementwise maths: NaN in, NaN out)."""
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        return np.asarray(x, dtype=np.float64)
    return checks.array(x, name, finite_values=False, nonempty=False)


def _broadcast(theta: Any, psi: Any) -> tuple[np.ndarray, np.ndarray]:
    theta, psi = _values(theta, "theta"), _values(psi, "psi")
    try:
        return np.broadcast_arrays(theta, psi)
    except ValueError:
        raise ValueError(f"theta and psi must be broadcastable; got shapes {theta.shape} and {psi.shape}") from None


# --- the game ---------------------------------------------------------------------------


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * t))  # σ(t), without overflow for large |t|


def f(t: Any, *, kind: str = "gan") -> np.ndarray:
    """f(t) = -log(1 + e^{-t}) = log σ(t) for the GAN, f(t) = t for the WGAN (elementwise; NaN in, NaN out)."""
    checks.choice(kind, "kind", KINDS)
    t = _values(t, "t")
    return -np.logaddexp(0.0, -t) if kind == "gan" else t


def f_prime(t: Any, *, kind: str = "gan") -> np.ndarray:
    """f'(t) = σ(-t) for the GAN (f'(0) = 1/2), f'(t) = 1 for the WGAN (elementwise; NaN in, NaN out)."""
    checks.choice(kind, "kind", KINDS)
    t = _values(t, "t")
    return _sigmoid(-t) if kind == "gan" else np.ones_like(t)


def _f_second(kind: str) -> float:
    """f''(0): -σ(0)σ(0) = -1/4 for the GAN, 0 for the WGAN."""
    return -0.25 if kind == "gan" else 0.0


@functools.lru_cache(maxsize=16)
def _noise(noise_std: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ε_k and weights w_k with E[g(ε)] ≈ Σ_k w_k g(ε_k) for ε ~ N(0, σ²).

    Gauss–Hermite quadrature for the weight e^{-x²/2} (NumPy's ``hermegauss``), exact for
    polynomials of degree < 2·QUADRATURE_NODES; the weights are divided by √(2π).
    """
    x, w = np.polynomial.hermite_e.hermegauss(QUADRATURE_NODES)
    return noise_std * x, w / np.sqrt(2 * np.pi)  # (K,), (K,)


def objective(theta: Any, psi: Any, *, kind: str = "gan", noise_std: float = 0.0) -> np.ndarray:
    r"""L(θ, ψ) = f(ψθ) + f(0); with noise_std σ > 0, L_σ = E_ε[f(ψ(θ+ε)) + f(-ψε)]   (chapter 7).

    theta, psi: broadcastable arrays (or numbers); returns their broadcast shape.
    Elementwise: NaN in gives NaN out.
    """
    checks.choice(kind, "kind", KINDS)
    if not (isinstance(noise_std, (int, float)) and noise_std == 0):
        checks.positive(noise_std, "noise_std")
    theta, psi = _broadcast(theta, psi)
    if noise_std == 0:
        return f(psi * theta, kind=kind) + f(0.0, kind=kind)
    eps, w = _noise(checks.positive(noise_std, "noise_std"))  # (K,)
    th, ps = theta[..., None], psi[..., None]  # (..., 1)
    return (w * (f(ps * (th + eps), kind=kind) + f(-ps * eps, kind=kind))).sum(-1)  # (...)


def vector_field(
    theta: Any,
    psi: Any,
    *,
    kind: str = "gan",
    reg: str | None = None,
    gamma: float = 1.0,
    noise_std: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""v(θ, ψ) = (-∂L/∂θ, +∂L/∂ψ): G descends, D ascends   (chapter 7, the Dirac-GAN).

    Without regulariser, v = (-ψ f'(ψθ), θ f'(ψθ)). ``reg`` changes D's objective:

    * ``"r1"``: D maximises L - (γ/2)ψ², so dψ gains -γψ;
    * ``"gp"``: D maximises ``L - γ(|ψ| - 1)²``, so dψ gains ``-2γ(|ψ| - 1) sign(ψ)``;
    * ``"instance_noise"``: both players follow the smoothed L_σ of :func:`objective`,
      dθ = -ψ E[f'(ψ(θ+ε))],  dψ = E[(θ+ε) f'(ψ(θ+ε))] - E[ε f'(-ψε)],  ε ~ N(0, σ²),
      computed by Gauss–Hermite quadrature (σ = ``noise_std``).

    theta, psi: broadcastable arrays (or numbers). Returns (dθ, dψ), each of their
    broadcast shape, so a grid from ``np.meshgrid`` goes straight into ``plt.quiver``.
    Elementwise: NaN in gives NaN out.
    """
    gamma, noise_std = _check_options(kind, reg, gamma, noise_std)
    theta, psi = _broadcast(theta, psi)
    return _field(theta, psi, kind, reg, gamma, noise_std)


def _field(theta, psi, kind: str, reg: str | None, gamma: float, noise_std: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`vector_field` without the argument checks (the inner loop of :func:`simulate`)."""
    if reg == "instance_noise":
        eps, w = _noise(noise_std)  # (K,)
        th, ps = np.asarray(theta)[..., None], np.asarray(psi)[..., None]  # (..., 1)
        fake_slope = f_prime(ps * (th + eps), kind=kind)  # (..., K)
        real_slope = f_prime(-ps * eps, kind=kind)  # (..., K)
        d_theta = -psi * (w * fake_slope).sum(-1)  # (...)
        d_psi = (w * ((th + eps) * fake_slope - eps * real_slope)).sum(-1)  # (...)
        return d_theta, d_psi
    slope = f_prime(psi * theta, kind=kind)  # f'(ψθ), (...)
    d_theta, d_psi = -psi * slope, theta * slope
    if reg == "r1":
        d_psi = d_psi - gamma * psi  # ∇_ψ[-(γ/2)ψ²]
    elif reg == "gp":
        d_psi = d_psi - 2 * gamma * (np.abs(psi) - 1) * np.sign(psi)  # ∇_ψ[-γ(|ψ|-1)²]
    return d_theta, d_psi


# --- training as a dynamical system -----------------------------------------------------


def simulate(
    theta0: float,
    psi0: float,
    *,
    steps: int,
    lr: float,
    mode: str = "simultaneous",
    kind: str = "gan",
    reg: str | None = None,
    gamma: float = 1.0,
    noise_std: float = 1.0,
    clip: float | None = None,
) -> np.ndarray:
    r"""The iterates of gradient descent on the Dirac-GAN, shape (steps + 1, 2)   (chapter 7).

    Row k is (θ_k, ψ_k); row 0 is the start. With step size h = ``lr``:

    * ``"simultaneous"``: (θ, ψ) ← (θ, ψ) + h v(θ, ψ), both players from the same point;
    * ``"alternating"``:  ψ ← ψ + h v_ψ(θ, ψ), then θ ← θ + h v_θ(θ, ψ_new)
      (D first, as in the training loop of chapter 2).

    ``clip`` = c clamps ψ to [-c, c] after every D update (WGAN weight clipping).
    The remaining options are those of :func:`vector_field`.
    """
    steps = positive_int(steps, "steps")
    lr = checks.positive(lr, "lr")
    checks.choice(mode, "mode", MODES)
    _check_options(kind, reg, gamma, noise_std)
    if clip is not None:
        clip = checks.positive(clip, "clip")
    theta0, psi0 = checks.number(theta0, "theta0"), checks.number(psi0, "psi0")
    field = (kind, reg, float(gamma), float(noise_std))
    path = np.empty((steps + 1, 2))  # (T+1, 2): columns θ, ψ
    theta, psi = float(theta0), float(psi0)
    path[0] = theta, psi
    for k in range(1, steps + 1):
        d_theta, d_psi = _field(theta, psi, *field)
        psi = psi + lr * float(d_psi)
        if clip is not None:
            psi = min(max(psi, -clip), clip)
        if mode == "alternating":
            d_theta, _ = _field(theta, psi, *field)  # G answers the updated D
        theta = theta + lr * float(d_theta)
        path[k] = theta, psi
    return path


def jacobian(kind: str = "gan", reg: str | None = None, *, gamma: float = 1.0, noise_std: float = 1.0) -> np.ndarray:
    r"""v'(0, 0) = [[0, -f'(0)], [f'(0), -δ]], shape (2, 2), in closed form   (chapter 7).

    The damping δ is 0 without regulariser, γ for R1 and -2f''(0)σ² for instance noise.
    WGAN-GP has no Jacobian at the equilibrium: its field jumps by 4γ across ψ = 0.
    """
    gamma, noise_std = _check_options(kind, reg, gamma, noise_std)
    if reg == "gp":
        raise ValueError(
            "reg='gp' has no Jacobian at (0, 0): the penalty's gradient -2γ(|ψ|-1)sign(ψ) "
            "jumps from -2γ to +2γ across ψ = 0, so the field is not differentiable there"
        )
    damping = {None: 0.0, "r1": gamma, "instance_noise": -2 * _f_second(kind) * noise_std**2}[reg]
    slope = float(f_prime(0.0, kind=kind))  # f'(0)
    return np.array([[0.0, -slope], [slope, -damping]])


def jacobian_eigenvalues(
    kind: str = "gan", reg: str | None = None, *, gamma: float = 1.0, noise_std: float = 1.0
) -> np.ndarray:
    r"""The eigenvalues of :func:`jacobian`: (-δ ± √(δ² - 4f'(0)²)) / 2, complex, shape (2,).

    δ = 0 gives ±i f'(0), a pure rotation; δ > 0 gives negative real parts: the
    equilibrium attracts, and gradient descent with a small enough step converges.
    """
    return np.linalg.eigvals(jacobian(kind, reg, gamma=gamma, noise_std=noise_std)).astype(np.complex128)


def distance_to_equilibrium(trajectory: Any) -> float:
    """‖(θ_T, ψ_T)‖: the Euclidean distance of the last iterate from (0, 0).

    trajectory: array of shape (T, 2) as returned by :func:`simulate`.
    """
    path = checks.array(trajectory, "trajectory", shape="(T, 2)")
    if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
        raise ValueError(f"trajectory must have shape (T, 2) with T ≥ 1: rows (θ, ψ); got {path.shape}")
    return float(np.hypot(*path[-1]))
