r"""Exercise checkers for chapter 2, "GAN basics".

Each checker runs the reader's function on a few cases whose answers are computed
here *independently* of the formula the reader is asked to implement (SciPy's
densities, log-sum-exp identities, NumPy in float64), prints a report and returns
True when every case passes. None of them raises, so a notebook keeps running while
an exercise is still ``raise NotImplementedError``.

* :func:`check_optimal_discriminator`: D*(x) = p_data(x) / (p_data(x) + p_g(x)).
* :func:`check_nonsaturating_g_loss`: L_G = -E_z[log D(G(z))] from logits, stably.
* :func:`check_js_from_value`: JS(p_data || p_g) = (V(D*, G) + log 4) / 2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import special, stats
from scipy.spatial import distance

from .core import Case, check

__all__ = ["check_js_from_value", "check_nonsaturating_g_loss", "check_optimal_discriminator"]


# --- exercise 1: the optimal discriminator -----------------------------------------------


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


def check_optimal_discriminator(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> bool:
    """Check ``fn(p_data, p_g) -> D*``: arrays of density values in, an array of the same shape out."""
    return check(fn, _optimal_discriminator_cases(), name="optimal_discriminator", atol=1e-8, rtol=1e-6)


# --- exercise 2: the non-saturating generator loss, from logits ------------------------


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


def check_nonsaturating_g_loss(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(fake_logits) -> L_G``: a (N,) float tensor of logits in, a 0-d tensor out."""
    return check(fn, _nonsaturating_cases(), name="nonsaturating_g_loss", atol=1e-5, rtol=1e-5)


# --- exercise 3: JS from the value of the game ----------------------------------------


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


def check_js_from_value(fn: Callable[[float], float]) -> bool:
    """Check ``fn(v) -> JS``: the value V(D*, G) of the game at the optimal D in, JS in nats out."""
    return check(fn, _js_cases(), name="js_from_value", atol=1e-9, rtol=1e-7)

