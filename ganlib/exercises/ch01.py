r"""Exercises of chapter 1, "Generative models" (see :mod:`.registry`).

The expected values are computed *independently* of the formula the reader is asked
to write (and of the reference solutions below):

* ``check_autoregressive_log_likelihood`` — from the joint table
  :math:`P(x_1, x_2)` built by multiplying the tables out (or by hand), never from
  :math:`\log p(x_1) + \log p(x_2 \mid x_1)`;
* ``check_affine_flow_log_prob`` — from :func:`scipy.stats.norm.logpdf`: if
  :math:`x = a \odot z + b` with :math:`z \sim \mathcal{N}(0, I)`, then each
  :math:`x_j \sim \mathcal{N}(b_j, a_j^2)` independently.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.stats import norm

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_affine_flow_log_prob", "check_autoregressive_log_likelihood"]


# --- exercise 1: the likelihood of an autoregressive model -------------------------------


def autoregressive_log_likelihood(p_x1, p_x2_given_x1, x):
    x1, x2 = x[:, 0], x[:, 1]
    # log p(x1) + log p(x2 | x1)
    return torch.log(p_x1[x1]) + torch.log(p_x2_given_x1[x1, x2])


def _joint_log_likelihood(p_x1: np.ndarray, p_x2_given_x1: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log P(x1, x2) read off the joint table P = diag(p_x1) · P(x2 | x1), one value per row of x."""
    joint = p_x1[:, None] * p_x2_given_x1  # (K, K): P(x1 = i, x2 = j)
    return np.log(joint[x[:, 0], x[:, 1]])  # (N,)


def _random_tables(k: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    p_x1 = rng.dirichlet(np.ones(k))  # (K,)
    p_x2_given_x1 = rng.dirichlet(np.ones(k), size=k)  # (K, K), rows sum to 1
    x = rng.integers(0, k, size=(n, 2))  # (N, 2)
    return torch.tensor(p_x1), torch.tensor(p_x2_given_x1), torch.tensor(x)


def _autoregressive_cases() -> list[Case]:
    coin = torch.tensor([0.5, 0.5], dtype=torch.float64)
    sticky = torch.tensor([[0.9, 0.1], [0.2, 0.8]], dtype=torch.float64)
    pairs = torch.tensor([[0, 0], [1, 1], [0, 1], [1, 0]])
    by_hand = np.log([0.5 * 0.9, 0.5 * 0.8, 0.5 * 0.1, 0.5 * 0.2])  # p(x1) · p(x2 | x1), multiplied out
    independent = torch.full((3, 3), 1 / 3, dtype=torch.float64)
    skewed = torch.tensor([0.7, 0.2, 0.1], dtype=torch.float64)
    cases = [
        Case((coin, sticky, pairs), by_hand, note="two binary variables, x2 likes to copy x1"),
        Case((skewed, independent, torch.tensor([[0, 2], [2, 0]])), np.log([0.7 / 3, 0.1 / 3]),
             note="x2 independent of x1: log p(x1) + log(1/3)"),
        Case((coin, sticky, torch.tensor([[1, 0]])), np.log([0.1]),
             note="one pair: the row of p_x2_given_x1 is chosen by x1, the column by x2"),
    ]
    for seed in (0, 1):
        p_x1, p_x2_given_x1, x = _random_tables(5, 7, seed)
        expected = _joint_log_likelihood(p_x1.numpy(), p_x2_given_x1.numpy(), x.numpy())
        cases.append(Case((p_x1, p_x2_given_x1, x), expected, note=f"random 5-state tables (seed {seed})"))
    return cases


AUTOREGRESSIVE = Exercise(
    "autoregressive_log_likelihood",
    label="ex-ch01-autoregressive",
    title="The likelihood of an autoregressive model",
    task=r"""Two discrete variables take values $0, \dots, K-1$. An autoregressive model gives them the
table `p_x1` (shape `(K,)`, `p_x1[i]` $= p(x_1 = i)$) and the table `p_x2_given_x1`
(shape `(K, K)`, row `i` holds $p(x_2 = j \mid x_1 = i)$). Write
`autoregressive_log_likelihood(p_x1, p_x2_given_x1, x)` that returns, for every row
$(x_1, x_2)$ of the integer tensor `x` (shape `(N, 2)`), the exact log-likelihood
$\log p(x_1, x_2)$ of {eq}`ch01-fvbn`, a tensor of shape `(N,)`.""",
    solution=autoregressive_log_likelihood, cases=_autoregressive_cases, atol=1e-8, rtol=1e-6,
    wrong=(
        # reads the conditional table by column
        Wrong(lambda p1, p21, x: torch.log(p1[x[:, 0]]) + torch.log(p21[x[:, 1], x[:, 0]]), says="2 of 4 entries differ"),
        # forgets the first factor p(x1)
        Wrong(lambda p1, p21, x: torch.log(p21[x[:, 0], x[:, 1]]), says="x2 likes to copy x1"),
        # sums the log-likelihoods to one number
        Wrong(lambda p1, p21, x: autoregressive_log_likelihood(p1, p21, x).sum(), says="expected shape (4,)"),
    ),
)


# --- exercise 2: the density of an affine flow -------------------------------------------


def affine_flow_log_prob(x, scale, shift):
    z = (x - shift) / scale  # z = g⁻¹(x)
    d = x.shape[1]
    # log N(z; 0, I_d)
    log_pz = -0.5 * (z**2).sum(1) - 0.5 * d * math.log(2 * math.pi)
    # log|det ∂g⁻¹/∂x| = -Σ_j log|a_j|
    return log_pz - torch.log(scale.abs()).sum()


def _affine_case(n: int, scale: list[float], shift: list[float], seed: int, note: str) -> Case:
    rng = np.random.default_rng(seed)
    scale_, shift_ = np.asarray(scale, dtype=np.float64), np.asarray(shift, dtype=np.float64)
    x = shift_ + np.abs(scale_) * rng.standard_normal((n, len(scale_)))  # (N, d): points where p is not tiny
    expected = norm.logpdf(x, loc=shift_, scale=np.abs(scale_)).sum(axis=1)  # x_j ~ N(b_j, a_j²), independent
    return Case((torch.tensor(x), torch.tensor(scale_), torch.tensor(shift_)), expected, note=note)


def _affine_cases() -> list[Case]:
    return [
        _affine_case(4, [1.0], [0.0], 0, note="the identity map: log p_x = log N(x; 0, 1)"),
        _affine_case(4, [2.0], [1.0], 1, note="d = 1, a = 2: the density is spread out, so log|det| = log 2 is subtracted"),
        _affine_case(5, [0.5, 3.0, 1.0], [-1.0, 0.0, 2.0], 2, note="d = 3: log|det| = Σ_j log|a_j|"),
        _affine_case(5, [-2.0, 0.25], [0.5, -0.5], 3, note="a negative scale: the determinant enters as |det|"),
    ]


def _log_n01(x, scale, shift):  # log N(z; 0, I) of z = g⁻¹(x), the start of every answer
    z = (x - shift) / scale
    return -0.5 * (z**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi)


AFFINE_FLOW = Exercise(
    "affine_flow_log_prob", label="ex-ch01-affine-flow", title="The density of an affine flow",
    task=r"""The simplest flow is elementwise affine: $x = a \odot z + b$ with $z \sim \mathcal{N}(0, I_d)$
and a scale vector $a$ with no zero entries. Use the change of variables {eq}`ch01-cov` to
write `affine_flow_log_prob(x, scale, shift)` that returns $\log p_x(x)$ for every row of
`x` (shape `(N, d)`; `scale` $= a$ and `shift` $= b$ have shape `(d,)`).""",
    hints=("what is $g^{-1}$, and what is the determinant of its Jacobian? Mind negative scales.",),
    solution=affine_flow_log_prob, cases=_affine_cases, atol=1e-8, rtol=1e-6,
    wrong=(
        Wrong(_log_n01, says="log|det| = log 2 is subtracted"),  # without the log-determinant
        Wrong(lambda x, a, b: _log_n01(x, a, b) - torch.log(a).sum(), says="a negative scale"),  # no |.|
        Wrong(lambda x, a, b: _log_n01(x, a, b) + torch.log(a.abs()).sum(), says="d = 1, a = 2"),  # sign
    ),
)


CHAPTER = Chapter("01_generative_models", (AUTOREGRESSIVE, AFFINE_FLOW), call_as="ex")
check_autoregressive_log_likelihood = AUTOREGRESSIVE.checker()
check_affine_flow_log_prob = AFFINE_FLOW.checker()
