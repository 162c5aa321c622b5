"""ganlib.relations against independent references: SciPy, closed forms, brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special, stats

from ganlib import relations

W = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
M = torch.tensor([-1.0, 0.5, 3.0], dtype=torch.float64)
S = torch.tensor([0.4, 1.0, 2.0], dtype=torch.float64)


def _scipy_mixture_logpdf(x: np.ndarray) -> np.ndarray:
    comps = stats.norm.logpdf(x[..., None], M.numpy(), S.numpy()) + np.log(W.numpy())
    return special.logsumexp(comps, axis=-1)


def test_mixture_log_prob_matches_scipy_and_integrates_to_one():
    x = torch.linspace(-6, 10, 2001, dtype=torch.float64)
    got = relations.mixture_log_prob(x, W.log(), M, S.log())
    np.testing.assert_allclose(got.numpy(), _scipy_mixture_logpdf(x.numpy()), rtol=1e-10, atol=1e-10)
    # the density integrates to 1 (trapezoid rule on a wide grid)
    wide = torch.linspace(-15, 20, 20001, dtype=torch.float64)
    dens = relations.mixture_log_prob(wide, W.log(), M, S.log()).exp()
    assert torch.trapezoid(dens, wide).item() == pytest.approx(1.0, abs=1e-6)


def test_mixture_log_prob_keeps_the_shape_and_takes_unnormalised_logits():
    x = torch.randn(4, 5, dtype=torch.float64)
    shifted = relations.mixture_log_prob(x, W.log() + 7.0, M, S.log())  # softmax ignores a shift
    np.testing.assert_allclose(shifted.numpy(), _scipy_mixture_logpdf(x.numpy()), rtol=1e-10)
    assert shifted.shape == (4, 5)


def test_mixture_log_prob_is_stable_far_in_the_tails():
    x = torch.tensor([200.0], dtype=torch.float64)  # every component's density underflows
    got = relations.mixture_log_prob(x, W.log(), M, S.log())
    assert torch.isfinite(got).all()
    np.testing.assert_allclose(got.numpy(), _scipy_mixture_logpdf(x.numpy()), rtol=1e-10)


def test_mixture_expectation_gives_the_closed_form_moments_and_their_gradients():
    # z at the standard-normal quantiles: mean 0 and E z² ≈ 1 to quadrature accuracy
    n = 20001
    z = torch.tensor(stats.norm.ppf((np.arange(n) + 0.5) / n), dtype=torch.float64)
    logits = W.log().clone().requires_grad_(True)
    means = M.clone().requires_grad_(True)
    log_stds = S.log().clone().requires_grad_(True)
    ex2 = relations.mixture_expectation(lambda v: v**2, logits, means, log_stds, z)
    closed = (W * (M**2 + S**2)).sum()  # E x² of a mixture
    assert ex2.item() == pytest.approx(closed.item(), rel=1e-3)
    ex2.backward()
    # ∂/∂m_k E x² = 2 w_k m_k, ∂/∂log s_k = 2 w_k s_k² (times E z², ≈ 1)
    np.testing.assert_allclose(means.grad.numpy(), (2 * W * M).numpy(), rtol=1e-6)
    np.testing.assert_allclose(log_stds.grad.numpy(), (2 * W * S**2).numpy(), rtol=2e-3)
    # ∂/∂ℓ_j Σ_k softmax(ℓ)_k a_k = w_j (a_j − Σ_k w_k a_k), a_k = m_k² + s_k²
    a = M**2 + S**2
    np.testing.assert_allclose(logits.grad.numpy(), (W * (a - (W * a).sum())).numpy(), rtol=2e-3)


def test_mixture_expectation_agrees_with_monte_carlo_of_sampled_components():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(4000, generator=gen, dtype=torch.float64)
    est = relations.mixture_expectation(torch.cos, W.log(), M, S.log(), z).item()
    # brute force: E cos(x) for x ~ N(m, s²) is cos(m) exp(−s²/2)
    exact = (W * torch.cos(M) * torch.exp(-S**2 / 2)).sum().item()
    assert est == pytest.approx(exact, abs=0.03)
    assert relations.mixture_expectation(torch.cos, W.log(), M, S.log(), z * 0).item() == pytest.approx(
        (W * torch.cos(M)).sum().item())  # z = 0: the means only: a different number
    assert abs((W * torch.cos(M)).sum().item() - exact) > 0.06


def test_guided_cost_logit_is_the_logit_of_p_tilde_over_p_tilde_plus_q():
    rng = np.random.default_rng(0)
    cost, log_q = rng.normal(size=50), rng.normal(size=50) - 1
    t = relations.guided_cost_logit(torch.tensor(cost), torch.tensor(log_q))
    p_tilde, q = np.exp(-cost), np.exp(log_q)
    np.testing.assert_allclose(special.expit(t.numpy()), p_tilde / (p_tilde + q), rtol=1e-12)


def test_guided_cost_logit_of_the_true_cost_gives_the_optimal_discriminator():
    # c = −log p_data: D = p/(p + q), chapter 2's optimal discriminator
    x = torch.linspace(-3, 3, 11, dtype=torch.float64)
    log_p = torch.tensor(stats.norm.logpdf(x.numpy(), 0.5, 1.0))
    log_q = torch.tensor(stats.norm.logpdf(x.numpy(), -0.5, 1.5))
    d = torch.sigmoid(relations.guided_cost_logit(-log_p, log_q))
    np.testing.assert_allclose(d.numpy(), (log_p.exp() / (log_p.exp() + log_q.exp())).numpy(), rtol=1e-12)


def test_nce_logit_is_the_posterior_log_odds_of_data():
    rng = np.random.default_rng(1)
    log_m, log_n = rng.normal(size=20), rng.normal(size=20)
    for nu in (1.0, 3.0):
        t = relations.nce_logit(torch.tensor(log_m), torch.tensor(log_n), nu=nu)
        pm, pn = np.exp(log_m), np.exp(log_n)
        np.testing.assert_allclose(special.expit(t.numpy()), pm / (pm + nu * pn), rtol=1e-12)


def test_nce_logit_is_zero_when_the_model_is_the_noise():
    v = torch.randn(7)
    assert torch.equal(relations.nce_logit(v, v), torch.zeros(7))
    assert torch.allclose(relations.nce_logit(v, v, nu=math.e), -torch.ones(7))


def test_total_variance_is_the_trace_of_the_covariance():
    g = torch.randn(30, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    assert relations.total_variance(g) == pytest.approx(np.trace(np.cov(g.numpy(), rowvar=False)), rel=1e-12)
    assert relations.total_variance(torch.ones(5, 3)) == 0.0
    # two rows a, b: the variance of each coordinate is (a − b)² / 2
    ab = torch.tensor([[0.0, 1.0], [2.0, 5.0]])
    assert relations.total_variance(ab) == pytest.approx((4 + 16) / 2)


def test_bad_input_names_the_argument():
    x = torch.zeros(3)
    with pytest.raises(ValueError, match="means"):
        relations.mixture_log_prob(x, torch.zeros(3), torch.zeros(2), torch.zeros(3))
    with pytest.raises(TypeError, match="x"):
        relations.mixture_log_prob(np.zeros(3), torch.zeros(3), torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match="grads"):
        relations.total_variance(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="nu"):
        relations.nce_logit(x, x, nu=0.0)
    with pytest.raises(ValueError, match="f must return"):
        relations.mixture_expectation(lambda v: v.sum(), torch.zeros(2), torch.zeros(2), torch.zeros(2),
                                      torch.zeros(4))
