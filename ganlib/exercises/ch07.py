r"""Exercise checkers for chapter 7, "Training difficulties and tricks".

Each checker runs the reader's function on a few cases whose answers are computed here
independently of :mod:`ganlib.games`, :mod:`ganlib.metrics` and :mod:`ganlib.regularizers`
(closed forms with NumPy, ``scipy.spatial.distance.cdist``, torch's
``binary_cross_entropy_with_logits``), prints a report and returns True when every case
passes. None of them raises.

* :func:`check_dirac_step`: one simultaneous or alternating gradient step on the Dirac-GAN,
  θ ← θ − h ψ σ(−ψθ) (G descends), ψ ← ψ + h θ σ(−ψθ) (D ascends).
* :func:`check_mode_coverage`: VEEGAN's (modes captured, high-quality fraction).
* :func:`check_smoothed_d_loss`: D's cross-entropy with the real target 1 − α (one-sided).
* :func:`check_keep_probability`: rejection sampling's acceptance probability
  min(1, exp(t − M)), M the q-quantile of the logits (``np.quantile``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cdist

from .core import Case, check

__all__ = ["check_dirac_step", "check_keep_probability", "check_mode_coverage", "check_smoothed_d_loss"]


# --- exercise 1: one gradient step on the Dirac-GAN --------------------------------------


def _slope(t: float) -> float:
    """f'(t) = σ(−t) = 1 / (1 + e^t) for the GAN's f(t) = −log(1 + e^{−t})."""
    return 1.0 / (1.0 + np.exp(t))


def _dirac_step_ref(theta: float, psi: float, lr: float, mode: str) -> tuple[float, float]:
    new_psi = psi + lr * theta * _slope(psi * theta)  # D ascends ∂L/∂ψ = θ f'(ψθ)
    if mode == "alternating":
        psi = new_psi  # G answers the updated discriminator
    new_theta = theta - lr * psi * _slope(psi * theta)  # G descends ∂L/∂θ = ψ f'(ψθ)
    return float(new_theta), float(new_psi)


def _dirac_cases() -> list[Case]:
    points = [
        (1.0, 1.0, 0.1, "simultaneous", "from (1, 1), both players read the same point"),
        (1.0, 1.0, 0.1, "alternating", "from (1, 1): G must use the discriminator's *new* ψ"),
        (-0.5, 2.0, 0.5, "simultaneous", "θ < 0: the generator moves towards the data at 0"),
        (2.0, -1.5, 0.3, "alternating", "ψ < 0, a large step"),
        (0.0, 1.0, 0.1, "alternating", "G on the data: D does not move, G is pushed off"),
    ]
    return [
        Case((theta, psi, lr, mode), _dirac_step_ref(theta, psi, lr, mode), note=note)
        for theta, psi, lr, mode, note in points
    ]


def check_dirac_step(fn: Callable[[float, float, float, str], tuple[float, float]]) -> bool:
    """Check ``fn(theta, psi, lr, mode) -> (theta_new, psi_new)``, mode "simultaneous" or "alternating"."""
    return check(fn, _dirac_cases(), name="dirac_step", atol=1e-9, rtol=1e-7)


# --- exercise 2: counting modes, VEEGAN's protocol ---------------------------------------


def _coverage_ref(samples: np.ndarray, centers: np.ndarray, std: float) -> tuple[int, float]:
    dist = cdist(samples, centers)  # (N, M) Euclidean distances
    nearest = dist.argmin(axis=1)  # (N,)
    good = dist.min(axis=1) <= 3 * std  # (N,): within 3 std of the nearest centre
    return int(len(set(nearest[good].tolist()))), float(good.mean())


def _coverage_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    angles = 2 * np.pi * np.arange(8) / 8
    ring = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (8, 2)
    std = 0.02
    collapsed = ring[rng.integers(0, 2, 500)] + std * rng.normal(size=(500, 2))  # two modes only
    spread = ring[rng.integers(0, 8, 500)] + 5 * std * rng.normal(size=(500, 2))  # all modes, blurry
    stray = np.vstack([ring[:2] + 0.01, [[0.0, 1.0]] * 8])  # 2 good samples, 8 halfway to a centre
    edge = np.array([[2.0 + 2.5 * std, 0.0], [2.0 + 3.5 * std, 0.0], [0.0, -2.0]])  # 2.5σ and 3.5σ away
    cases = [
        (collapsed, ring, std, "collapse onto two modes: 2 captured, almost all samples high quality"),
        (spread, ring, std, "samples 5σ wide: every mode is hit, but only some samples count"),
        (stray, ring, std, "samples at (0, 1) are nearest to the centre (0, 2) but not within 3σ of it"),
        (edge, ring, std, "a sample 2.5σ from its centre counts, one 3.5σ away does not"),
    ]
    return [Case((x, c, s), _coverage_ref(x, c, s), note=note) for x, c, s, note in cases]


def check_mode_coverage(fn: Callable[[np.ndarray, np.ndarray, float], tuple[int, float]]) -> bool:
    """Check ``fn(samples (N, 2), centers (M, 2), std) -> (modes captured, high-quality fraction)``."""
    return check(fn, _coverage_cases(), name="mode_coverage", atol=1e-9, rtol=1e-7)


# --- exercise 3: one-sided label smoothing -----------------------------------------------


def _smoothed_ref(real_logits: torch.Tensor, fake_logits: torch.Tensor, alpha: float) -> torch.Tensor:
    real_t = torch.full_like(real_logits, 1 - alpha)  # the real target moves to 1 − α
    fake_t = torch.zeros_like(fake_logits)  # the fake target stays 0: one-sided
    bce = F.binary_cross_entropy_with_logits
    return bce(real_logits.double(), real_t.double()) + bce(fake_logits.double(), fake_t.double())


def _smoothed_cases() -> list[Case]:
    g = torch.Generator().manual_seed(3)
    r, f = 2 * torch.randn(64, generator=g) + 1, 2 * torch.randn(48, generator=g) - 1
    cases = [
        (r, f, 0.1, "α = 0.1, random logits (64 real, 48 fake)"),
        (r, f, 0.0, "α = 0: the ordinary discriminator loss"),
        (torch.tensor([3.0, 0.5]), torch.tensor([-2.0, 1.0, 0.0]), 0.2,
         "α = 0.2 on a few logits: only the real target moves (one-sided)"),
        (torch.tensor([60.0, -60.0]), torch.tensor([-70.0, 70.0]), 0.1,
         "logits of ±60: use softplus (or torch's BCE with logits), not log(sigmoid)"),
    ]
    return [Case((rl, fl, a), _smoothed_ref(rl, fl, a), note=note) for rl, fl, a, note in cases]


def check_smoothed_d_loss(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(real_logits (N,), fake_logits (M,), alpha) -> L_D`` (a 0-d tensor)."""
    return check(fn, _smoothed_cases(), name="smoothed_d_loss", atol=1e-6, rtol=1e-5)


# --- exercise 4: the acceptance probability of rejection sampling ------------------------


def _keep_ref(t: np.ndarray, q: float) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    M = np.quantile(t, q)  # q = 1: the maximum
    return np.minimum(1.0, np.exp(t - M))  # subtract M first: exp(t) alone can overflow


def _keep_cases() -> list[Case]:
    rng = np.random.default_rng(11)
    t = rng.normal(0.0, 2.0, size=200)
    cases = [
        (t, 1.0, "q = 1: M is the largest logit, every probability in (0, 1]"),
        (t, 0.9, "q = 0.9: the top 10 % of proposals are kept for sure (probability 1, not more)"),
        (np.array([0.0, 1.0, 2.0, 3.0]), 0.5, "four logits, q = 0.5: M = 1.5 (np.quantile interpolates)"),
        (np.full(5, -3.0), 1.0, "equal logits: every proposal is kept"),
        (t + 1000.0, 0.9, "logits near 1000: exp(1000) overflows, so compute exp(t − M)"),
    ]
    return [Case((x, q), _keep_ref(x, q), note=note) for x, q, note in cases]


def check_keep_probability(fn: Callable[[np.ndarray, float], np.ndarray]) -> bool:
    """Check ``fn(t, q) -> p``: p_i = min(1, exp(t_i − M)), M = np.quantile(t, q); t and p of shape (N,)."""
    return check(fn, _keep_cases(), name="keep_probability", atol=1e-9, rtol=1e-7)
