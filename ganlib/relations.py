r"""GANs among other ideas: the small pieces of math behind chapter 12.

A GAN shares its parts with older ideas, and each relation is one formula:

=============================  =========================================================
function                       formula
=============================  =========================================================
:func:`mixture_log_prob`       :math:`\log q(x) = \log \sum_k w_k\, \mathcal N(x; m_k, s_k^2)`,
                               :math:`w = \mathrm{softmax}(\ell)`, :math:`s_k = e^{\lambda_k}`
:func:`mixture_expectation`    :math:`\mathbb E_q f = \sum_k w_k\, \frac1n \sum_j f(m_k + s_k z_j)`
                               (reparameterised: differentiable in every parameter)
:func:`guided_cost_logit`      :math:`t(x) = -c(x) - \log q(x)`, the logit of
                               :math:`D = \tilde p / (\tilde p + q)`, :math:`\tilde p = e^{-c}`
:func:`nce_logit`              :math:`t(x) = \log p_\theta(x) - \log \nu\, p_n(x)`
:func:`total_variance`         :math:`\sum_j \widehat{\mathrm{Var}}(g_{\cdot j})` of a stack
                               of gradient estimates
=============================  =========================================================

* Guided cost learning (Finn, Christiano, Abbeel and Levine, 2016) writes the
  discriminator of a GAN with the generator's density :math:`q` inside it. With the
  optimal :math:`D`, :math:`\tilde p = p_\text{data}`, so the cost is
  :math:`-\log p_\text{data}` up to a constant (chapter 12, "Is a GAN an inverse
  reinforcement learner?").
* Noise-contrastive estimation (Gutmann and Hyvärinen, 2010) is the same logistic
  classifier with a *fixed* noise :math:`p_n` and the model's log-density in the
  logit (chapter 12, "What separates a GAN from NCE and maximum likelihood?").
* The variance of two estimators of one gradient (the pathwise one of a GAN, the
  score-function one of an actor-critic) is compared with :func:`total_variance`
  (chapter 12, "Is a GAN an actor-critic?").
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from . import checks

__all__ = [
    "guided_cost_logit",
    "mixture_expectation",
    "mixture_log_prob",
    "nce_logit",
    "total_variance",
]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _mixture(logits: object, means: object, log_stds: object) -> tuple[Tensor, Tensor, Tensor]:
    """Check the three (K,) parameter tensors of a 1-D Gaussian mixture (metadata only)."""
    logits = checks.tensor(logits, "logits", dims=1, shape="(K,)")
    means = checks.tensor(means, "means", dims=1, shape="(K,)")
    log_stds = checks.tensor(log_stds, "log_stds", dims=1, shape="(K,)")
    checks.same_shape(logits, means, "logits", "means")
    checks.same_shape(logits, log_stds, "logits", "log_stds")
    return logits, means, log_stds


def mixture_log_prob(x: Tensor, logits: Tensor, means: Tensor, log_stds: Tensor) -> Tensor:
    r"""log q(x) = logsumexp_k [log w_k + log N(x; m_k, s_k²)]   (chapter 12).

    A 1-D Gaussian mixture with weights w = softmax(logits), means m and standard
    deviations s = exp(log_stds), all of shape (K,). x: any shape; the result has the
    shape of x and is differentiable in x and in the three parameter tensors.
    """
    x = checks.tensor(x, "x", nonempty=False)
    logits, means, log_stds = _mixture(logits, means, log_stds)
    u = (x[..., None] - means) / log_stds.exp()  # (..., K): standardised distances
    log_normal = -0.5 * u**2 - log_stds - _LOG_SQRT_2PI  # (..., K)
    return torch.logsumexp(torch.log_softmax(logits, 0) + log_normal, dim=-1)


def mixture_expectation(
    f: Callable[[Tensor], Tensor], logits: Tensor, means: Tensor, log_stds: Tensor, z: Tensor
) -> Tensor:
    r"""E_q f ≈ Σ_k w_k (1/n) Σ_j f(m_k + s_k z_j)   (chapter 12, the generator of guided cost learning).

    The expectation of ``f`` under the mixture of :func:`mixture_log_prob`, each
    component reparameterised with the same standard-normal draws ``z`` (shape (n,)),
    so that the estimate is differentiable in the weights, means and widths (sampling
    a component index would not be). ``f`` maps a tensor of points to values of the
    same shape. Returns a 0-d tensor.
    """
    f = checks.function(f, "f")
    logits, means, log_stds = _mixture(logits, means, log_stds)
    z = checks.tensor(z, "z", dims=1, shape="(n,)")
    x = means[:, None] + log_stds.exp()[:, None] * z  # (K, n): n points per component
    values = f(x)
    if not isinstance(values, Tensor) or values.shape != x.shape:
        raise ValueError(f"f must return a tensor of its input's shape {tuple(x.shape)}; got "
                         f"{getattr(values, 'shape', type(values).__name__)}")
    return (torch.softmax(logits, 0) * values.mean(dim=1)).sum()


def guided_cost_logit(cost: Tensor, log_q: Tensor) -> Tensor:
    r"""t(x) = −c(x) − log q(x): the logit of D(x) = p̃(x) / (p̃(x) + q(x)), p̃ = e^{−c}   (chapter 12).

    Finn, Christiano, Abbeel and Levine (2016), eq. for the discriminator of guided cost
    learning: σ(t) = e^{−c} / (e^{−c} + q). ``cost``: the learned cost c(x) (its bias
    plays the role of log Z); ``log_q``: the generator's log-density at the same points.
    Both float tensors of one shape; the result has that shape.
    """
    cost = checks.tensor(cost, "cost", nonempty=False)
    log_q = checks.tensor(log_q, "log_q", nonempty=False)
    checks.same_shape(cost, log_q, "cost", "log_q")
    return -cost - log_q


def nce_logit(log_model: Tensor, log_noise: Tensor, *, nu: float = 1.0) -> Tensor:
    r"""t(x) = log p_θ(x) − log(ν p_n(x)): the logit of noise-contrastive estimation   (chapter 12).

    Gutmann and Hyvärinen (2010): a logistic classifier tells data from ν times as many
    noise samples, with the posterior P(data | x) = p_θ / (p_θ + ν p_n) = σ(t).
    ``log_model`` (the model's unnormalised log-density, its normaliser a parameter) and
    ``log_noise`` are float tensors of one shape; ``nu`` > 0 is the noise-to-data ratio.
    """
    log_model = checks.tensor(log_model, "log_model", nonempty=False)
    log_noise = checks.tensor(log_noise, "log_noise", nonempty=False)
    checks.same_shape(log_model, log_noise, "log_model", "log_noise")
    nu = checks.positive(nu, "nu")
    return log_model - log_noise - math.log(nu)


def total_variance(grads: Tensor) -> float:
    r"""Σ_j Var_i(g_ij): the total variance of R gradient estimates g_i ∈ ℝ^P   (chapter 12).

    ``grads``: a float tensor (R, P), one estimate per row, R >= 2; the variance of
    each coordinate is the unbiased one (divisor R − 1). The trace of the covariance
    matrix: the expected squared distance of one estimate from their mean.
    """
    grads = checks.tensor(grads, "grads", dims=2, shape="(R, P)")
    if len(grads) < 2:
        raise ValueError(f"grads must hold at least 2 estimates (rows) to have a variance; got {len(grads)}")
    return float(grads.double().var(dim=0, unbiased=True).sum())
