"""ganlib.vae against closed forms and torch.distributions (independent paths).

The central check is a linear-Gaussian model, x = W z + b + s ε, whose marginal
p(x) = N(b, W Wᵀ + s² I) is known exactly: there ELBO ≤ IWAE_k ≤ log p(x) must hold
(in expectation) with a poor encoder, and with the exact posterior as encoder the
importance weights all equal p(x) (IWAE_k = log p(x) for every draw) and the ELBO
equals log p(x) on average.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch.distributions import Bernoulli, MultivariateNormal, Normal, kl_divergence

from ganlib import vae as V

small = arrays(np.float64, (3, 4), elements=st.floats(-3, 3))


# --- the KL term ------------------------------------------------------------------------


def test_gaussian_kl_by_hand():
    # KL(N(1, 1) ‖ N(0, 1)) = ½;  KL(N(0, e) ‖ N(0, 1)) = ½ (e − 1 − 1)
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, 1.0]])
    torch.testing.assert_close(V.gaussian_kl(mu, logvar), torch.tensor([0.5 + 0.5 * (math.e - 2)]))
    assert V.gaussian_kl(torch.zeros(5, 3), torch.zeros(5, 3)).abs().max() == 0  # q = p


@settings(max_examples=30, deadline=None)
@given(mu=small, logvar=small)
def test_gaussian_kl_matches_torch_distributions(mu, logvar):
    mu, logvar = torch.tensor(mu), torch.tensor(logvar)
    expected = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(V.gaussian_kl(mu, logvar), expected)


def test_gaussian_kl_matches_a_monte_carlo_estimate():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.tensor([[0.7, -1.2, 0.1]]), torch.tensor([[-0.5, 0.4, 0.0]])
    z = V.reparameterize(mu.expand(200_000, 3), logvar.expand(200_000, 3), generator=g)  # z ~ q
    log_q = Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
    mc = (log_q - V.standard_normal_log_prob(z)).mean()  # E_q[log q − log p]
    assert abs(mc.item() - V.gaussian_kl(mu, logvar).item()) < 0.02


# --- the reparameterisation trick -------------------------------------------------------


def test_reparameterize_moves_and_scales_eps():
    mu, logvar, eps = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, math.log(4.0)]]), torch.tensor([[0.5, 1.0]])
    torch.testing.assert_close(V.reparameterize(mu, logvar, eps), torch.tensor([[1.5, 0.0]]))  # μ + σε, σ = (1, 2)


def test_reparameterized_gradients_match_the_closed_form():
    # E_q[z²] = μ² + σ² = μ² + e^{logvar}:  ∂/∂μ = 2μ,  ∂/∂logvar = σ²
    mu = torch.tensor([0.8], requires_grad=True)
    logvar = torch.tensor([math.log(0.5)], requires_grad=True)
    g = torch.Generator().manual_seed(1)
    z = V.reparameterize(mu.expand(400_000, 1), logvar.expand(400_000, 1), generator=g)
    z.pow(2).mean().backward()
    assert abs(mu.grad.item() - 1.6) < 0.01
    assert abs(logvar.grad.item() - 0.5) < 0.01


def test_sampling_without_the_trick_has_no_gradient():
    mu = torch.tensor([0.8], requires_grad=True)
    z = Normal(mu, 1.0).sample((10,))  # sampling from a distribution object: no path back to μ
    assert not z.requires_grad


# --- likelihoods ------------------------------------------------------------------------


def test_bernoulli_log_likelihood_matches_torch_on_binary_data():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(4, 1, 3, 3, generator=g) * 3
    b = (torch.rand(4, 1, 3, 3, generator=g) < 0.5).float()
    expected = Bernoulli(logits=logits).log_prob(b).flatten(1).sum(1)
    torch.testing.assert_close(V.bernoulli_log_likelihood(2 * b - 1, logits), expected)


def test_bernoulli_log_likelihood_on_grey_levels_is_the_expected_binary_log_likelihood():
    logits = torch.tensor([[2.0, -1.0, 0.3]])
    y = torch.tensor([[0.25, 0.9, 0.5]])  # ink probabilities
    d = Bernoulli(logits=logits)
    expected = (y * d.log_prob(torch.ones_like(y)) + (1 - y) * d.log_prob(torch.zeros_like(y))).sum(1)
    torch.testing.assert_close(V.bernoulli_log_likelihood(2 * y - 1, logits), expected)


def test_bernoulli_log_likelihood_is_stable_for_extreme_logits():
    logits = torch.tensor([[200.0, -200.0]])
    x = torch.tensor([[-1.0, 1.0]])  # the wrong pixel both times: log σ(−200) = −200
    torch.testing.assert_close(V.bernoulli_log_likelihood(x, logits), torch.tensor([-400.0]))


def test_gaussian_log_likelihood_matches_torch():
    g = torch.Generator().manual_seed(3)
    x, m = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    log_s = torch.randn(4, generator=g) * 0.3
    expected = Normal(m, log_s.exp()).log_prob(x).sum(1)
    torch.testing.assert_close(V.gaussian_log_likelihood(x, m, log_s), expected)


# --- the bounds on a linear-Gaussian model --------------------------------------------


def linear_gaussian(*, exact_posterior: bool, z_dim: int = 2, seed: int = 0):
    """A VAE with linear maps and s = 0.5, and its exact log p(x) = log N(x; b, W Wᵀ + s² I).

    W has orthogonal columns, so the exact posterior N(Σ Wᵀ(x − b)/s², Σ) with
    Σ = (I + WᵀW/s²)⁻¹ is diagonal and a linear encoder can represent it exactly.
    """
    torch.manual_seed(seed)
    s, d = 0.5, 3
    vae = V.VAE(z_dim, in_shape=(d,), hidden=(), likelihood="gaussian", sigma=s).double()
    q, _ = torch.linalg.qr(torch.randn(d, z_dim, dtype=torch.float64))
    W = q * torch.tensor([1.5, 0.7][:z_dim], dtype=torch.float64)  # (d, z): orthogonal columns
    b = torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64)
    dec, enc = vae.decoder[0], vae.encoder[0]
    with torch.no_grad():
        dec.weight.copy_(W)
        dec.bias.copy_(b)
        if exact_posterior:
            post_var = 1 / (1 + (W * W).sum(0) / s**2)  # diag of Σ, (z,)
            A = post_var[:, None] * W.T / s**2  # μ(x) = A (x − b)
            enc.weight.copy_(torch.cat([A, torch.zeros_like(A)]))
            enc.bias.copy_(torch.cat([-A @ b, post_var.log()]))
    marginal = MultivariateNormal(b, W @ W.T + s**2 * torch.eye(d, dtype=torch.float64))
    x = marginal.sample((6,))
    return vae, x, marginal.log_prob(x)


def test_with_the_exact_posterior_every_bound_equals_log_px():
    vae, x, log_px = linear_gaussian(exact_posterior=True)
    g = torch.Generator().manual_seed(4)
    torch.testing.assert_close(V.iwae_bound(vae, x, 7, generator=g), log_px)  # every weight equals p(x)
    with torch.no_grad():  # the one-draw ELBO estimate is exact only on average: the gap KL(q ‖ p(z|x)) is 0
        elbo = V.elbo(vae, x.repeat(20_000, 1), generator=g).elbo.view(20_000, -1).mean(0)
    torch.testing.assert_close(elbo, log_px, atol=0.03, rtol=0)
    torch.testing.assert_close(V.log_marginal_quadrature(vae, x, points=301), log_px, atol=1e-6, rtol=1e-6)


def test_elbo_below_iwae_below_log_px_with_a_poor_encoder():
    vae, x, log_px = linear_gaussian(exact_posterior=False)
    g = torch.Generator().manual_seed(5)
    reps = 4000
    x_rep = x.repeat(reps, 1)  # (reps·6, 3): averages over draws estimate expectations

    def mean_bound(k):
        return V.iwae_log_likelihood(vae, x_rep, k, generator=g).view(reps, -1).mean(0)

    with torch.no_grad():
        elbo = V.elbo(vae, x_rep, generator=g).elbo.view(reps, -1).mean(0)
    iwae1, iwae10, iwae100 = mean_bound(1), mean_bound(10), mean_bound(100)
    assert (log_px - elbo).min() > 0.1  # the encoder is poor: a real gap
    torch.testing.assert_close(iwae1, elbo, atol=0.1, rtol=0)  # E[IWAE_1] = ELBO
    assert (iwae10 - elbo).min() > 0 and (iwae100 - iwae10).min() > 0  # monotone in k
    assert (log_px - iwae100).min() > -0.02  # ≤ log p(x), up to Monte Carlo error
    assert (log_px - iwae100).max() < (log_px - elbo).min()  # and much closer to it


def test_quadrature_matches_the_closed_form_in_one_dimension():
    vae, x, log_px = linear_gaussian(exact_posterior=False, z_dim=1)
    torch.testing.assert_close(V.log_marginal_quadrature(vae, x), log_px, atol=1e-6, rtol=1e-6)


# --- models, training, sampling -------------------------------------------------------


def test_shapes_of_a_digit_vae():
    vae = V.VAE(8, hidden=(32,))
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    mu, logvar = vae.encode(x)
    assert mu.shape == logvar.shape == (5, 8)
    assert vae.decode(mu).shape == vae(x).shape == (5, 1, 28, 28)
    terms = V.elbo(vae, x)
    assert all(t.shape == (5,) for t in terms)
    torch.testing.assert_close(terms.elbo, terms.reconstruction - terms.kl)
    assert V.iwae_log_likelihood(vae, x, 3).shape == (5,)


def test_samples_are_images_in_range_and_draws_are_binary():
    vae = V.VAE(4, hidden=(16,))
    means, draws = V.sample(vae, 6), V.sample(vae, 6, mean=False)
    assert means.shape == draws.shape == (6, 1, 28, 28)
    assert means.min() >= -1 and means.max() <= 1
    assert set(draws.unique().tolist()) <= {-1.0, 1.0}


def test_training_raises_the_elbo_and_logs_its_terms():
    torch.manual_seed(0)
    x = torch.where(torch.rand(256, 12) < torch.linspace(0.1, 0.9, 12), 1.0, -1.0)  # binary vectors
    vae = V.VAE(2, in_shape=(12,), hidden=(32,))
    h = V.train_vae(vae, x, steps=200, batch_size=64, lr=3e-3, progress=False, log_every=50)
    assert set(h.log) == {"step", "elbo", "reconstruction", "kl"} and h.log["step"][-1] == 200
    assert h.log["elbo"][-1] > h.log["elbo"][0] + 0.5 and h.seconds > 0
    for objective, model in (("iwae", vae), ("exact", V.VAE(1, in_shape=(12,), hidden=(32,)))):
        h2 = V.train_vae(model, x, steps=10, objective=objective, k=4, progress=False, log_every=5)
        assert "objective" in h2.log and len(h2.log["objective"]) == 2
    ae = V.Autoencoder(2, in_shape=(12,), hidden=(32,))
    ha = V.train_autoencoder(ae, x, steps=100, batch_size=64, progress=False)
    assert ha.log["reconstruction"][-1] > ha.log["reconstruction"][0]


def test_training_stops_with_a_message_on_nan():
    vae = V.VAE(2, in_shape=(4,), hidden=(8,))
    with torch.no_grad():
        vae.decoder[0].weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="step 1"):
        V.train_vae(vae, torch.zeros(16, 4), steps=3, batch_size=8, progress=False, log_every=1)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: V.VAE(4, likelihood="poisson"), ValueError, "likelihood"),
        (lambda: V.VAE(0), ValueError, "z_dim"),
        (lambda: V.VAE(4, sigma=0.5), ValueError, "sigma"),
        (lambda: V.VAE(4, hidden=(32,)).encode(torch.zeros(2, 784)), ValueError, r"x must have shape \(N, 1, 28, 28\)"),
        (lambda: V.VAE(4, hidden=(32,)).decode(torch.zeros(2, 5)), ValueError, r"z must have shape \(N, 4\)"),
        (lambda: V.gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 4)), ValueError, "same shape"),
        (lambda: V.reparameterize(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3)), ValueError, "eps"),
        (lambda: V.iwae_bound(V.VAE(4, hidden=(8,)), torch.zeros(2, 1, 28, 28), 0), ValueError, "k must"),
        (lambda: V.log_marginal_quadrature(V.VAE(3, in_shape=(2,)), torch.zeros(1, 2)), ValueError, "z_dim <= 2"),
        (lambda: V.train_vae(V.VAE(2, in_shape=(3,)), torch.zeros(8, 3), steps=1, beta=-1), ValueError, "beta"),
        (lambda: V.train_vae(V.VAE(2, in_shape=(3,)), torch.zeros(8, 3), steps=1, objective="iwae", beta=2),
         ValueError, "beta"),
        (lambda: V.train_vae(V.VAE(2, in_shape=(3,)), torch.zeros(8, 3), steps=1, objective="mle"), ValueError,
         "objective must be one of"),
        (lambda: V.train_vae(V.VAE(3, in_shape=(3,)), torch.zeros(8, 3), steps=1, objective="exact"), ValueError,
         "z_dim <= 2"),
        (lambda: V.train_vae(V.VAE(2, in_shape=(3,)), [[0.0] * 3], steps=1), TypeError, "x must be a .*torch.Tensor"),
        (lambda: V.sample(V.VAE(2, in_shape=(3,)), 4, z=torch.zeros(3, 2)), ValueError, r"z must have shape \(4, 2\)"),
    ],
)
def test_bad_arguments_get_errors_that_name_them(call, error, words):
    with pytest.raises(error, match=words):
        call()
