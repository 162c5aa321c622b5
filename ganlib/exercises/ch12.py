r"""Exercises of chapter 12, "GANs among other ideas".

The expected values are computed here independently of the reference solutions:

* ``check_nce_logit``: the logit of noise-contrastive estimation for a Gaussian model
  with a learned normaliser, :math:`\log \mathcal N(x; \mu, e^{2\lambda}) + c - \log
  \mathcal N(x; 0, s_n^2)`, from SciPy's ``stats.norm.logpdf`` (the reference solution
  writes the Gaussian log-density out by hand).
* ``check_policy_gradient``: the score-function (REINFORCE) estimate of the gradient of
  :math:`\mathbb E_{x \sim \mathcal N(\mu, e^{2\lambda})} r(x)` with respect to
  :math:`(\mu, \lambda)`, differentiated by PyTorch's autograd through
  ``torch.distributions.Normal.log_prob`` (the reference solution writes the score out).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_nce_logit", "check_policy_gradient"]


# --- exercise 1: the logit of NCE ---------------------------------------------------------


def nce_logit(x, mu, log_sigma, c, noise_sd):
    sigma = np.exp(log_sigma)
    log_model = (-0.5 * ((x - mu) / sigma) ** 2 - log_sigma
                 - 0.5 * np.log(2 * np.pi) + c)  # log p_θ(x), unnormalised
    log_noise = (-0.5 * (x / noise_sd) ** 2 - np.log(noise_sd)
                 - 0.5 * np.log(2 * np.pi))  # log p_n(x), N(0, s_n²)
    return log_model - log_noise


def _nce_ref(x, mu, log_sigma, c, noise_sd) -> np.ndarray:
    return (stats.norm.logpdf(x, mu, np.exp(log_sigma)) + c
            - stats.norm.logpdf(x, 0.0, noise_sd))


def _nce_cases() -> list[Case]:
    rng = np.random.default_rng(12)
    x = rng.normal(size=50) * 2
    cases = [
        (np.array([0.0, 1.0, -2.0]), 0.0, 0.0, 0.0, 1.0, "model = noise: every logit is 0"),
        (np.array([0.0, 1.0, -2.0]), 0.5, 0.0, 0.0, 2.0, "μ = 0.5, σ = 1, noise sd 2"),
        (x, -1.0, np.log(0.5), 0.3, 2.5, "50 points, σ = 0.5, c = 0.3"),
        (x, 2.0, np.log(3.0), -1.2, 1.5, "σ = 3, c = −1.2"),
    ]
    return [Case((xs, m, ls, c, s), _nce_ref(xs, m, ls, c, s), note=note) for xs, m, ls, c, s, note in cases]


NCE = Exercise(
    "nce_logit",
    label="ex-ch12-nce",
    title="The logit of noise-contrastive estimation",
    task=r"""Write `nce_logit(x, mu, log_sigma, c, noise_sd)`: for the model
$\log p_\theta(x) = \log \mathcal N(x; \mu, \sigma^2) + c$ with $\sigma = e^{\lambda}$
(`log_sigma` $= \lambda$, and $c$ a learned log-normaliser) and the noise
$p_n = \mathcal N(0, s_n^2)$ (`noise_sd` $= s_n$), return NCE's logit
{eq}`eq-ch12-nce` with $\nu = 1$ at the NumPy points `x`, an array of the shape of `x`.
Do not use SciPy.""",
    solution=nce_logit,
    cases=_nce_cases,
    atol=1e-9,
    rtol=1e-7,
    hints=(r"$\log \mathcal N(x; m, s^2) = -\frac12 \big(\frac{x - m}{s}\big)^2 - \log s - \frac12 \log 2\pi$.",),
    wrong=(
        Wrong(lambda x, mu, ls, c, s: nce_logit(x, mu, ls, 0.0, s), says="σ = 0.5, c = 0.3"),
        Wrong(lambda x, mu, ls, c, s: nce_logit(x, mu, 2 * ls, c, s), says="σ = 0.5"),  # the variance for σ
        Wrong(lambda x, mu, ls, c, s: nce_logit(x, mu, ls, c, s) + stats.norm.logpdf(x, 0.0, s),
              says="model = noise"),
    ),
)


# --- exercise 2: the policy gradient of a Gaussian actor -----------------------------------


def policy_gradient(x, r, mu, log_sigma, b):
    sigma = np.exp(log_sigma)
    u = (x - mu) / sigma  # the standardised actions, (N,)
    score = np.stack([u / sigma, u**2 - 1], axis=1)  # ∇(μ, λ) log π(x), (N, 2)
    return ((r - b)[:, None] * score).mean(axis=0)  # (2,)


def _pg_ref(x, r, mu, log_sigma, b) -> np.ndarray:
    theta = torch.tensor([mu, log_sigma], dtype=torch.float64, requires_grad=True)
    log_pi = torch.distributions.Normal(theta[0], theta[1].exp()).log_prob(torch.as_tensor(x, dtype=torch.float64))
    surrogate = (torch.as_tensor(r - b, dtype=torch.float64) * log_pi).mean()
    (grad,) = torch.autograd.grad(surrogate, theta)
    return grad.numpy()


def _pg_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    x = 1.0 + 0.5 * rng.normal(size=200)
    r = -((x - 2.0) ** 2)  # a reward that prefers actions near 2
    cases = [
        (np.array([0.0, 1.0, -1.0]), np.array([1.0, 2.0, 0.5]), 0.0, 0.0, 0.0, "3 actions, N(0, 1), no baseline"),
        (np.array([0.0, 1.0, -1.0]), np.array([1.0, 2.0, 0.5]), 0.0, 0.0, 1.0, "the same with baseline b = 1"),
        (x, r, 1.0, np.log(0.5), float(r.mean()), "200 actions of N(1, 0.5²), r = −(x − 2)², b = mean r"),
    ]
    return [Case((xs, rs, m, ls, b), _pg_ref(xs, rs, m, ls, b), note=note) for xs, rs, m, ls, b, note in cases]


def _pg_sigma_not_log(x, r, mu, log_sigma, b):  # the derivative in σ, not in λ = log σ
    sigma = np.exp(log_sigma)
    u = (x - mu) / sigma
    score = np.stack([u / sigma, (u**2 - 1) / sigma], axis=1)
    return ((r - b)[:, None] * score).mean(axis=0)


POLICY = Exercise(
    "policy_gradient",
    label="ex-ch12-policy",
    title="The policy gradient of a Gaussian actor",
    task=r"""Write `policy_gradient(x, r, mu, log_sigma, b)`: an actor
$\pi = \mathcal N(\mu, \sigma^2)$ with $\sigma = e^{\lambda}$ took the NumPy actions `x`
$(N,)$ and got the rewards `r` $(N,)$; return the score-function estimate
{eq}`eq-ch12-policy-gradient` of $\nabla_{(\mu, \lambda)} \mathbb E_\pi[r(x)]$ with the
baseline `b` (a number), an array $(2,)$: the derivative in $\mu$ first, then in
$\lambda$. Do not use autograd.""",
    solution=policy_gradient,
    cases=_pg_cases,
    atol=1e-9,
    rtol=1e-7,
    hints=(r"With $u = (x - \mu)/\sigma$: $\partial_\mu \log \pi = u / \sigma$ and "
           r"$\partial_\lambda \log \pi = u^2 - 1$.",),
    wrong=(
        Wrong(_pg_sigma_not_log, says="N(1, 0.5²)"),
        Wrong(lambda x, r, mu, ls, b: policy_gradient(x, r, mu, ls, 0.0), says="baseline b = 1"),
        Wrong(lambda x, r, mu, ls, b: -policy_gradient(x, r, mu, ls, b), says="no baseline"),
    ),
)


CHAPTER = Chapter("12_relations", (NCE, POLICY), call_as="ch12")
check_nce_logit, check_policy_gradient = NCE.checker(), POLICY.checker()
