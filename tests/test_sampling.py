"""Rejection sampling through a density ratio, against closed-form ratios of Gaussians and scipy's KS test."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from torch import nn

from ganlib import nets, sampling


def normal_logpdf(x, mu, sd):
    return -0.5 * ((x - mu) / sd) ** 2 - math.log(sd) - 0.5 * math.log(2 * math.pi)


# --- accept: rejection sampling given the log ratio ---------------------------------------


def test_exact_log_ratio_turns_proposals_into_the_target():
    # proposals q = N(0, 2²), target p = N(0, 1): p/q = 2 exp(-3x²/8), at most 2 (at x = 0)
    gen = torch.Generator().manual_seed(0)
    x = 2 * torch.randn(40_000, generator=gen, dtype=torch.float64)
    t = normal_logpdf(x, 0, 1) - normal_logpdf(x, 0, 2)
    keep = sampling.accept(t, generator=gen)
    kept = x[keep].numpy()
    assert stats.kstest(kept, "norm").pvalue > 1e-3  # kept ~ N(0, 1)
    assert stats.kstest(x.numpy(), "norm").pvalue < 1e-6  # the proposals are not: the test can fail
    assert keep.float().mean().item() == pytest.approx(0.5, abs=0.02)  # acceptance 1/M, M = 2


def test_a_capped_ratio_keeps_every_proposal_above_the_cap():
    gen = torch.Generator().manual_seed(1)
    t = torch.randn(10_000, generator=gen)
    keep = sampling.accept(t, cap_quantile=0.5, generator=gen)
    top = t >= torch.quantile(t, 0.5)
    assert keep[top].all()
    # below the cap M, proposal i is kept with probability exp(t_i - M)
    expected = torch.exp(t[~top] - torch.quantile(t, 0.5)).mean().item()
    assert keep[~top].float().mean().item() == pytest.approx(expected, abs=0.02)


@settings(max_examples=25, deadline=None)
@given(shift=st.lists(st.floats(-50, 50), min_size=3, max_size=3), seed=st.integers(0, 10_000))
def test_each_member_has_its_own_bound(shift, seed):
    # adding a constant to one member's logits changes neither its M-relative ratios nor its mask
    t = torch.randn(3, 500, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    shifted = t + torch.tensor(shift, dtype=torch.float64)[:, None]
    a = sampling.accept(t, cap_quantile=0.9, generator=torch.Generator().manual_seed(seed))
    b = sampling.accept(shifted, cap_quantile=0.9, generator=torch.Generator().manual_seed(seed))
    assert a.shape == (3, 500)
    assert (a == b).float().mean() > 0.99  # equal up to floating-point ties at exp(t - M) ≈ u


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(log_ratio=torch.zeros(5), cap_quantile=0.0), "cap_quantile"),
        (dict(log_ratio=torch.zeros(5), cap_quantile=1.5), "cap_quantile"),
        (dict(log_ratio=torch.tensor([0.0, float("nan")])), "finite"),
        (dict(log_ratio=torch.zeros(0)), "log_ratio"),
        (dict(log_ratio=[0.0, 1.0]), "log_ratio"),  # a list, not a tensor: TypeError
    ],
)
def test_accept_errors_name_the_argument(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        sampling.accept(**kwargs)


# --- fit_density_ratio: a classifier whose logit is log p_data / p_g ----------------------


class Shift(nn.Module):
    """A fixed 'generator': z ↦ z, so p_g = N(0, I)."""

    z_dim = 1

    def forward(self, z):
        return z


def test_a_logistic_classifier_learns_the_closed_form_log_ratio():
    # p_data = N(1, 1), p_g = N(0, 1):  log p_data/p_g = x - 1/2, linear in x
    torch.manual_seed(0)
    real = 1 + torch.randn(20_000, 1, generator=torch.Generator().manual_seed(1))
    linear = nn.Linear(1, 1)
    classifier = nn.Sequential(linear, nn.Flatten(0))
    losses = sampling.fit_density_ratio(classifier, Shift(), real, steps=1500, batch_size=512, lr=0.05,
                                        generator=torch.Generator().manual_seed(2))
    assert linear.weight.item() == pytest.approx(1.0, abs=0.1)
    assert linear.bias.item() == pytest.approx(-0.5, abs=0.1)
    # the loss fell from log 4 (a classifier that knows nothing) towards the optimum's
    assert np.mean(losses[:20]) > np.mean(losses[-200:])


def test_fourier_classifier_and_accept_recover_a_narrow_mode():
    # p_data = N(0, 0.05² I), proposals N(0, I): almost no proposal is within 3σ = 0.15 of 0,
    # but rejection through the fitted ratio keeps mostly those that are
    torch.manual_seed(0)
    sd = 0.05
    real = sd * torch.randn(20_000, 2, generator=torch.Generator().manual_seed(1))
    G = nn.Identity()
    classifier = nn.Sequential(nets.FourierFeatures(2, 64, scales=(1.0, 50.0)), nn.Linear(128, 64), nn.LeakyReLU(0.2),
                               nn.Linear(64, 1), nn.Flatten(0))
    sampling.fit_density_ratio(classifier, G, real, steps=600, batch_size=512, z_dim=2,
                               generator=torch.Generator().manual_seed(2))
    x = torch.randn(100_000, 2, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        keep = sampling.accept(classifier(x), cap_quantile=0.999, generator=torch.Generator().manual_seed(4))
    near = x.norm(dim=1) <= 3 * sd
    assert near.float().mean() < 0.02
    assert keep.sum() >= 50
    assert near[keep].float().mean() > 0.8


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(steps=0), "steps"),
        (dict(steps=5, batch_size=0), "batch_size"),
        (dict(steps=5, lr=-1.0), "lr"),
        (dict(steps=5, real=torch.zeros(4)), "real"),
        (dict(steps=5, G=nn.Identity()), "z_dim"),
    ],
)
def test_fit_errors_name_the_argument(kwargs, match):
    args = dict(classifier=nn.Sequential(nn.Linear(1, 1), nn.Flatten(0)), G=Shift(), real=torch.zeros(4, 1))
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        sampling.fit_density_ratio(**args)


# --- FourierFeatures ------------------------------------------------------------------------


def test_fourier_features_are_sine_cosine_pairs_of_fixed_projections():
    ff = nets.FourierFeatures(2, 16, scales=(3.0, 3.0), seed=7)
    x = torch.randn(50, 2)
    out = ff(x)
    assert out.shape == (50, 32) and ff.out_dim == 32
    sin, cos = out[:, :16], out[:, 16:]
    torch.testing.assert_close(sin**2 + cos**2, torch.ones(50, 16))
    torch.testing.assert_close(sin, torch.sin(x @ ff.B))
    assert list(ff.parameters()) == []  # B is a buffer: nothing to train
    torch.testing.assert_close(nets.FourierFeatures(2, 16, scales=(3.0, 3.0), seed=7).B, ff.B)


def test_fourier_feature_scales_set_the_frequencies():
    B = nets.FourierFeatures(2, 20_000, scales=(4.0, 4.0)).B
    assert B.std().item() == pytest.approx(4.0, rel=0.03)
    B = nets.FourierFeatures(1, 20_000, scales=(1.0, 100.0)).B
    spread = B.abs().quantile(0.99).item() / B.abs().quantile(0.5).item()
    assert spread > 10  # scales spread over two decades: far heavier tails than one Gaussian (≈ 3.8)


@pytest.mark.parametrize("kwargs", [dict(scales=(0.0, 1.0)), dict(scales=(5.0, 1.0))])
def test_fourier_feature_scale_errors(kwargs):
    with pytest.raises(ValueError, match="scales"):
        nets.FourierFeatures(2, 8, **kwargs)
