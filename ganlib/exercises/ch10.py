r"""Exercises of chapter 10, "Evaluating GANs".

The expected values are computed here independently of :mod:`ganlib.metrics` and of the
reference solutions below: SciPy's ``cdist`` with a full sort for the k-NN radii, and
closed forms or SciPy's ``sqrtm`` of the *symmetric* product
:math:`\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}` for the Fréchet distance.

* ``check_precision``: improved precision, the fraction of fake points inside some real
  point's k-NN ball (radius: distance to its k-th nearest *other* real point; strict <).
* ``check_inception_score``: exp(E_x KL(p(y|x) ‖ p(y))), via SciPy's entropies.
* ``check_frechet``: FID from two Gaussians' moments,
  :math:`\|\mu_1-\mu_2\|^2 + \operatorname{Tr}(\Sigma_1+\Sigma_2-2(\Sigma_1\Sigma_2)^{1/2})`.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, stats
from scipy.spatial.distance import cdist

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_frechet", "check_inception_score", "check_precision"]


# --- exercise 1: precision from k-NN balls ---------------------------------------------


def precision(real, fake, k):
    dist_rr = np.linalg.norm(real[:, None] - real[None], axis=-1)  # (N, N)
    radius = np.sort(dist_rr, axis=1)[:, k]  # index 0 is the point itself
    dist_rf = np.linalg.norm(real[:, None] - fake[None], axis=-1)  # (N, M)
    inside = dist_rf < radius[:, None]  # fake j in the ball of real i
    return float(inside.any(axis=0).mean())


def _precision_ref(real: np.ndarray, fake: np.ndarray, k: int) -> float:
    radius = np.array([sorted(row)[k] for row in cdist(real, real)])  # k-th other
    return float(np.mean([any(d < radius) for d in cdist(fake, real)]))


def _precision_cases() -> list[Case]:
    rng = np.random.default_rng(10)
    real, fake = rng.normal(size=(60, 4)), rng.normal(size=(50, 4)) + 0.8
    line = np.arange(6.0)[:, None]  # real points 0, 1, ..., 5 on a line
    ties = np.array([[0.5], [6.0], [7.0], [-2.0]])  # 6 lies exactly on a radius
    cases = [
        (real, fake, 3, "60 real, 50 shifted fake points in 4-D, k = 3"),
        (line, ties, 1, "points on a line: a fake point exactly on a radius is outside (strict <)"),
        (line, np.array([[2.5], [6.5], [7.5]]), 2, "k = 2: the radius is the 2nd nearest *other* point"),
        (real[:8], real[:8] + 100.0, 3, "disjoint sets: precision 0"),
    ]
    return [Case((r, f, k), _precision_ref(r, f, k), note=note) for r, f, k, note in cases]


def _recall(real, fake, k):
    return precision(fake, real, k)  # the other direction


def _with_self(real, fake, k):  # radius from the k-th smallest, self included
    radius = np.sort(cdist(real, real), axis=1)[:, k - 1]
    return float((cdist(real, fake) < radius[:, None]).any(axis=0).mean())


def _non_strict(real, fake, k):
    radius = np.sort(cdist(real, real), axis=1)[:, k]
    return float((cdist(real, fake) <= radius[:, None]).any(axis=0).mean())


PRECISION = Exercise(
    "precision",
    label="ex-ch10-precision",
    title="Precision from k-NN balls",
    task=r"""Write `precision(real, fake, k)` for NumPy feature matrices `real` $(N, d)$ and
`fake` $(M, d)$: put a ball around each real point $x_i$ of radius $r_k(x_i)$, the distance
to its $k$-th nearest *other* real point, and return the fraction of fake points that lie
strictly inside at least one ball, $\|y_j - x_i\| < r_k(x_i)$ (eq. {eq}`eq-ch10-precision`).
Do not use `ganlib.metrics`.""",
    solution=precision,
    cases=_precision_cases,
    atol=1e-12,
    rtol=0,
    wrong=(
        Wrong(_recall, says="shifted fake"),
        Wrong(_with_self, says="shifted fake"),
        Wrong(_non_strict, says="strict <"),
    ),
)


# --- exercise 2: the Inception Score ------------------------------------------------------


def inception_score(probs):
    p_y = probs.mean(axis=0)  # the marginal p(y), (K,)
    safe = np.where(probs > 0, probs, 1.0)  # 0 log 0 = 0
    kl = np.sum(probs * (np.log(safe) - np.log(p_y)), axis=1)  # (N,)
    return float(np.exp(kl.mean()))


def _is_ref(probs: np.ndarray) -> float:
    # IS = exp(H(p(y)) - E_x H(p(y|x))), entropies from SciPy (0 log 0 = 0)
    return float(np.exp(stats.entropy(probs.mean(axis=0)) - np.mean(stats.entropy(probs, axis=1))))


def _is_cases() -> list[Case]:
    rng = np.random.default_rng(5)
    cases = [
        (np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]], "confident and even over 4 classes: IS = 4"),
        (np.tile([0.7, 0.2, 0.1], (5, 1)), "every image gets the same prediction: IS = 1"),
        (rng.dirichlet(np.ones(10) * 0.3, size=50), "50 images, 10 classes"),
        (np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.2, 0.3, 0.5]]), "zeros in p(y|x): 0 log 0 = 0"),
    ]
    return [Case(p, _is_ref(p), note=note) for p, note in cases]


def _reverse_kl(probs):  # KL(p(y) || p(y|x)) instead
    p_y = probs.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.exp(np.mean(np.sum(p_y * np.log(p_y / probs), axis=1))))


INCEPTION = Exercise(
    "inception_score",
    label="ex-ch10-inception",
    title="The Inception Score",
    task=r"""Write `inception_score(probs)` for a NumPy array `probs` of shape $(N, K)$ whose
row $i$ is $p(y \mid x_i)$: return {eq}`eq-ch10-is`, with $0 \log 0 = 0$ (one split, natural
logarithms). Do not use `ganlib.metrics`.""",
    solution=inception_score,
    cases=_is_cases,
    atol=1e-9,
    rtol=1e-7,
    wrong=(
        Wrong(lambda p: float(np.mean(np.sum(p * np.log(np.where(p > 0, p, 1.0) / p.mean(0)), axis=1))),
              says="IS = 4"),  # forgot the exp
        Wrong(_reverse_kl, says="IS = 4"),
        Wrong(lambda p: float(np.exp(np.mean(np.sum(p * np.log(p / p.mean(0)), axis=1)))), says="log(0)"),  # NaN from 0 log 0
    ),
)


# --- exercise 3: the Fréchet distance of two Gaussians ---------------------------------


def frechet(mu1, sigma1, mu2, sigma2):
    root = linalg.sqrtm(sigma1 @ sigma2).real  # (S1 S2)^{1/2}
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1 + sigma2 - 2 * root))


def _frechet_ref(mu1, s1, mu2, s2) -> float:
    half = linalg.sqrtm(s1).real  # S1^{1/2}, symmetric
    cross = linalg.sqrtm(half @ s2 @ half).real  # same trace as (S1 S2)^{1/2}
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(cross))


def _spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def _frechet_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    mu, s1, s2 = rng.normal(size=4), _spd(rng, 4), _spd(rng, 4)
    cases = [
        (np.zeros(2), np.diag([1.0, 4.0]), np.array([3.0, 4.0]), np.diag([1.0, 4.0]),
         "equal covariances: only the means count, |(3, 4)|² = 25"),
        (np.zeros(2), np.diag([1.0, 4.0]), np.zeros(2), np.diag([9.0, 1.0]),
         "diagonal: Σ (√a − √b)² = (1 − 3)² + (2 − 1)² = 5"),
        (mu, s1, np.zeros(4), s2, "two full 4 × 4 covariances that do not commute"),
        (mu, s1, mu, s1, "identical Gaussians: 0"),
    ]
    return [Case((m1, a, m2, b), _frechet_ref(m1, a, m2, b), note=note) for m1, a, m2, b, note in cases]


FRECHET = Exercise(
    "frechet",
    label="ex-ch10-frechet",
    title="FID from two Gaussians",
    task=r"""Write `frechet(mu1, sigma1, mu2, sigma2)`: the Fréchet distance
{eq}`eq-ch10-fid` between $\mathcal N(\mu_1, \Sigma_1)$ and $\mathcal N(\mu_2, \Sigma_2)$
for NumPy means $(d,)$ and covariances $(d, d)$. `scipy.linalg.sqrtm` gives a matrix
square root; it may return a complex array with a negligible imaginary part. Do not
use `ganlib.metrics`.""",
    solution=frechet,
    cases=_frechet_cases,
    atol=1e-6,
    rtol=1e-6,
    wrong=(
        Wrong(lambda m1, s1, m2, s2: frechet(m1, s1, m2, s2) - float((m1 - m2) @ (m1 - m2)), says="25"),
        Wrong(lambda m1, s1, m2, s2: float((m1 - m2) @ (m1 - m2) + np.trace(s1 + s2 - 2 * np.sqrt(np.abs(s1 * s2)))),
              says="do not commute"),
        Wrong(lambda m1, s1, m2, s2: float(np.linalg.norm(m1 - m2) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)),
              says="25"),
    ),
)


CHAPTER = Chapter("10_evaluation", (PRECISION, INCEPTION, FRECHET), call_as="ch10")
check_precision, check_inception_score, check_frechet = (
    PRECISION.checker(), INCEPTION.checker(), FRECHET.checker())
