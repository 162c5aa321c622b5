"""Regularisers against closed forms: linear and quadratic critics whose input gradients we know."""

import math
from functools import partial

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from ganlib import nets, regularizers, train
from ganlib.regularizers import (
    clip_weights,
    gradient_penalty,
    instance_noise,
    one_sided_smoothed_bce_d_loss,
    r1_d_penalty,
    r1_penalty,
    r2_penalty,
    spectral_norm,
    spectral_norms,
)


# --- gradient penalty ------------------------------------------------------------------


def test_gradient_penalty_of_linear_critic():
    w = torch.tensor([3.0, 4.0])  # ‖∇D‖ = 5  ⇒  (5 − 1)² = 16, wherever the points are
    x = torch.randn(8, 2)
    torch.testing.assert_close(gradient_penalty(lambda v: v @ w, x, x.flip(0), weight=1.0), torch.tensor(16.0))
    torch.testing.assert_close(gradient_penalty(lambda v: v @ w, x, x.flip(0)), torch.tensor(160.0))  # λ = 10
    unit = torch.tensor([0.6, 0.8])  # ‖∇D‖ = 1: no penalty
    torch.testing.assert_close(gradient_penalty(lambda v: v @ unit, x, torch.randn(8, 2)), torch.tensor(0.0))


@pytest.mark.parametrize("scale, expected", [(0.5, 0.0), (1.0, 0.0), (5.0, 16.0)])
def test_one_sided_penalty_only_punishes_steep_critics(scale, expected):
    w = scale * torch.tensor([0.6, 0.8])  # ‖w‖ = scale
    x, y = torch.randn(6, 2), torch.randn(6, 2)
    gp = gradient_penalty(lambda v: v @ w, x, y, weight=1.0, one_sided=True)
    torch.testing.assert_close(gp, torch.tensor(expected))
    two_sided = gradient_penalty(lambda v: v @ w, x, y, weight=1.0)
    torch.testing.assert_close(two_sided, torch.tensor((scale - 1) ** 2))  # 0.25 for ‖w‖ = ½: they differ


def test_gradient_penalty_takes_one_norm_per_sample():
    # f(v) = ½ Σ_i a_i v_i² per sample  ⇒  ∇f(x̂_n) = a ⊙ x̂_n, whose norm differs from sample to sample.
    a = torch.tensor([1.0, 2.0, 3.0])
    critic = lambda v: 0.5 * (a * v**2).flatten(1).sum(1)  # noqa: E731
    real, fake = torch.randn(5, 3), torch.randn(5, 3)
    gp = gradient_penalty(critic, real, fake, weight=1.0, generator=torch.Generator().manual_seed(7))
    eps = torch.rand(5, 1, generator=torch.Generator().manual_seed(7))  # the same ε, drawn again
    mixed = eps * real + (1 - eps) * fake  # (5, 3)
    norms = (a * mixed).norm(dim=1)  # (5,)
    torch.testing.assert_close(gp, ((norms - 1) ** 2).mean())
    one_batch_norm = ((a * mixed).norm() - 1) ** 2  # what a whole-batch norm would give
    assert not torch.allclose(gp, one_batch_norm)


def test_interpolates_lie_on_segments_with_one_epsilon_per_sample():
    seen = []

    def critic(v):  # records x̂
        seen.append(v.detach())
        return v.flatten(1).sum(1)

    g = torch.Generator().manual_seed(0)
    # non-flat samples, in float64: the ratio below divides by real − fake, which float32
    # rounding makes inexact when a coordinate of real − fake is small
    real = torch.randn(16, 2, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(16, 2, 3, generator=g, dtype=torch.float64)
    gradient_penalty(critic, real, fake)
    (mixed,) = seen
    ratio = (mixed - fake) / (real - fake)  # ε_n, repeated in every coordinate of sample n
    eps = ratio[:, :1, :1]  # (16, 1, 1)
    torch.testing.assert_close(ratio, eps.expand_as(ratio))  # one ε per sample, on the segment
    assert (eps >= 0).all() and (eps <= 1).all()
    assert eps.std() > 0.05  # and not one ε for the whole batch


def test_gradient_penalty_trains_the_critic():
    critic = nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 4.0]]))
    gp = gradient_penalty(critic, torch.randn(8, 2), torch.randn(8, 2), weight=1.0)
    gp.backward()  # d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖ = 2·4·(0.6, 0.8)
    torch.testing.assert_close(critic.weight.grad, torch.tensor([[4.8, 6.4]]))


def test_gradient_penalty_does_not_push_on_the_generator():
    fake = torch.randn(4, 2, requires_grad=True)
    gradient_penalty(lambda v: (v**2).sum(1), torch.randn(4, 2), fake).backward()
    assert fake.grad is None


# --- R1 / R2 ---------------------------------------------------------------------------


def test_r1_of_a_quadratic_is_half_gamma_mean_squared_norm():
    critic = lambda v: 0.5 * (v**2).flatten(1).sum(1, keepdim=True)  # f(x) = ½‖x‖²  ⇒  ∇f = x; (N, 1)  # noqa: E731
    x = torch.randn(10, 1, 2, 2)  # image-shaped
    expected = 0.5 * 3.0 * x.flatten(1).pow(2).sum(1).mean()
    torch.testing.assert_close(r1_penalty(critic, x, weight=3.0), expected)
    torch.testing.assert_close(r2_penalty(critic, x, weight=3.0), expected)
    assert r1_penalty(critic, torch.zeros(3, 2)).item() == 0.0  # zero-centred: a flat D on the data costs nothing
    adapter = r1_d_penalty(weight=3.0)  # train_gan's d_penalty(D, real, fake): uses the reals only
    torch.testing.assert_close(adapter(critic, x, torch.randn(10, 1, 2, 2)), expected)


# --- weight clipping and spectral normalisation ----------------------------------------


def test_clip_weights_bounds_large_and_keeps_small_parameters():
    layer = nn.Linear(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.005, -0.003, 2.0], [-5.0, 0.0, 0.01]]))
        layer.bias.copy_(torch.tensor([0.02, -0.001]))
    assert clip_weights(layer, 0.01) is layer
    torch.testing.assert_close(layer.weight, torch.tensor([[0.005, -0.003, 0.01], [-0.01, 0.0, 0.01]]))
    torch.testing.assert_close(layer.bias, torch.tensor([0.01, -0.001]))


def test_spectral_norm_divides_each_weight_matrix_by_its_sigma():
    """σ_max of each (reshaped) weight becomes 1; what that means for the layer's slope: below."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.ConvTranspose2d(4, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 1))
    before = spectral_norms(net)
    for name, layer in net.named_modules():  # spectral_norms agrees with an SVD
        if name in before:
            W = layer.weight.transpose(0, 1) if isinstance(layer, nn.ConvTranspose2d) else layer.weight
            assert before[name] == pytest.approx(torch.linalg.svdvals(W.detach().flatten(1))[0].item(), rel=1e-5)
    assert max(abs(s - 1) for s in before.values()) > 0.1  # not normalised yet
    spectral_norm(net).train()
    x = torch.randn(2, 1, 6, 6)
    for _ in range(30):  # one power iteration per forward pass in train mode
        net(x)
    after = spectral_norms(net)
    assert set(after) == set(before) == {"0", "2", "4"}
    assert all(s == pytest.approx(1.0, abs=1e-2) for s in after.values()), after


def operator_norm(layer, shape, iters=100):
    """max ‖L(v)‖ / ‖v‖ of the layer's linear part L(v) = layer(v) − layer(0), by power iteration on
    LᵀL through autograd: the layer's Lipschitz constant, measured on the map, not read off its weight."""
    v = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    lin = lambda u: layer(u) - layer(torch.zeros_like(u))  # noqa: E731
    for _ in range(iters):
        u = v.requires_grad_(True)
        (g,) = torch.autograd.grad(0.5 * lin(u).pow(2).sum(), u)  # LᵀL v
        v = (g / g.norm()).detach()
    return lin(v).norm().item()


def test_what_spectral_norm_bounds_is_the_matrix_not_the_convolution():
    """A normalised Linear layer is 1-Lipschitz; a normalised convolution is not in general:
    σ of its reshaped kernel is 1, but the convolution reuses each input pixel in up to
    ⌈k/s⌉² output positions, so its operator norm lies between 1 and ⌈k/s⌉ (Miyato et al.'s
    normalisation, as torch implements it). Chapter 6's "every layer 1-Lipschitz" holds for
    the Linear layers only."""
    torch.manual_seed(0)
    layers = {"linear": (nn.Linear(20, 7), (1, 20), 1),
              "conv 3x3, stride 1": (nn.Conv2d(1, 8, 3, padding=1), (1, 1, 12, 12), 3),
              "conv 4x4, stride 2": (nn.Conv2d(4, 8, 4, 2, 1), (1, 4, 12, 12), 2)}
    norms = {}
    for name, (layer, shape, reuse) in layers.items():
        net = spectral_norm(nn.Sequential(layer)).train()
        x = torch.randn(*shape)
        for _ in range(50):  # converge the power iteration of σ
            net(x)
        net.eval()
        assert spectral_norms(net)["0"] == pytest.approx(1.0, abs=1e-3)
        norms[name] = operator_norm(net, shape)
        assert 1 - 1e-3 <= norms[name] <= reuse + 1e-3, (name, norms[name])
    assert norms["linear"] == pytest.approx(1.0, abs=1e-3), norms  # 1-Lipschitz
    assert min(norms["conv 3x3, stride 1"], norms["conv 4x4, stride 2"]) > 1.1, norms  # not 1-Lipschitz


# --- label smoothing and instance noise ------------------------------------------------


def test_one_sided_label_smoothing_is_bce_with_target_point_nine():
    real, fake = torch.randn(12) * 3, torch.randn(7) * 3
    expected = F.binary_cross_entropy_with_logits(real, torch.full_like(real, 0.9)) + (
        F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    )
    torch.testing.assert_close(one_sided_smoothed_bce_d_loss(real, fake), expected)
    unsmoothed = one_sided_smoothed_bce_d_loss(real, fake, real_target=1.0)
    torch.testing.assert_close(unsmoothed, train.losses.d_loss("minimax", real, fake))
    extreme = torch.tensor([1e4, -1e4])
    assert torch.isfinite(one_sided_smoothed_bce_d_loss(extreme, extreme))


@settings(max_examples=20, deadline=None)
@given(std=st.floats(0.0, 5.0))
def test_instance_noise_has_the_requested_std(std):
    x = torch.full((20_000,), 2.0)
    y = instance_noise(x, std, generator=torch.Generator().manual_seed(0))
    assert (y - x).std().item() == pytest.approx(std, rel=0.03, abs=1e-6)
    assert (y - x).mean().item() == pytest.approx(0.0, abs=0.03 * std + 1e-6)


# --- errors name the argument ----------------------------------------------------------


def test_errors_name_the_argument():
    critic = lambda v: v.sum(1)  # noqa: E731
    with pytest.raises(ValueError, match="real and fake"):
        gradient_penalty(critic, torch.randn(4, 2), torch.randn(4, 3))
    with pytest.raises(ValueError, match="weight"):
        gradient_penalty(critic, torch.randn(4, 2), torch.randn(4, 2), weight=-1.0)
    with pytest.raises(ValueError, match="weight"):
        r1_penalty(critic, torch.randn(4, 2), weight=-1.0)
    with pytest.raises(ValueError, match="c "):
        clip_weights(nn.Linear(2, 2), 0.0)
    with pytest.raises(ValueError, match="std"):
        instance_noise(torch.zeros(3), -0.1)
    with pytest.raises(ValueError, match="real_target"):
        one_sided_smoothed_bce_d_loss(torch.zeros(3), torch.zeros(3), real_target=1.5)


# --- they plug into the training loop ---------------------------------------------------


@pytest.mark.parametrize(
    "hooks",
    [
        {"d_penalty": gradient_penalty},
        {"d_penalty": partial(gradient_penalty, weight=1.0, one_sided=True)},
        {"d_penalty": r1_d_penalty(weight=1.0)},
        {"after_d_step": partial(clip_weights, c=0.01)},
    ],
    ids=["wgan-gp", "one-sided-gp", "r1", "clipping"],
)
def test_train_gan_with_regularisers(hooks):
    def run(**kw):
        torch.manual_seed(0)
        G, D = nets.MLPGenerator(1, 1, hidden=(8,)), nets.MLPDiscriminator(1, hidden=(8,))
        with torch.no_grad():  # a steep critic (‖∇D‖ > 1), so that the one-sided penalty is active too
            for p in D.parameters():
                p.mul_(3.0)
        real = 3 + 0.5 * torch.randn(256, 1)
        cfg = train.TrainConfig(steps=5, z_dim=1, batch_size=32, loss="wasserstein", d_steps=2, log_every=1,
                                optimizer="rmsprop", lr_d=1e-3, lr_g=1e-3)
        return D, train.train_gan(G, D, real, cfg, progress=False, **kw)

    calls = []

    def spy(name, hook):  # records every call of the hook, then does what it does
        def wrapped(*args):
            out = hook(*args)
            calls.append((args[0], None if out is None or out is args[0] else out.item()))
            return out
        return {name: wrapped}

    (name, hook), = hooks.items()
    D, history = run(**spy(name, hook))
    assert len(history.log["d_loss"]) == 5
    assert all(math.isfinite(v) for key in ("d_loss", "g_loss", "grad_d") for v in history.log[key])
    assert len(calls) == 5 * 2 and all(c is D for c, _ in calls)  # once per D step, on D itself
    if name == "d_penalty":
        assert max(v for _, v in calls) > 1e-3  # the penalty was not zero all along
    D_plain, _ = run()  # the same run without the hook ends elsewhere: the hook acted on D
    assert any(not torch.allclose(p, q) for p, q in zip(D.parameters(), D_plain.parameters()))
    if "after_d_step" in hooks:
        assert all(p.abs().max() <= 0.01 for p in D.parameters())


@pytest.mark.parametrize("penalty", [gradient_penalty, r1_d_penalty(weight=1.0)], ids=["wgan-gp", "r1"])
def test_d_penalty_is_added_to_the_discriminator_loss(penalty):
    """One D step: the logged L_D with the penalty = L_D without it + the penalty's value."""
    values = []

    def recorded(D, real, fake):
        value = penalty(D, real, fake)
        values.append(value.item())
        return value

    logs = []
    for d_penalty in (None, recorded):
        torch.manual_seed(0)
        G, D = nets.MLPGenerator(1, 1, hidden=(8,)), nets.MLPDiscriminator(1, hidden=(8,))
        real = 3 + 0.5 * torch.randn(256, 1)
        cfg = train.TrainConfig(steps=1, z_dim=1, batch_size=32, loss="wasserstein", log_every=1)
        logs.append(train.train_gan(G, D, real, cfg, progress=False, d_penalty=d_penalty).log["d_loss"][0])
    (value,) = values
    assert value > 1e-3  # a penalty that matters
    assert logs[1] == pytest.approx(logs[0] + value, rel=1e-5, abs=1e-6)


def test_spectral_norms_only_reads():
    """Measuring σ must not advance the power iteration (nor change any module's mode)."""
    torch.manual_seed(0)
    net = regularizers.spectral_norm(nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)))
    net.train()
    net[2].eval()  # a mixed state, to check that each mode is restored
    buffers = {k: v.clone() for k, v in net.state_dict().items() if k.endswith(("_u", "_v"))}
    first = regularizers.spectral_norms(net)
    assert regularizers.spectral_norms(net) == first
    for k, v in net.state_dict().items():
        if k in buffers:
            assert torch.equal(v, buffers[k]), k
    assert net.training and net[0].training and not net[2].training


def test_lazy_r1_applies_k_gamma_every_kth_step():
    """every=k: k·R1(γ) on D steps 1, k+1, 2k+1, …, exactly 0 in between."""
    torch.manual_seed(0)
    D = nets.MLPDiscriminator(2, hidden=(8,))
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    full = regularizers.r1_penalty(D, real, weight=0.5).item()
    assert full > 0
    lazy = regularizers.r1_d_penalty(weight=0.5, every=3)
    values = [lazy(D, real, fake).item() for _ in range(7)]
    assert values == pytest.approx([3 * full, 0, 0, 3 * full, 0, 0, 3 * full])
    eager = regularizers.r1_d_penalty(weight=0.5)
    assert [eager(D, real, fake).item() for _ in range(2)] == pytest.approx([full, full])
    with pytest.raises(ValueError, match="every must be an int >= 1"):
        regularizers.r1_d_penalty(every=0)
