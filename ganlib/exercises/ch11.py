r"""Exercises of chapter 11, "GANs for text and discrete data".

The expected values are computed here independently of the reference solutions:

* ``check_reinforce``: the REINFORCE estimate of :math:`\nabla_\theta \mathbb E_{x\sim
  \mathrm{softmax}(\theta)}[f(x)]` from samples, :math:`\frac1N\sum_i (f(x_i) - b)
  \nabla_\theta \log \mathrm{softmax}(\theta)_{x_i}`, differentiated by PyTorch's autograd
  (the reference solution writes the gradient of the log-softmax out by hand).
* ``check_gumbel_max``: the Gumbel-max sample :math:`\arg\max_k (\theta_k + g_k)` with
  :math:`g = -\log(-\log u)`, the Gumbel noise taken from SciPy's inverse CDF
  ``stats.gumbel_r.ppf(u)``.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_gumbel_max", "check_reinforce"]


# --- exercise 1: the REINFORCE estimator ---------------------------------------------------


def reinforce(theta, x, f_x, b):
    p = np.exp(theta - theta.max())
    p = p / p.sum()  # softmax(θ), (K,)
    one_hot = np.eye(len(theta))[x]  # (N, K)
    score = one_hot - p  # ∇θ log softmax(θ)_x, one row per sample
    return ((f_x - b)[:, None] * score).mean(axis=0)  # (K,)


def _reinforce_ref(theta, x, f_x, b) -> np.ndarray:
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    log_p = torch.log_softmax(t, dim=0)[torch.as_tensor(x)]  # (N,)
    surrogate = (torch.as_tensor(f_x - b, dtype=torch.float64) * log_p).mean()
    (grad,) = torch.autograd.grad(surrogate, t)
    return grad.numpy()


def _reinforce_cases() -> list[Case]:
    rng = np.random.default_rng(11)
    theta = rng.normal(size=6)
    x = rng.choice(6, size=100, p=np.exp(theta) / np.exp(theta).sum())
    f_x = rng.normal(size=100) + 2.0
    cases = [
        (np.array([0.0, 1.0, -1.0]), np.array([0, 1, 1, 2]), np.array([1.0, 0.0, 2.0, 0.5]), 0.0,
         "3 outcomes, 4 samples, no baseline"),
        (np.array([0.0, 1.0, -1.0]), np.array([0, 1, 1, 2]), np.array([1.0, 0.0, 2.0, 0.5]), 0.7,
         "the same samples with baseline b = 0.7"),
        (theta, x, f_x, float(f_x.mean()), "6 outcomes, 100 samples, b = the mean reward"),
        (np.array([500.0, 0.0]), np.array([0]), np.array([3.0]), 0.0,
         "large logits: softmax must not overflow (subtract the maximum)"),
    ]
    return [Case((t, xs, f, b), _reinforce_ref(t, xs, f, b), note=note) for t, xs, f, b, note in cases]


def _no_baseline(theta, x, f_x, b):
    return reinforce(theta, x, f_x, 0.0)


def _wrong_sign(theta, x, f_x, b):
    return -reinforce(theta, x, f_x, b)


def _summed(theta, x, f_x, b):
    return reinforce(theta, x, f_x, b) * len(x)


REINFORCE = Exercise(
    "reinforce",
    label="ex-ch11-reinforce",
    title="The REINFORCE estimator",
    task=r"""Write `reinforce(theta, x, f_x, b)`: for a categorical distribution
$p_\theta = \mathrm{softmax}(\theta)$ over $K$ outcomes (`theta`: NumPy logits, shape
$(K,)$), samples `x` $(N,)$ (integers in $0..K-1$), their rewards `f_x` $(N,)$ and a
baseline `b` (a number), return the REINFORCE estimate {eq}`eq-ch11-reinforce` of
$\nabla_\theta \mathbb E_{p_\theta}[f(x)]$, shape $(K,)$:
$\frac1N \sum_i (f(x_i) - b)\, \nabla_\theta \log p_\theta(x_i)$. Do not use autograd.""",
    solution=reinforce,
    cases=_reinforce_cases,
    atol=1e-9,
    rtol=1e-7,
    hints=(r"$\partial \log \mathrm{softmax}(\theta)_x / \partial \theta_k = [k = x] - p_\theta(k)$.",),
    wrong=(
        Wrong(_no_baseline, says="baseline b = 0.7"),
        Wrong(_wrong_sign, says="no baseline"),
        Wrong(_summed, says="no baseline"),
    ),
)


# --- exercise 2: the Gumbel-max trick -------------------------------------------------------


def gumbel_max(logits, u):
    g = -np.log(-np.log(u))  # Gumbel(0, 1) noise from uniforms, (N, K)
    return np.argmax(logits + g, axis=-1)  # (N,)


def _gumbel_ref(logits, u) -> np.ndarray:
    return np.argmax(logits + stats.gumbel_r.ppf(u), axis=-1)


def _gumbel_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    logits = np.log([0.5, 0.3, 0.2])
    u = rng.uniform(size=(2000, 3))
    wide = rng.normal(size=(50, 8)) * 3
    cases = [
        (np.zeros((4, 3)), np.array([[0.2, 0.9, 0.5], [0.99, 0.1, 0.5], [0.3, 0.3, 0.31], [0.6, 0.2, 0.1]]),
         "equal logits: the largest u wins"),
        (np.tile(logits, (2000, 1)), u, "2 000 draws from (0.5, 0.3, 0.2)"),
        (wide, rng.uniform(size=(50, 8)), "50 rows of 8 logits each"),
    ]
    return [Case((lg, uu), _gumbel_ref(lg, uu), note=note) for lg, uu, note in cases]


GUMBEL = Exercise(
    "gumbel_max",
    label="ex-ch11-gumbel",
    title="The Gumbel-max trick",
    task=r"""Write `gumbel_max(logits, u)`: given NumPy `logits` $(N, K)$ and uniform numbers
`u` $(N, K)$ in $(0, 1)$, turn `u` into Gumbel(0, 1) noise $g = -\log(-\log u)$ and return,
for each row, $\arg\max_k (\theta_k + g_k)$, an integer array $(N,)$. By
{eq}`eq-ch11-gumbel-max` each row is then a sample from $\mathrm{softmax}(\theta)$.""",
    solution=gumbel_max,
    cases=_gumbel_cases,
    atol=0,
    rtol=0,
    wrong=(
        Wrong(lambda lg, u: np.argmax(lg + np.log(-np.log(u)), axis=-1), says="equal logits"),
        Wrong(lambda lg, u: np.argmax(lg - np.log(u), axis=-1), says="equal logits"),
        Wrong(lambda lg, u: np.argmax(lg + u, axis=-1), says="2 000 draws"),  # uniform noise
        Wrong(lambda lg, u: np.argmax(lg, axis=-1), says="equal logits"),
    ),
)


CHAPTER = Chapter("11_text", (REINFORCE, GUMBEL), call_as="ch11")
check_reinforce, check_gumbel_max = REINFORCE.checker(), GUMBEL.checker()
