r"""Exercise checkers for chapter 4, "Divergences: KL, JS, Wasserstein and f-divergences".

Each checker runs the reader's function on a few cases whose answers come from SciPy
(``scipy.special.rel_entr``, ``scipy.spatial.distance.jensenshannon``,
``scipy.stats.wasserstein_distance``), not from :mod:`ganlib.divergences`, prints a
report and returns True when every case passes. None of them raises.

* :func:`check_kl`: KL(p ‖ q) = Σ p log(p/q), with 0 log 0 = 0 and +inf where q = 0 < p.
* :func:`check_js`: JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = ½(p + q).
* :func:`check_w1_1d`: W₁ of two equal-size 1-D samples from their sorted values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special, stats
from scipy.spatial import distance

from .core import Case, check

__all__ = ["check_js", "check_kl", "check_w1_1d"]


# --- exercise 1: KL with the conventions of information theory ---------------------------


def _kl_ref(p: np.ndarray, q: np.ndarray) -> float:
    """SciPy's elementwise p log(p/q) (0 where p = 0, inf where q = 0 < p), summed."""
    return float(np.sum(special.rel_entr(p, q)))


def _kl_cases() -> list[Case]:
    rng = np.random.default_rng(4)
    p5, q5 = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    pairs = [
        (np.array([0.5, 0.5]), np.array([0.9, 0.1]), "a fair coin coded for a biased one"),
        (p5, q5, "two distributions on five outcomes"),
        (np.array([0.6, 0.4, 0.0]), np.array([0.3, 0.3, 0.4]), "p(x) = 0 on one outcome: 0·log 0 = 0, not NaN"),
        (np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.0, 0.0]), "q(x) = 0 < p(x): KL is +inf"),
        (np.array([0.2, 0.8]), np.array([0.2, 0.8]), "p = q: KL is 0"),
    ]
    return [Case((p, q), _kl_ref(p, q), note=note) for p, q, note in pairs]


def check_kl(fn: Callable[[np.ndarray, np.ndarray], float]) -> bool:
    """Check ``fn(p, q) -> KL(p ‖ q)`` in nats: two probability vectors in, a number out."""
    return check(fn, _kl_cases(), name="kl", atol=1e-9, rtol=1e-7)


# --- exercise 2: JS, both halves -------------------------------------------------------


def _js_cases() -> list[Case]:
    pairs = [
        (np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1]), "two distributions on three points"),
        (np.array([0.9, 0.1, 0.0]), np.array([0.1, 0.5, 0.4]), "unequal supports: both halves of the formula differ"),
        (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.3, 0.7]), "disjoint supports: JS = log 2"),
        (np.array([0.25, 0.75]), np.array([0.25, 0.75]), "p = q: JS is 0"),
    ]
    # SciPy returns the Jensen-Shannon *distance* √JS (natural log by default)
    return [Case((p, q), float(distance.jensenshannon(p, q) ** 2), note=note) for p, q, note in pairs]


def check_js(fn: Callable[[np.ndarray, np.ndarray], float]) -> bool:
    """Check ``fn(p, q) -> JS(p ‖ q)`` in nats: two probability vectors in, a number out."""
    return check(fn, _js_cases(), name="js", atol=1e-9, rtol=1e-7)


# --- exercise 3: W1 in one dimension from sorted samples -------------------------------


def _w1_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    a, b = rng.normal(0.0, 1.0, 200), rng.normal(1.0, 2.0, 200)
    cases = [
        (np.array([0.0, 1.0, 2.0]), np.array([5.0, 6.0, 7.0]), "a rigid shift by 5 moves every point by 5"),
        (np.array([3.0, 0.0, 1.0]), np.array([1.0, 4.0, 0.0]), "unsorted input: sort both samples first"),
        (a, b, "N(0, 1) vs N(1, 2²), 200 points each"),
        (np.array([0.0, 0.0, 0.0, 4.0]), np.array([1.0, 1.0, 1.0, 1.0]), "not the difference of the means (0)"),
    ]
    return [Case((x, y), float(stats.wasserstein_distance(x, y)), note=note) for x, y, note in cases]


def check_w1_1d(fn: Callable[[np.ndarray, np.ndarray], float]) -> bool:
    """Check ``fn(x, y) -> W₁``: two 1-D samples of equal size (n,) in, a number out."""
    return check(fn, _w1_cases(), name="w1_1d", atol=1e-9, rtol=1e-7)

