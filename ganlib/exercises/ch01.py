r"""Checkers for the exercises of chapter 1, "Generative models".

Each checker runs the reader's function on a few cases and prints what is wrong with
the first one that fails (see :func:`ganlib.exercises.core.check`). The expected
values are computed *independently* of the formula the reader is asked to write:

* :func:`check_autoregressive_log_likelihood` — from the joint table
  :math:`P(x_1, x_2)` built by multiplying the tables out (or by hand), never from
  :math:`\log p(x_1) + \log p(x_2 \mid x_1)`;
* :func:`check_affine_flow_log_prob` — from :func:`scipy.stats.norm.logpdf`: if
  :math:`x = a \odot z + b` with :math:`z \sim \mathcal{N}(0, I)`, then each
  :math:`x_j \sim \mathcal{N}(b_j, a_j^2)` independently.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy.stats import norm

from .core import Case, check


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


def check_autoregressive_log_likelihood(fn: Callable) -> bool:
    r"""Check ``fn(p_x1, p_x2_given_x1, x) -> log p(x)``, one value per row of ``x``.

    p_x1: (K,) the probabilities :math:`p(x_1 = i)`.
    p_x2_given_x1: (K, K) row ``i`` holds :math:`p(x_2 = j \mid x_1 = i)`.
    x: (N, 2) integer pairs :math:`(x_1, x_2)`. Returns (N,) natural logs.
    """
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
    return check(fn, cases, name="autoregressive_log_likelihood", atol=1e-8, rtol=1e-6)


def _affine_case(n: int, scale: list[float], shift: list[float], seed: int, note: str) -> Case:
    rng = np.random.default_rng(seed)
    scale_, shift_ = np.asarray(scale, dtype=np.float64), np.asarray(shift, dtype=np.float64)
    x = shift_ + np.abs(scale_) * rng.standard_normal((n, len(scale_)))  # (N, d): points where p is not tiny
    expected = norm.logpdf(x, loc=shift_, scale=np.abs(scale_)).sum(axis=1)  # x_j ~ N(b_j, a_j²), independent
    return Case((torch.tensor(x), torch.tensor(scale_), torch.tensor(shift_)), expected, note=note)


def check_affine_flow_log_prob(fn: Callable) -> bool:
    r"""Check ``fn(x, scale, shift) -> log p_x(x)`` for :math:`x = a \odot z + b`, :math:`z \sim \mathcal{N}(0, I_d)`.

    x: (N, d) points; scale: (d,) the nonzero :math:`a`; shift: (d,) the :math:`b`.
    Returns (N,) natural logs.
    """
    cases = [
        _affine_case(4, [1.0], [0.0], 0, note="the identity map: log p_x = log N(x; 0, 1)"),
        _affine_case(4, [2.0], [1.0], 1, note="d = 1, a = 2: the density is spread out, so log|det| = log 2 is subtracted"),
        _affine_case(5, [0.5, 3.0, 1.0], [-1.0, 0.0, 2.0], 2, note="d = 3: log|det| = Σ_j log|a_j|"),
        _affine_case(5, [-2.0, 0.25], [0.5, -0.5], 3, note="a negative scale: the determinant enters as |det|"),
    ]
    return check(fn, cases, name="affine_flow_log_prob", atol=1e-8, rtol=1e-6)
