"""Losses against closed forms and torch's own probability-space BCE (an independent path)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ganlib import losses

logit_arrays = arrays(np.float64, st.integers(1, 20), elements=st.floats(-8, 8))


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


@settings(max_examples=40, deadline=None)
@given(real=logit_arrays, fake=logit_arrays)
def test_bce_d_loss_is_binary_cross_entropy(real, fake):
    r, f = torch.tensor(real), torch.tensor(fake)
    expected = F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r)) + F.binary_cross_entropy(
        torch.sigmoid(f), torch.zeros_like(f)
    )
    for kind in ("minimax", "nonsaturating"):
        torch.testing.assert_close(losses.d_loss(kind, r, f), expected)


@settings(max_examples=40, deadline=None)
@given(fake=logit_arrays)
def test_generator_costs_match_their_formulas(fake):
    d = sigmoid(fake)
    f = torch.tensor(fake)
    torch.testing.assert_close(losses.g_loss("minimax", f).item(), float(np.mean(np.log(1 - d))))
    torch.testing.assert_close(losses.g_loss("nonsaturating", f).item(), float(-np.mean(np.log(d))))
    torch.testing.assert_close(losses.g_loss("maxlikelihood", f).item(), float(-np.mean(d / (1 - d))))  # e^t = D/(1-D)


def test_value_at_the_indifferent_discriminator_is_minus_log4():
    # D = 1/2 everywhere (logit 0): V = log ½ + log ½ = -log 4, and L_D = -V.
    zeros = torch.zeros(7)
    assert losses.d_loss("minimax", zeros, zeros).item() == pytest.approx(math.log(4))


def test_saturating_and_nonsaturating_gradients():
    # d/dt log(1 - σ(t)) = -σ(t)  ->  0 as t -> -inf;   d/dt [-log σ(t)] = σ(t) - 1  ->  -1.
    t = torch.tensor([-10.0, -2.0, 0.0, 3.0], requires_grad=True)
    (g_sat,) = torch.autograd.grad(losses.minimax_g_loss(t) * len(t), t)
    (g_ns,) = torch.autograd.grad(losses.nonsaturating_g_loss(t) * len(t), t)
    torch.testing.assert_close(g_sat, -torch.sigmoid(t.detach()))
    torch.testing.assert_close(g_ns, torch.sigmoid(t.detach()) - 1)
    assert abs(g_sat[0]) < 1e-4 and abs(g_ns[0] + 1) < 1e-4  # where D rejects the fake


def test_stable_for_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    for kind in ("minimax", "nonsaturating", "hinge", "lsgan", "wasserstein"):
        assert torch.isfinite(losses.d_loss(kind, big, big.flip(0)))
        assert torch.isfinite(losses.g_loss(kind, big))


def test_wasserstein_hinge_lsgan_closed_forms():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([0.0, -3.0])
    assert losses.d_loss("wasserstein", real, fake).item() == pytest.approx(-1.5 - 0.5)
    assert losses.g_loss("wasserstein", fake).item() == pytest.approx(1.5)
    # hinge: mean(relu(1 - r)) = (0 + 0.5 + 2)/3; mean(relu(1 + f)) = (1 + 0)/2
    assert losses.d_loss("hinge", real, fake).item() == pytest.approx(2.5 / 3 + 0.5)
    assert losses.g_loss("hinge", fake).item() == pytest.approx(1.5)
    # lsgan: ½ mean((r-1)²) + ½ mean(f²) = ½(1 + .25 + 4)/3 + ½(0 + 9)/2
    assert losses.d_loss("lsgan", real, fake).item() == pytest.approx(0.5 * 5.25 / 3 + 0.5 * 4.5)
    assert losses.g_loss("lsgan", fake).item() == pytest.approx(0.5 * (1 + 16) / 2)


def test_accepts_n_by_1_logits():
    x = torch.randn(5, 1)
    torch.testing.assert_close(losses.d_loss("hinge", x, x), losses.d_loss("hinge", x.flatten(), x.flatten()))


def test_bad_input_names_the_argument():
    x = torch.zeros(4)
    with pytest.raises(ValueError, match="kind must be one of .*got 'wgan'"):
        losses.d_loss("wgan", x, x)
    with pytest.raises(ValueError, match="kind must be one of"):
        losses.d_loss("maxlikelihood", x, x)  # a generator-only cost
    with pytest.raises(ValueError, match=r"fake_logits must have shape \(N,\)"):
        losses.g_loss("minimax", torch.zeros(4, 3))
    with pytest.raises(ValueError, match="real_logits is empty"):
        losses.d_loss("minimax", torch.zeros(0), x)
    with pytest.raises(TypeError, match="real_logits must be a torch.Tensor"):
        losses.d_loss("minimax", [0.0], x)
