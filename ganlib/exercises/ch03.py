r"""Exercises of chapter 3, "VAE vs GAN" (see :mod:`.registry`).

The expected values are computed *independently* of the formula the reader is asked
to implement (``torch.distributions`` for the KL divergence, NumPy in float64 for the
rest, SciPy's ``logsumexp``):

* ``check_gaussian_kl``: KL(N(μ, diag σ²) ‖ N(0, I)) per sample, in closed form.
* ``check_reparameterize``: z = μ + σ ⊙ ε, *and* gradients that reach μ and log σ².
* ``check_iwae_from_log_weights``: IWAE_k = log (1/k) Σ_i w_i from log-weights, stably.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from scipy import special
from torch.distributions import Normal, kl_divergence

from .core import Case, Mistake
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_gaussian_kl", "check_iwae_from_log_weights", "check_reparameterize"]


# --- exercise 1: the KL term of the ELBO -------------------------------------------------


def gaussian_kl(mu, logvar):
    # σ² = exp(logvar)
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def _kl_reference(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL per row from torch.distributions (float64), summed over the latent dimensions."""
    q = Normal(mu.double(), torch.exp(0.5 * logvar.double()))
    return kl_divergence(q, Normal(0.0, 1.0)).sum(-1).float()  # (N,)


def _gaussian_kl_cases() -> list[Case]:
    g = torch.Generator().manual_seed(3)
    mu_r, logvar_r = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    cases = [
        (torch.zeros(2, 3), torch.zeros(2, 3), "q = p = N(0, I) for two samples: one KL per sample, each 0"),
        (torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]]), "a shifted mean, unit variance: KL = μ²/2 = 0.5"),
        (torch.tensor([[0.0]]), torch.tensor([[math.log(4.0)]]),
         "σ² = 4 (logvar = log 4): KL = (4 − log 4 − 1)/2; logvar is log σ², not log σ"),
        (mu_r, logvar_r, "five samples, four latent dimensions: one KL per sample, summed over dimensions"),
    ]
    return [Case((mu, lv), _kl_reference(mu, lv), note=note) for mu, lv, note in cases]


GAUSSIAN_KL = Exercise(
    "gaussian_kl", label="ex-ch03-gaussian-kl", title="The KL term in closed form",
    task=r"""Write `gaussian_kl(mu, logvar)` that returns
$\mathrm{KL}(\mathcal{N}(\mu, \operatorname{diag}\sigma^2) \,\Vert\, \mathcal{N}(0, I))$ for every row,
as in {eq}`ch03-kl`. Both arguments have shape `(N, d)` and `logvar` holds $\log \sigma^2$.
Return a tensor of shape `(N,)`.""",
    solution=gaussian_kl, cases=_gaussian_kl_cases, atol=1e-5, rtol=1e-5,
    wrong=(
        Wrong(lambda mu, lv: (mu**2 + lv.exp() - lv - 1).sum(1), says="shifted mean"),  # forgot the ½
        # treated logvar as log σ
        Wrong(lambda mu, lv: 0.5 * (mu**2 + (2 * lv).exp() - 2 * lv - 1).sum(1), says="not log σ"),
        # one number for the batch instead of one per sample
        Wrong(lambda mu, lv: 0.5 * (mu**2 + lv.exp() - lv - 1).sum(), says="one KL per sample"),
    ),
)


# --- exercise 2: the reparameterisation trick --------------------------------------------


def reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps  # σ = exp(½ log σ²)


def _reparameterize_cases() -> list[Case]:
    """z = μ + exp(logvar/2) ε and its gradients ∂Σz/∂μ = 1, ∂Σz/∂logvar = ½ σ ε, in NumPy float64."""
    rng = np.random.default_rng(4)
    raw = [
        (np.array([[0.0, 0.0]]), np.array([[0.0, 0.0]]), np.array([[0.5, -1.0]]),
         "μ = 0, σ = 1: z = ε. The values compared are z, ∂Σz/∂μ, ∂Σz/∂logvar"),
        (np.array([[1.0, -2.0]]), np.array([[math.log(4.0), 0.0]]), np.array([[1.0, 1.0]]),
         "σ² = 4 in the first dimension: σ = 2, so z = 1 + 2·1 = 3"),
        (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), "three samples, four dimensions"),
    ]
    cases = []
    for mu, logvar, eps, note in raw:
        sigma = np.exp(0.5 * logvar)
        values = (mu + sigma * eps, np.ones_like(mu), 0.5 * sigma * eps)  # z, ∂Σz/∂μ, ∂Σz/∂logvar
        expected = tuple(torch.tensor(v, dtype=torch.float32) for v in values)
        args = tuple(torch.tensor(v, dtype=torch.float32) for v in (mu, logvar, eps))
        cases.append(Case(args, expected, note=note))
    return cases


def _with_gradients(fn: Callable) -> Callable:
    """Call fn(mu, logvar, eps) on leaf tensors and return (z, ∂Σz/∂mu, ∂Σz/∂logvar)."""

    def reparameterize_and_gradients(mu, logvar, eps):
        mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
        z = fn(mu, logvar, eps)
        if not isinstance(z, torch.Tensor):
            return z  # the comparison reports what came back
        if not z.requires_grad:
            raise Mistake(
                "z carries no gradient back to mu and logvar (was it detached, or drawn with .sample() / "
                "torch.normal?): compute it from mu, logvar and eps with tensor arithmetic"
            )
        grad_mu, grad_logvar = torch.autograd.grad(z.sum(), (mu, logvar), allow_unused=True)
        zeros = torch.zeros_like(mu)
        return (z.detach(), zeros if grad_mu is None else grad_mu, zeros if grad_logvar is None else grad_logvar)

    reparameterize_and_gradients.__name__ = getattr(fn, "__name__", "reparameterize")
    return reparameterize_and_gradients


REPARAMETERIZE = Exercise(
    "reparameterize", label="ex-ch03-reparameterize", title="The reparameterisation trick",
    task=r"""Write `reparameterize(mu, logvar, eps)` that returns $z = \mu + \sigma \odot \varepsilon$ as in
{eq}`ch03-reparam`, for tensors of shape `(N, d)`. The checker also backpropagates through
your $z$ and checks that the gradients reach `mu` and `logvar`, so do not draw a new sample
and do not detach anything.""",
    solution=reparameterize,
    cases=_reparameterize_cases,  # compares z, ∂Σz/∂mu (all ones), ∂Σz/∂logvar (½ σ ε)
    adapt=_with_gradients,
    atol=1e-5,
    rtol=1e-5,
    right=(lambda mu, logvar, eps: mu + logvar.exp().sqrt() * eps,),
    wrong=(
        Wrong(lambda mu, lv, eps: mu + lv.exp() * eps, says="∂Σz/∂logvar"),  # the variance, not σ
        # a fresh sample that ignores the given eps and cuts the gradient
        Wrong(lambda mu, lv, eps: torch.normal(mu, (0.5 * lv).exp()).detach(), says="no gradient"),
        # right value, but σ detached: no gradient reaches logvar
        Wrong(lambda mu, lv, eps: mu + (0.5 * lv).exp().detach() * eps, says="μ = 0"),
        Wrong(lambda mu, lv, eps: (mu + (0.5 * lv).exp() * eps).detach(), says="no gradient"),
    ),
)


# --- exercise 3: the importance-weighted bound from log-weights --------------------------


def iwae_from_log_weights(log_w):
    k = log_w.shape[0]
    return torch.logsumexp(log_w, dim=0) - np.log(k)  # log mean exp, stable


def _iwae_cases() -> list[Case]:
    """logsumexp over the k draws (axis 0) minus log k, by SciPy in float64."""
    rng = np.random.default_rng(5)
    raw = [
        (np.array([[-3.0, -1.0]]), "k = 1: the bound is the log-weight itself (the one-sample ELBO)"),
        (np.full((4, 3), -2.5), "four equal weights: their mean is the weight, so the bound is -2.5"),
        (rng.normal(-5.0, 2.0, size=(8, 5)), "k = 8 draws for five data points: one bound per data point"),
        (rng.normal(-150.0, 3.0, size=(10, 2)),
         "log-weights near -150 nats, as for real digits: exp(-150) underflows to 0 in float32; use logsumexp"),
    ]
    return [
        Case(torch.tensor(log_w, dtype=torch.float32),
             torch.tensor(special.logsumexp(log_w, axis=0) - math.log(len(log_w)), dtype=torch.float32), note=note)
        for log_w, note in raw
    ]


IWAE = Exercise(
    "iwae_from_log_weights", label="ex-ch03-iwae", title="The importance-weighted bound",
    task=r"""Given log importance weights $\log w_{i,n} = \log p(x_n \mid z_i) + \log p(z_i) - \log q(z_i \mid x_n)$ for
$k$ draws (rows) and $N$ images (columns), write `iwae_from_log_weights(log_w)` that returns
$\log \frac1k \sum_i w_{i,n}$ for every image, shape `(N,)`, the quantity inside the
expectation of {eq}`ch03-iwae`. Log-weights of digits are around $-100$ nats, and
`exp(-150)` is 0 in float32. Compute it without leaving log space.""",
    solution=iwae_from_log_weights, cases=_iwae_cases, atol=1e-4, rtol=1e-5,
    wrong=(
        Wrong(lambda lw: lw.exp().mean(0).log(), says="-150"),  # exp underflows
        Wrong(lambda lw: lw.mean(0), says="k = 8"),  # the ELBO, not the IWAE bound
        Wrong(lambda lw: torch.logsumexp(lw, 0), says="equal weights"),  # forgot the −log k
    ),
)


CHAPTER = Chapter("03_vae_vs_gan", (GAUSSIAN_KL, REPARAMETERIZE, IWAE), call_as="ex")
check_gaussian_kl = GAUSSIAN_KL.checker()
check_reparameterize = REPARAMETERIZE.checker()
check_iwae_from_log_weights = IWAE.checker()
