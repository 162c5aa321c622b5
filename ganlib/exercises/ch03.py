r"""Exercise checkers for chapter 3, "VAE vs GAN".

Each checker runs the reader's function on a few cases whose answers are computed
here *independently* of the formula the reader is asked to implement
(``torch.distributions`` for the KL divergence, NumPy in float64 for the rest, SciPy's
``logsumexp``), prints a report and returns True when every case passes. None of them
raises, so a notebook keeps running while an exercise is still ``raise NotImplementedError``.

* :func:`check_gaussian_kl`: KL(N(μ, diag σ²) ‖ N(0, I)) per sample, in closed form.
* :func:`check_reparameterize`: z = μ + σ ⊙ ε, *and* gradients that reach μ and log σ².
* :func:`check_iwae_from_log_weights`: IWAE_k = log (1/k) Σ_i w_i from log-weights, stably.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from scipy import special
from torch.distributions import Normal, kl_divergence

from .core import Case, check

__all__ = ["check_gaussian_kl", "check_iwae_from_log_weights", "check_reparameterize"]


# --- exercise 1: the KL term of the ELBO -------------------------------------------------


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


def check_gaussian_kl(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(mu, logvar) -> KL``: two (N, d) tensors in, a (N,) tensor out."""
    return check(fn, _gaussian_kl_cases(), name="gaussian_kl", atol=1e-5, rtol=1e-5)


# --- exercise 2: the reparameterisation trick --------------------------------------------


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
            raise RuntimeError(
                "z carries no gradient back to mu and logvar (was it detached, or drawn with .sample() / "
                "torch.normal?): compute it from mu, logvar and eps with tensor arithmetic"
            )
        grad_mu, grad_logvar = torch.autograd.grad(z.sum(), (mu, logvar), allow_unused=True)
        zeros = torch.zeros_like(mu)
        return (z.detach(), zeros if grad_mu is None else grad_mu, zeros if grad_logvar is None else grad_logvar)

    reparameterize_and_gradients.__name__ = getattr(fn, "__name__", "reparameterize")
    return reparameterize_and_gradients


def check_reparameterize(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(mu, logvar, eps) -> z``: three (N, d) tensors in, z (N, d) out, differentiable.

    The report compares three values: z, then ∂Σz/∂mu (all ones), then ∂Σz/∂logvar (½ σ ε).
    """
    return check(_with_gradients(fn), _reparameterize_cases(), name="reparameterize", atol=1e-5, rtol=1e-5)


# --- exercise 3: the importance-weighted bound from log-weights --------------------------


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


def check_iwae_from_log_weights(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(log_w) -> IWAE_k``: log-weights (k, N) in (draw i, data point n), (N,) out."""
    return check(fn, _iwae_cases(), name="iwae_from_log_weights", atol=1e-4, rtol=1e-5)
