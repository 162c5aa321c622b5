"""Chapter 9's networks and losses: U-Net, PatchGAN, receptive fields, L1/cycle/identity/domain losses.

The receptive field is checked three ways that do not share code: the formula by hand,
a one-pixel perturbation of a real PatchDiscriminator, and the support of a logit's
gradient with respect to the input.
"""

import math

import pytest
import torch

from ganlib import losses, nets


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


# ---- UNet -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [28, 32])
@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("skips", [True, False])
def test_unet_shapes_and_ranges(size, depth, skips):
    torch.manual_seed(0)
    G = nets.UNet(2, 3, width=4, depth=depth, skips=skips)
    y = G(4 * torch.randn(2, 2, size, size))  # large inputs: tanh must still bound the output
    assert y.shape == (2, 3, size, size)
    assert y.abs().max() <= 1 and y.abs().max() > 0.1  # in [-1, 1], and not collapsed to 0
    assert (G.in_channels, G.out_channels, G.depth, G.skips, G.n_domains) == (2, 3, depth, skips, 0)


def test_unet_parameter_counts_by_hand():
    # width 4, instance norm (affine; convs before a norm have no bias). Depth 1:
    # down 4×4 1→4 + bias: 64 + 4 = 68;  head transposed 4×4 4→1 + bias: 64 + 1 = 65 (no skip at depth 1).
    assert _n_params(nets.UNet(width=4, depth=1)) == 68 + 65
    assert _n_params(nets.UNet(width=4, depth=1, skips=False)) == 68 + 65
    # depth 2: + down 4×4 4→8: 512 + norm 16 = 528;  up 4×4 8→4: 512 + norm 8 = 520;
    # the head reads 4 + 4 skip channels: 128 + 1 = 129, or 4 without the skip: 64 + 1 = 65.
    assert _n_params(nets.UNet(width=4, depth=2)) == 68 + 528 + 520 + 129
    assert _n_params(nets.UNet(width=4, depth=2, skips=False)) == 68 + 528 + 520 + 65


@pytest.mark.parametrize("skips", [True, False])
def test_without_skips_everything_passes_the_bottleneck(skips):
    """Cut the bottleneck (zero the first decoder conv): only the skips still carry x."""
    torch.manual_seed(0)
    G = nets.UNet(width=4, depth=2, skips=skips, norm="none")
    with torch.no_grad():
        G.up[0][0].weight.zero_()
        G.up[0][0].bias.zero_()
    x = torch.randn(1, 1, 28, 28, requires_grad=True)
    y = G(x)
    (grad,) = torch.autograd.grad(y[0, 0, 14, 14], x)  # how output pixel (14, 14) depends on the input
    same_pixel, far_pixel = grad[0, 0, 14, 14].item(), grad[0, 0, 0, 0].item()
    if skips:  # a short path through e_0 and e_1 reaches nearby pixels only
        assert same_pixel != 0 and far_pixel == 0
        assert not torch.equal(G(torch.randn(1, 1, 28, 28)), y)
    else:  # nothing gets past the cut: G is a constant
        assert same_pixel == 0 and (grad == 0).all()
        assert torch.equal(G(torch.randn(1, 1, 28, 28)), y)


def test_unet_domain_conditioning():
    torch.manual_seed(0)
    G = nets.UNet(width=4, n_domains=3)
    x = torch.randn(1, 1, 28, 28).expand(3, -1, -1, -1)  # one image three times
    y = G(x, torch.tensor([0, 0, 2]))
    assert torch.equal(y[0], y[1])  # same image, same domain: same output
    assert (y[0] - y[2]).abs().max() > 1e-3  # another target domain: another output
    # The domain is its one-hot vector tiled into constant planes next to x: a plain
    # UNet with 1 + 3 input channels and the same weights, fed those planes, agrees.
    plain = nets.UNet(4, width=4)
    plain.load_state_dict(G.state_dict())
    planes = torch.zeros(3, 3, 28, 28)
    planes[0, 0], planes[1, 0], planes[2, 2] = 1, 1, 1
    torch.testing.assert_close(plain(torch.cat([x, planes], 1)), y)


def test_unet_errors_name_the_argument():
    G = nets.UNet(width=4, depth=3)
    with pytest.raises(ValueError, match=r"x must have a height and width divisible by 2\*\*depth = 8 \(depth=3\)"):
        G(torch.randn(2, 1, 28, 28))  # 28 = 4 · 7: two halvings only
    assert G(torch.randn(2, 1, 32, 32)).shape == (2, 1, 32, 32)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, H, W\)"):
        G(torch.randn(2, 3, 32, 32))
    with pytest.raises(TypeError, match="x must be a floating-point"):
        G(torch.zeros(2, 1, 32, 32, dtype=torch.long))
    with pytest.raises(ValueError, match="depth must be a positive int"):
        nets.UNet(depth=0)
    with pytest.raises(TypeError, match="skips must be True or False"):
        nets.UNet(skips="yes")
    with pytest.raises(ValueError, match="norm must be one of"):
        nets.UNet(norm="layer")
    x = torch.randn(2, 1, 28, 28)
    with pytest.raises(ValueError, match="domain was given, but this network has n_domains=0"):
        nets.UNet(width=4)(x, torch.tensor([0, 1]))
    S = nets.UNet(width=4, n_domains=3)
    with pytest.raises(ValueError, match=r"domain \(the target domains.*required.*n_domains=3"):
        S(x)
    with pytest.raises(TypeError, match="domain must be an int64 tensor"):
        S(x, torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"domain must be an int64 tensor of shape \(2,\)"):
        S(x, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"domain must hold labels in 0..2"):
        S(x, torch.tensor([0, 3]))


# ---- receptive fields ---------------------------------------------------------------------


def test_receptive_field_by_hand():
    assert nets.receptive_field([4, 4, 4, 4, 4], [2, 2, 2, 1, 1]) == 70  # 1 + 3(1 + 2 + 4 + 8 + 8): pix2pix
    assert nets.receptive_field([3, 3], [1, 1]) == 5  # 1 + 2 + 2
    assert nets.receptive_field((2, 2, 2), (2, 2, 2)) == 8  # 1 + 1 + 2 + 4: three 2×2 poolings see 2³
    assert nets.receptive_field([3, 3], [2, 1]) == 7  # 1 + 2 + 2·2: the stride comes *before* the layer it widens
    assert nets.receptive_field([], []) == 1  # no layer: a unit is a pixel


def test_receptive_field_errors():
    with pytest.raises(ValueError, match="kernel_sizes and strides must have one entry per layer each; got 2 and 1"):
        nets.receptive_field([4, 4], [2])
    with pytest.raises(ValueError, match=r"kernel_sizes\[1\] must be a positive int"):
        nets.receptive_field([4, 0], [2, 1])
    with pytest.raises(TypeError, match=r"strides\[0\] must be a positive int"):
        nets.receptive_field([4], [1.5])
    with pytest.raises(TypeError, match="kernel_sizes must be a sequence of positive ints"):
        nets.receptive_field("44", [1, 1])


# The window of patch logit (i, j) of the 4×4 design starts at input row i·S − P, with
# S = 2^n_layers the product of all strides and P = Σ_l p_l Π_{i<l} s_i the padding carried
# to the input (p_l = 1): n_layers=1: 1 + 2 + 2 = 5; 2: 1 + 2 + 4 + 4 = 11; 3: 1 + 2 + 4 + 8 + 8 = 23.
# Input row 48 lies in windows [i·S − P, i·S − P + r − 1], i.e. for these rows i:
#   n_layers=1: 2i − 5 <= 48 <= 2i + 10  ->  i = 19..26;   2: 4i − 11 <= 48 <= 4i + 22 -> i = 7..14;
#   n_layers=3: 8i − 23 <= 48 <= 8i + 46  ->  i = 1..8;     0 (PixelGAN, 1×1 convs): i = 48 only.
PATCH_CASES = [  # n_layers, receptive field, S, P, the logit rows that see input row 48
    (0, 1, 1, 0, range(48, 49)),
    (1, 16, 2, 5, range(19, 27)),
    (2, 34, 4, 11, range(7, 15)),
    (3, 70, 8, 23, range(1, 9)),
]


def _local_D(n_layers, norm="none"):
    torch.manual_seed(n_layers)
    return nets.PatchDiscriminator(width=4, n_layers=n_layers, norm=norm).double().eval()


@pytest.mark.parametrize("n_layers, rf, stride, offset, rows", PATCH_CASES)
def test_one_pixel_changes_exactly_the_patches_that_see_it(n_layers, rf, stride, offset, rows):
    D = _local_D(n_layers)
    assert D.receptive_field == rf
    x = torch.randn(1, 1, 96, 96, dtype=torch.double)
    x2 = x.clone()
    x2[0, 0, 48, 48] += 1.0
    changed = (D(x2) - D(x)).abs()[0, 0] > 1e-12  # (h, w)
    assert changed.shape == (96 // stride - 2 * (n_layers > 0),) * 2  # ⌊96/2^L⌋ − 2 patches a side
    changed_rows = changed.any(1).nonzero().flatten().tolist()
    changed_cols = changed.any(0).nonzero().flatten().tolist()
    assert changed_rows == changed_cols == list(rows)
    assert changed.sum().item() == len(rows) ** 2  # a full square of patches, nothing else


@pytest.mark.parametrize("n_layers, rf, stride, offset, rows", PATCH_CASES)
def test_a_patch_logit_sees_exactly_its_receptive_field(n_layers, rf, stride, offset, rows):
    D = _local_D(n_layers)
    x = torch.randn(1, 1, 96, 96, dtype=torch.double, requires_grad=True)
    t = D(x)  # (1, 1, h, w)
    i = t.shape[2] // 2  # a central patch: its window lies inside the image
    (grad,) = torch.autograd.grad(t[0, 0, i, i], x)
    seen = grad[0, 0] != 0  # (96, 96): the input pixels this logit depends on
    seen_rows = seen.any(1).nonzero().flatten()
    seen_cols = seen.any(0).nonzero().flatten()
    start = i * stride - offset
    assert len(seen_rows) == len(seen_cols) == D.receptive_field == rf
    assert seen_rows.tolist() == seen_cols.tolist() == list(range(start, start + rf))
    assert seen.sum().item() == rf * rf  # every pixel of the rf × rf window, and no other


@pytest.mark.parametrize("norm, coupled", [("instance", True), ("batch", False), ("none", False)])
def test_normalisation_statistics_couple_far_pixels(norm, coupled):
    """Instance norm divides by means over all positions: a far pixel moves every logit."""
    D = _local_D(2, norm)  # eval mode: batch norm uses its running statistics, a fixed affine map
    x = torch.randn(1, 1, 96, 96, dtype=torch.double)
    x2 = x.clone()
    x2[0, 0, 0, 0] += 5.0  # the top-left pixel ...
    t, t2 = D(x)[0, 0], D(x2)[0, 0]  # (22, 22)
    far = (t2[-1, -1] - t[-1, -1]).abs().item()  # ... and the bottom-right patch, window rows 73..95
    assert (far > 1e-9) == coupled, far


def test_batch_norm_in_training_mode_couples_the_samples_too():
    D = _local_D(2, "batch").train()
    x = torch.randn(2, 1, 32, 32, dtype=torch.double)
    x2 = x.clone()
    x2[1] += 1.0  # change only the second image
    assert (D(x2)[0] - D(x)[0]).abs().max() > 1e-9  # the first image's logits move


# ---- PatchDiscriminator: classifier head, conditioning, losses -----------------------------------------------


def test_patch_discriminator_classifier_head():
    torch.manual_seed(0)
    D = nets.PatchDiscriminator(width=4, n_classes=3).eval()
    x = torch.randn(2, 1, 28, 28)
    patches, classes = D.forward_with_classes(x)
    assert patches.shape == (2, 1, 5, 5) and classes.shape == (2, 3)  # ⌊28/4⌋ − 2 = 5 patches a side
    assert torch.equal(patches, D(x)) and torch.equal(classes, D.classify(x))
    torch.testing.assert_close(classes, D.class_head(D.trunk(x)).mean(dim=(2, 3)))  # the class map's mean
    assert classes[0].sub(classes[1]).abs().max() > 1e-4  # depends on the image
    with pytest.raises(ValueError, match="n_classes=0"):
        nets.PatchDiscriminator(width=4).classify(x)


def test_patch_discriminator_conditional_input_and_errors():
    D = nets.PatchDiscriminator(2, width=4)  # pix2pix's D(x, y) reads cat([x, y])
    x, y = torch.randn(3, 1, 28, 28), torch.randn(3, 1, 28, 28)
    assert D(torch.cat([x, y], 1)).shape == (3, 1, 5, 5)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2, H, W\)"):
        D(x)
    with pytest.raises(ValueError, match="x must be at least 24×24 for n_layers=3"):
        nets.PatchDiscriminator(width=4, n_layers=3)(torch.randn(1, 1, 20, 20))
    assert nets.PatchDiscriminator(width=4, n_layers=3)(torch.randn(1, 1, 24, 24)).shape == (1, 1, 1, 1)
    with pytest.raises(ValueError, match="n_layers must be an int >= 0"):
        nets.PatchDiscriminator(n_layers=-1)
    with pytest.raises(ValueError, match="norm must be one of"):
        nets.PatchDiscriminator(norm="virtual")


def test_patch_logits_flattened_are_samples_for_the_losses():
    torch.manual_seed(0)
    D = nets.PatchDiscriminator(width=4)
    t_real, t_fake = D(torch.randn(2, 1, 28, 28)), D(torch.randn(2, 1, 28, 28))  # (2, 1, 5, 5) each
    loss = losses.d_loss("lsgan", t_real.reshape(-1), t_fake.reshape(-1))  # 50 patches each
    torch.testing.assert_close(loss, 0.5 * ((t_real - 1) ** 2).mean() + 0.5 * (t_fake**2).mean())
    with pytest.raises(ValueError, match="real_logits must have shape"):
        losses.d_loss("lsgan", t_real, t_fake)  # the map itself is not one logit per sample


# ---- losses (chapter 9) ------------------------------------------------------------------------


def test_l1_cycle_identity_losses_by_hand():
    a = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    b = torch.tensor([[0.5, 1.0], [2.0, 1.0]])  # |a − b| = 0.5, 0, 0, 2: mean 2.5 / 4
    assert losses.l1_loss(a, b).item() == pytest.approx(0.625)
    assert losses.cycle_loss(a, b).item() == pytest.approx(0.625)
    assert losses.identity_loss(a, b).item() == pytest.approx(0.625)
    assert losses.l1_loss(a, a).item() == 0
    # a mean over pixels, not a sum: a 4×4 image off by 0.1 everywhere costs 0.1
    x = torch.zeros(2, 1, 4, 4)
    assert losses.cycle_loss(x, x + 0.1).item() == pytest.approx(0.1)
    assert losses.identity_loss(x, x - 0.1).item() == pytest.approx(0.1)  # |·|: the sign does not matter


def test_reconstruction_losses_name_their_arguments():
    x = torch.zeros(2, 1, 4, 4)
    with pytest.raises(ValueError, match="target and output must have the same shape"):
        losses.l1_loss(x, torch.zeros(2, 1, 4, 5))
    with pytest.raises(TypeError, match="output must be a floating-point"):
        losses.l1_loss(x, x.long())
    with pytest.raises(ValueError, match="x and reconstruction must have the same shape"):
        losses.cycle_loss(x, x[:1])
    with pytest.raises(TypeError, match="mapped must be a floating-point"):
        losses.identity_loss(x, x.numpy())
    with pytest.raises(ValueError, match="y is empty"):
        losses.identity_loss(x[:0], x[:0])


def test_domain_classification_loss_by_hand():
    logits = torch.tensor([[0.0, math.log(2), 0.0], [0.0, 0.0, 0.0]])
    domains = torch.tensor([1, 2])  # p = 2/4 = ½ and p = ⅓
    expected = (math.log(2) + math.log(3)) / 2
    assert losses.domain_classification_loss(logits, domains).item() == pytest.approx(expected)
    wrong = torch.tensor([0, 2])  # row 0 now asks for p = ¼
    assert losses.domain_classification_loss(logits, wrong).item() == pytest.approx((math.log(4) + math.log(3)) / 2)


def test_domain_classification_loss_errors():
    logits = torch.zeros(2, 3)
    with pytest.raises(TypeError, match="domains must be an int64 tensor"):
        losses.domain_classification_loss(logits, torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"domains must have shape \(2,\)"):
        losses.domain_classification_loss(logits, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"domains must hold ids in 0..2.*got values in 0..3"):
        losses.domain_classification_loss(logits, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="class_logits must have shape"):
        losses.domain_classification_loss(torch.zeros(3), torch.tensor([0, 1, 2]))


def test_stargan_pieces_fit_together():
    """G(x, c) → D_cls → L_cls: the gradient reaches G through the target domain's term."""
    torch.manual_seed(0)
    G, D = nets.UNet(width=4, n_domains=3), nets.PatchDiscriminator(width=4, n_classes=3)
    x, c = torch.randn(2, 1, 28, 28), torch.tensor([2, 0])
    patches, classes = D.forward_with_classes(G(x, c))
    loss = losses.nonsaturating_g_loss(patches.reshape(-1)) + losses.domain_classification_loss(classes, c)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())
