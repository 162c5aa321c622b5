r"""Exercises of chapter 7, "Training difficulties and tricks" (see :mod:`.registry`).

The expected values are computed independently of :mod:`ganlib.games`,
:mod:`ganlib.metrics` and :mod:`ganlib.regularizers` (closed forms with NumPy,
``scipy.spatial.distance.cdist``, torch's ``binary_cross_entropy_with_logits``):

* ``check_dirac_step``: one simultaneous or alternating gradient step on the Dirac-GAN,
  θ ← θ − h ψ σ(−ψθ) (G descends), ψ ← ψ + h θ σ(−ψθ) (D ascends).
* ``check_mode_coverage``: VEEGAN's (modes captured, high-quality fraction).
* ``check_smoothed_d_loss``: D's cross-entropy with the real target 1 − α (one-sided).
* ``check_keep_probability``: rejection sampling's acceptance probability
  min(1, exp(t − M)), M the q-quantile of the logits (``np.quantile``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cdist

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_dirac_step", "check_keep_probability", "check_mode_coverage", "check_smoothed_d_loss"]


# --- exercise 1: one gradient step on the Dirac-GAN --------------------------------------


def dirac_step(theta, psi, lr, mode):
    slope = lambda t: 1 / (1 + math.exp(t))  # f'(t) = σ(-t)
    psi_new = psi + lr * theta * slope(psi * theta)  # D ascends
    if mode == "alternating":
        psi = psi_new  # G answers the new D
    theta_new = theta - lr * psi * slope(psi * theta)  # G descends
    return theta_new, psi_new


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


def _dirac_wrong_slope(theta, psi, lr, mode):  # f'(t) = σ(t) instead of σ(−t)
    new_psi = psi + lr * theta * _slope(-psi * theta)
    if mode == "alternating":
        psi = new_psi
    return theta - lr * psi * _slope(-psi * theta), new_psi


DIRAC_STEP = Exercise(
    "dirac_step", label="ex-ch07-dirac-step", title="One step of the Dirac-GAN",
    task=r"""Write `dirac_step(theta, psi, lr, mode)`: one gradient step of the GAN version of
{eq}`eq-ch07-dirac`, with $f'(t) = \sigma(-t)$. The generator descends
$\partial_\theta L = \psi f'(\psi\theta)$, the discriminator ascends
$\partial_\psi L = \theta f'(\psi\theta)$. With `mode="simultaneous"` both use the old point;
with `mode="alternating"` the discriminator moves first and the generator uses the new $\psi$.
Return `(theta_new, psi_new)`.""",
    solution=dirac_step, cases=_dirac_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        # alternating, but G reads the old ψ
        Wrong(lambda theta, psi, lr, mode: dirac_step(theta, psi, lr, "simultaneous"), says="new* ψ"),
        # G climbs L instead of descending
        Wrong(lambda theta, psi, lr, mode: (2 * theta - dirac_step(theta, psi, lr, mode)[0],
                                            dirac_step(theta, psi, lr, mode)[1]), says="from (1, 1)"),
        Wrong(_dirac_wrong_slope, says="from (1, 1)"),
    ),
)


# --- exercise 2: counting modes, VEEGAN's protocol ---------------------------------------


def mode_coverage(samples, centers, std):
    diff = samples[:, None, :] - centers[None, :, :]  # (N, M, 2)
    dist = np.linalg.norm(diff, axis=-1)  # (N, M)
    good = dist.min(axis=1) <= 3 * std  # (N,) high quality
    captured = np.unique(dist.argmin(axis=1)[good])  # their nearest centres
    return len(captured), good.mean()


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


def _coverage_any_nearest(samples, centers, std):  # counts modes without the 3σ test
    d = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    good = d.min(axis=1) <= 3 * std
    return len(np.unique(d.argmin(axis=1))), good.mean()


MODE_COVERAGE = Exercise(
    "mode_coverage", label="ex-ch07-mode-coverage", title="Counting modes",
    task="""Write `mode_coverage(samples, centers, std)` for NumPy arrays `samples` $(N, 2)$ and
`centers` $(M, 2)$: return the number of modes captured and the fraction of high-quality
samples, with VEEGAN's definitions (a sample is high quality within 3 `std` of its
nearest centre; a mode is captured when it is the nearest centre of at least one
high-quality sample).""",
    solution=mode_coverage, cases=_coverage_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        Wrong(_coverage_any_nearest, says="not within 3σ"),
        Wrong(lambda x, c, std: mode_coverage(x, c, 2 * std / 3), says="collapse onto two modes"),  # 2σ
        # a count, not a fraction
        Wrong(lambda x, c, std: (mode_coverage(x, c, std)[0], mode_coverage(x, c, std)[1] * len(x)),
              says="collapse onto two modes"),
    ),
)


# --- exercise 3: one-sided label smoothing -----------------------------------------------


def smoothed_d_loss(real_logits, fake_logits, alpha):
    t = real_logits  # target 1 - alpha; -log σ(t) = softplus(-t)
    real = (1 - alpha) * F.softplus(-t) + alpha * F.softplus(t)
    return real.mean() + F.softplus(fake_logits).mean()  # fake target stays 0


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


def _smoothed_two_sided(real_logits, fake_logits, alpha):  # the fake target moves to α too
    fake = (1 - alpha) * F.softplus(fake_logits) + alpha * F.softplus(-fake_logits)
    return smoothed_d_loss(real_logits, fake_logits, alpha) - F.softplus(fake_logits).mean() + fake.mean()


def _smoothed_unstable(real_logits, fake_logits, alpha):  # log(sigmoid): -inf at ±60 in float32
    d_real, d_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    real = -((1 - alpha) * torch.log(d_real) + alpha * torch.log(1 - d_real))
    return real.mean() - torch.log(1 - d_fake).mean()


SMOOTHED_D_LOSS = Exercise(
    "smoothed_d_loss", label="ex-ch07-smoothing", title="One-sided label smoothing",
    task=r"""Write `smoothed_d_loss(real_logits, fake_logits, alpha)`: the discriminator loss
{eq}`eq-ch07-smoothing` for logit tensors of shapes $(N,)$ and $(M,)$, a 0-d tensor. Only
the real target moves (to $1 - \alpha$). It must stay finite for logits of $\pm 60$.""",
    solution=smoothed_d_loss, cases=_smoothed_cases, atol=1e-6, rtol=1e-5,
    wrong=(
        Wrong(_smoothed_two_sided, says="α = 0.1"),
        Wrong(lambda r, f, alpha: smoothed_d_loss(r, f, 1 - alpha), says="α = 0.1"),  # real target α
        Wrong(_smoothed_unstable, says="±60"),
    ),
)


# --- exercise 4: the acceptance probability of rejection sampling ------------------------


def keep_probability(t, q):
    M = np.quantile(t, q)
    # t - M first: exp(1000) would overflow
    return np.minimum(1.0, np.exp(t - M))


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


def _keep_overflows(t, q):  # exp(t) / exp(M): inf / inf for large logits
    with np.errstate(over="ignore", invalid="ignore"):
        return np.minimum(1.0, np.exp(t) / np.exp(np.quantile(t, q)))


KEEP_PROBABILITY = Exercise(
    "keep_probability", label="ex-ch07-keep", title="How likely is a proposal to be kept?",
    task=r"""Write `keep_probability(t, q)`: for a NumPy array `t` of $N$ logits (estimates of
$\log p_\text{data}/p_g$ at $N$ proposals) and a cap quantile $q \in (0, 1]$, return the
probability that rejection sampling keeps each proposal, $\min(1, e^{t_i - M})$, where
$M$ is the $q$-quantile of `t` (`np.quantile`; $q = 1$ gives the maximum). It must stay
finite when every logit is near 1000. Then answer: why does capping at $q < 1$ break the
exactness of rejection sampling, and in which direction does it bias the kept samples?""",
    solution=keep_probability, cases=_keep_cases, atol=1e-9, rtol=1e-7,
    wrong=(
        Wrong(lambda t, q: np.exp(t - np.quantile(t, q)), says="top 10 %"),  # no cap at 1
        Wrong(lambda t, q: np.minimum(1.0, np.exp(t - t.mean())), says="q = 1"),  # M = the mean logit
        Wrong(_keep_overflows, says="near 1000"),
        Wrong(lambda t, q: np.exp(t - t.max()), says="top 10 %"),  # ignores q
    ),
    follow_up="""
# Why capping is inexact: rejection sampling needs p(x) / (M q(x)) <= 1
# everywhere. With M below the largest log ratio, every proposal above the
# cap is kept with probability 1 instead of exp(t - M) > 1, so the regions
# where p_data / p_g is largest, the places G under-serves, keep less weight
# than they should: the kept samples lean a little towards where G already is.""",
)


CHAPTER = Chapter(
    "07_training_tricks", (DIRAC_STEP, MODE_COVERAGE, SMOOTHED_D_LOSS, KEEP_PROBABILITY), call_as="ch07"
)
check_dirac_step = DIRAC_STEP.checker()
check_mode_coverage = MODE_COVERAGE.checker()
check_smoothed_d_loss = SMOOTHED_D_LOSS.checker()
check_keep_probability = KEEP_PROBABILITY.checker()
