r"""Exercises of chapter 4, "Divergences: KL, JS, Wasserstein and f-divergences".

The expected values come from SciPy (``scipy.special.rel_entr``,
``scipy.spatial.distance.jensenshannon``, ``scipy.stats.wasserstein_distance``), not
from :mod:`ganlib.divergences` nor from the reference solutions below.

* ``check_kl``: KL(p ‖ q) = Σ p log(p/q), with 0 log 0 = 0 and +inf where q = 0 < p.
* ``check_js``: JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = ½(p + q).
* ``check_w1_1d``: W₁ of two equal-size 1-D samples from their sorted values.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats
from scipy.spatial import distance

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_js", "check_kl", "check_w1_1d"]


# --- exercise 1: KL with the conventions of information theory ---------------------------


def kl(p, q):
    support = p > 0  # terms with p(x) = 0 contribute 0
    if np.any(q[support] == 0):
        return math.inf  # p has mass where q has none
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


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
    # rel_entr: p log(p/q) elementwise, 0 where p = 0, inf where q = 0 < p
    return [Case((p, q), float(np.sum(special.rel_entr(p, q))), note=note) for p, q, note in pairs]


KL = Exercise(
    "kl", label="ex-ch04-kl", title="KL with the conventions",
    task=r"""Write `kl(p, q)` for two probability vectors (NumPy arrays), in nats, with
$0 \log 0 = 0$ and $\mathrm{KL} = +\infty$ when some $q(x) = 0 < p(x)$. Do not use
`ganlib.divergences` or SciPy.""",
    solution=kl, cases=_kl_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        Wrong(lambda p, q: float(np.sum(p * np.log(p / q))), says="0·log 0 = 0"),
        Wrong(lambda p, q: float(np.sum(p * np.log((p + 1e-12) / (q + 1e-12)))), says="KL is +inf"),
        Wrong(lambda p, q: kl(q, p), says="fair coin"),  # the reverse KL
        Wrong(lambda p, q: kl(p, q) / math.log(2), says="fair coin"),  # bits, not nats
    ),
)


# --- exercise 2: JS, both halves -------------------------------------------------------


def js(p, q):
    m = 0.5 * (p + q)
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def _js_cases() -> list[Case]:
    pairs = [
        (np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1]), "two distributions on three points"),
        (np.array([0.9, 0.1, 0.0]), np.array([0.1, 0.5, 0.4]), "unequal supports: both halves of the formula differ"),
        (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.3, 0.7]), "disjoint supports: JS = log 2"),
        (np.array([0.25, 0.75]), np.array([0.25, 0.75]), "p = q: JS is 0"),
    ]
    # SciPy returns the Jensen-Shannon *distance* √JS (natural log by default)
    return [Case((p, q), float(distance.jensenshannon(p, q) ** 2), note=note) for p, q, note in pairs]


JS = Exercise(
    "js", label="ex-ch04-js", title="JS, both halves",
    task="""Using your `kl`, write `js(p, q)`, the Jensen–Shannon divergence {eq}`eq-js` in nats.
The checker includes a case where the notes' half formula gives the wrong answer.""",
    solution=js, cases=_js_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        Wrong(lambda p, q: 0.5 * kl(p, (p + q) / 2), says="three points"),  # the notes' half formula
        Wrong(lambda p, q: kl(p, (p + q) / 2) + kl(q, (p + q) / 2), says="three points"),  # forgot ½
        Wrong(lambda p, q: js(p, q) / math.log(2), says="three points"),  # bits
    ),
)


# --- exercise 3: W1 in one dimension from sorted samples -------------------------------


def w1_1d(x, y):
    # in 1-D the optimal plan pairs the i-th smallest x with the
    # i-th smallest y
    return float(np.mean(np.abs(np.sort(x) - np.sort(y))))


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


W1 = Exercise(
    "w1_1d", label="ex-ch04-w1", title="$W_1$ from sorted samples",
    task=r"""Write `w1_1d(x, y)` for two one-dimensional samples of the same size $n$ (NumPy arrays
of shape `(n,)`): the Wasserstein-1 distance between their empirical distributions,
$\frac1n\sum_i |x_{(i)} - y_{(i)}|$, where $x_{(i)}$ is the $i$-th smallest value.""",
    solution=w1_1d, cases=_w1_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        Wrong(lambda x, y: float(np.mean(np.abs(x - y))), says="unsorted"),  # forgot to sort
        Wrong(lambda x, y: abs(float(np.mean(x) - np.mean(y))), says="N(0, 1)"),  # the means only
    ),
)


CHAPTER = Chapter("04_divergences", (KL, JS, W1), call_as="ganlib.exercises.ch04")
check_kl, check_js, check_w1_1d = KL.checker(), JS.checker(), W1.checker()
