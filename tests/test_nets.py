import pytest
import torch
from scipy import stats
from torch import nn

from ganlib import nets


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (32, 1)])
def test_dcgan_shapes_and_ranges(size, channels):
    G = nets.DCGANGenerator(16, channels=channels, image_size=size, width=8)
    D = nets.DCGANDiscriminator(channels=channels, image_size=size, width=8)
    x = G(torch.randn(4, 16))
    assert x.shape == (4, channels, size, size)
    assert x.abs().max() <= 1  # tanh output
    assert D(x).shape == (4,)


def test_dcgan_follows_the_batchnorm_rules():
    G = nets.DCGANGenerator(16, width=8)
    D = nets.DCGANDiscriminator(width=8)
    g_layers, d_layers = list(G.net), list(D.net)
    assert isinstance(g_layers[-1], nn.Tanh) and not isinstance(g_layers[-2], nn.BatchNorm2d)  # no BN at G's output
    assert isinstance(d_layers[0], nn.Conv2d) and isinstance(d_layers[1], nn.LeakyReLU)  # no BN at D's input
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Sigmoid)) for m in D.modules())


def test_mlp_nets():
    G = nets.MLPGenerator(3, (1, 28, 28), hidden=(32,), out_activation=nn.Tanh())
    D = nets.MLPDiscriminator((1, 28, 28), hidden=(32,))
    x = G(torch.randn(5, 3))
    assert x.shape == (5, 1, 28, 28) and D(x).shape == (5,)
    assert nets.MLPGenerator(2, 2)(torch.randn(7, 2)).shape == (7, 2)


def _dcgan_init_p_values(G):
    """KS p-values of G's conv weights against N(0, 0.02²) and its batch-norm scales against N(1, 0.02²)."""
    w = torch.cat([m.weight.detach().flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)])
    bn = torch.cat([m.weight.detach() for m in G.modules() if isinstance(m, nn.BatchNorm2d)])
    return (stats.kstest(w.double().numpy(), stats.norm(0, 0.02).cdf).pvalue,
            stats.kstest(bn.double().numpy(), stats.norm(1, 0.02).cdf).pvalue)


def test_init_dcgan_weights_statistics():
    torch.manual_seed(0)
    G = nets.init_dcgan_weights(nets.DCGANGenerator(64, width=32))
    w = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(w.mean().item()) < 1e-3 and w.std().item() == pytest.approx(0.02, rel=0.02)
    # The scales: PyTorch's default batch-norm scale is exactly 1, so "mean ≈ 1" holds without
    # init_dcgan_weights; the spread (0.02, not 0) and the shape of the law are what it adds.
    bn = torch.cat([m.weight for m in G.modules() if isinstance(m, nn.BatchNorm2d)])
    assert bn.mean().item() == pytest.approx(1.0, abs=0.01) and 0.01 < bn.std().item() < 0.03
    p_conv, p_bn = _dcgan_init_p_values(G)  # KS tests against SciPy's normal laws
    assert p_conv > 1e-3 and p_bn > 1e-3, (p_conv, p_bn)
    assert all((m.bias == 0).all() for m in G.modules() if isinstance(m, nn.BatchNorm2d))
    torch.manual_seed(0)  # the same tests reject PyTorch's default init (uniform weights, unit scales)
    assert max(_dcgan_init_p_values(nets.DCGANGenerator(64, width=32))) < 1e-6


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="image_size must be 28 or 32"):
        nets.DCGANGenerator(image_size=64)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 16\)"):
        nets.DCGANGenerator(16, width=8)(torch.randn(2, 15))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 28, 28\)"):
        nets.DCGANDiscriminator(width=8)(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="out_shape must be a positive int"):
        nets.MLPGenerator(2, (0, 3))


# ---- DCGAN options (chapter 5) ------------------------------------------------------------


def _reference_dcgan_28(z_dim, width):
    """Today's (pre-options) 28×28 DCGAN, written out layer by layer: the defaults must match it."""
    g = nn.Sequential(
        nn.ConvTranspose2d(z_dim, 4 * width, 7, 1, 0, bias=False), nn.BatchNorm2d(4 * width), nn.ReLU(True),
        nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(True),
        nn.ConvTranspose2d(2 * width, 1, 4, 2, 1), nn.Tanh(),
    )
    d = nn.Sequential(
        nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2, True),
        nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2, True),
        nn.Conv2d(2 * width, 1, 7, 1, 0),
    )
    return g, d


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_dcgan_defaults_are_unchanged():
    torch.manual_seed(0)
    g_ref, d_ref = _reference_dcgan_28(16, 8)
    torch.manual_seed(0)
    G, D = nets.DCGANGenerator(16, width=8), nets.DCGANDiscriminator(width=8)
    assert str(G.net) == str(g_ref) and str(D.net) == str(d_ref)
    assert list(G.state_dict()) == [f"net.{k}" for k in g_ref.state_dict()]
    assert list(D.state_dict()) == [f"net.{k}" for k in d_ref.state_dict()]
    assert (_n_params(G), _n_params(D)) == (33633, 3001)
    z = torch.randn(6, 16)
    x = G(z)
    assert torch.equal(x, g_ref(z[:, :, None, None]))
    assert torch.equal(D(x), d_ref(x).flatten())
    # 32×32 RGB, width 8: the parameter counts of the original networks
    G32, D32 = nets.DCGANGenerator(16, channels=3, image_size=32, width=8), nets.DCGANDiscriminator(channels=3, image_size=32, width=8)
    assert (_n_params(G32), _n_params(D32)) == (58339, 11241)


@pytest.mark.parametrize("norm", nets.NORMS)
@pytest.mark.parametrize("size,upsample,output_norm", [(28, "transposed", True), (32, "nearest", False), (28, "nearest", True)])
def test_dcgan_generator_options_shapes(size, norm, upsample, output_norm):
    G = nets.DCGANGenerator(8, image_size=size, width=4, norm=norm, upsample=upsample, output_norm=output_norm, ref_size=5)
    x = G(torch.randn(3, 8))
    assert x.shape == (3, 1, size, size) and x.abs().max() <= 1
    x.sum().backward()
    assert all(p.grad is not None for p in G.parameters())
    has_output_norm = not isinstance(G.net[-2], (nn.Conv2d, nn.ConvTranspose2d))
    assert has_output_norm == (output_norm and norm != "none")
    if upsample == "nearest":
        assert any(isinstance(m, nn.Upsample) for m in G.modules())
        assert sum(isinstance(m, nn.ConvTranspose2d) for m in G.modules()) == 1  # only the projection of z


@pytest.mark.parametrize("norm", nets.NORMS)
@pytest.mark.parametrize(
    "size,downsample,input_norm,activation",
    [(28, "stride", True, "relu"), (32, "maxpool", False, "leaky"), (28, "avgpool", True, "leaky"), (28, "maxpool", False, "relu")],
)
def test_dcgan_discriminator_options_shapes(size, norm, downsample, input_norm, activation):
    D = nets.DCGANDiscriminator(
        image_size=size, width=4, norm=norm, downsample=downsample, input_norm=input_norm, activation=activation, ref_size=5
    )
    if norm == "virtual":
        D.set_reference(torch.randn(5, 1, size, size))
    x = torch.randn(3, 1, size, size)
    out = D(x)
    assert out.shape == (3,)
    out.sum().backward()
    D.eval()
    feats = D.features(x)
    assert feats.shape == (3, D.feature_dim) == (3, (8 if size == 28 else 16) * (49 if size == 28 else 16))
    end = D.net[-1].kernel_size[0]  # the last layer applied to the features gives the logit
    assert torch.allclose(D.net[-1](feats.view(3, -1, end, end)).flatten(), D(x), atol=1e-5)
    acts = {type(m) for m in D.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))}
    assert acts == {nn.LeakyReLU if activation == "leaky" else nn.ReLU}
    if downsample != "stride":
        pool = nn.MaxPool2d if downsample == "maxpool" else nn.AvgPool2d
        assert sum(isinstance(m, pool) for m in D.modules()) == (2 if size == 28 else 3)
    first_norm = D.net[2] if downsample != "stride" else D.net[1]
    assert isinstance(first_norm, (nn.LeakyReLU, nn.ReLU)) == (not input_norm or norm == "none")


def test_virtual_batch_norm_matches_a_hand_computation():
    torch.manual_seed(0)
    n, C = 6, 3
    vbn = nets.VirtualBatchNorm2d(C, ref_size=n)
    with torch.no_grad():
        vbn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
        vbn.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
    ref, xs = torch.randn(n, C, 4, 4) * 2 + 1, torch.randn(5, C, 4, 4)
    out = vbn(torch.cat([ref, xs]))
    assert out.shape == (n + 5, C, 4, 4)
    w, b = vbn.weight.detach()[:, None, None], vbn.bias.detach()[:, None, None]
    for i in range(5):  # batch norm over {reference ∪ x_i}, computed directly
        both = torch.cat([ref, xs[i : i + 1]])
        mu = both.mean(dim=(0, 2, 3))[:, None, None]
        var = both.var(dim=(0, 2, 3), unbiased=False)[:, None, None]
        expected = (xs[i] - mu) / torch.sqrt(var + 1e-5) * w + b
        assert torch.allclose(out[n + i], expected, atol=1e-5)
    mu_r = ref.mean(dim=(0, 2, 3))[:, None, None]  # the reference rows: batch norm over the reference alone
    var_r = ref.var(dim=(0, 2, 3), unbiased=False)[:, None, None]
    assert torch.allclose(out[:n], (ref - mu_r) / torch.sqrt(var_r + 1e-5) * w + b, atol=1e-5)
    # an example's output does not depend on the other examples of its batch (unlike batch norm)
    other = vbn(torch.cat([ref, xs[:1], 10 * torch.randn(3, C, 4, 4)]))
    assert torch.allclose(other[n], out[n], atol=1e-6)
    bn = nn.BatchNorm2d(C)
    assert not torch.allclose(bn(xs)[0], bn(torch.cat([xs[:1], 10 * torch.randn(3, C, 4, 4)]))[0], atol=1e-3)
    with pytest.raises(ValueError, match="reference"):
        vbn(torch.randn(n, C, 4, 4))  # no examples after the reference


@pytest.mark.parametrize("norm", ["virtual", "instance", "layer"])
def test_per_example_norms_make_outputs_batch_independent(norm):
    torch.manual_seed(0)
    G = nets.DCGANGenerator(8, width=4, norm=norm, ref_size=7)
    D = nets.DCGANDiscriminator(width=4, norm=norm, ref_size=7)
    if norm == "virtual":
        D.set_reference(torch.randn(7, 1, 28, 28))
    z = torch.randn(4, 8)
    z2 = torch.cat([z[:1], 3 * torch.randn(5, 8)])
    assert torch.allclose(G(z)[0], G(z2)[0], atol=1e-5)  # train mode, yet no coupling between examples
    x = torch.randn(4, 1, 28, 28)
    x2 = torch.cat([x[:1], 3 * torch.randn(5, 1, 28, 28)])
    assert torch.allclose(D(x)[0], D(x2)[0], atol=1e-5)
    assert torch.allclose(D.features(x)[0], D.features(x2)[0], atol=1e-5)
    Gb = nets.DCGANGenerator(8, width=4)  # batch norm couples them
    assert not torch.allclose(Gb(z)[0], Gb(z2)[0], atol=1e-4)


def test_virtual_batch_norm_reference_is_saved_and_required():
    torch.manual_seed(0)
    G = nets.DCGANGenerator(8, width=4, norm="virtual", ref_size=5)
    assert G.vbn_z.shape == (5, 8) and "vbn_z" in G.state_dict()
    torch.manual_seed(1)
    G2 = nets.DCGANGenerator(8, width=4, norm="virtual", ref_size=5)
    z = torch.randn(3, 8)
    assert not torch.allclose(G(z), G2(z))
    G2.load_state_dict(G.state_dict())
    assert torch.allclose(G(z), G2(z))
    D = nets.DCGANDiscriminator(width=4, norm="virtual", ref_size=5)
    with pytest.raises(RuntimeError, match="set_reference"):
        D(torch.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"x_ref must have shape \(5, 1, 28, 28\)"):
        D.set_reference(torch.randn(4, 1, 28, 28))
    with pytest.raises(ValueError, match="only for norm='virtual'"):
        nets.DCGANDiscriminator(width=4).set_reference(torch.randn(5, 1, 28, 28))


def test_init_dcgan_weights_handles_every_norm():
    for norm in ("batch", "instance", "layer", "virtual"):
        torch.manual_seed(0)
        G = nets.init_dcgan_weights(nets.DCGANGenerator(16, width=32, norm=norm, output_norm=True))
        D = nets.init_dcgan_weights(nets.DCGANDiscriminator(width=32, norm=norm, input_norm=True))
        scales = [m.weight for net in (G, D) for m in net.modules() if isinstance(m, nets._NORM_LAYERS)]
        assert len(scales) == 5  # G: 2 hidden + output; D: input + 1 hidden
        w = torch.cat(scales)
        assert w.mean().item() == pytest.approx(1.0, abs=0.01) and 0.01 < w.std().item() < 0.03
        assert all((m.bias == 0).all() for net in (G, D) for m in net.modules() if isinstance(m, nets._NORM_LAYERS))


def test_dcgan_conditional():
    torch.manual_seed(0)
    G = nets.DCGANGenerator(8, width=4, n_classes=10)
    D = nets.DCGANDiscriminator(width=4, n_classes=10)
    z, y = torch.randn(4, 8), torch.tensor([0, 1, 2, 9])
    G.eval()
    x = G(z, y)
    assert x.shape == (4, 1, 28, 28)
    assert not torch.allclose(x, G(z, torch.tensor([3, 4, 5, 6])))  # the label changes the image
    assert D(x, y).shape == (4,)
    D.eval()  # the projection embedding starts at zero: D(x, y) = w·φ(x) + b at first
    assert torch.allclose(D(x, y), D.net[-1](D._body(x)).flatten())
    with torch.no_grad():
        D.embed.weight.normal_()
    assert not torch.allclose(D(x, y), D(x, torch.tensor([5, 5, 5, 5])))
    assert D.features(x).shape == (4, D.feature_dim)  # features do not need y
    for net, inp in ((G, z), (D, x)):
        with pytest.raises(ValueError, match="required"):
            net(inp)
        with pytest.raises(ValueError, match=r"int64 tensor of shape \(4,\)"):
            net(inp, torch.tensor([0, 1]))
        with pytest.raises(TypeError, match=r"int64 tensor of shape \(4,\)"):
            net(inp, y.float())
        with pytest.raises(ValueError, match="labels in 0..9"):
            net(inp, torch.tensor([0, 1, 2, 10]))
    with pytest.raises(ValueError, match="unconditional"):
        nets.DCGANGenerator(8, width=4)(z, y)
    with pytest.raises(ValueError, match="unconditional"):
        nets.DCGANDiscriminator(width=4)(x, y)
    Gv = nets.DCGANGenerator(8, width=4, n_classes=3, norm="virtual", ref_size=6)  # conditional + VBN
    assert Gv(z, torch.tensor([0, 1, 2, 0])).shape == (4, 1, 28, 28)


def test_dcgan_bad_options_are_named():
    with pytest.raises(ValueError, match="norm must be one of"):
        nets.DCGANGenerator(norm="group")
    with pytest.raises(ValueError, match="upsample must be one of"):
        nets.DCGANGenerator(upsample="bilinear")
    with pytest.raises(ValueError, match="downsample must be one of"):
        nets.DCGANDiscriminator(downsample="pool")
    with pytest.raises(ValueError, match="activation must be one of"):
        nets.DCGANDiscriminator(activation="tanh")
    with pytest.raises(ValueError, match="n_classes"):
        nets.DCGANDiscriminator(n_classes=-1)


# --- conditional MLPs (chapter 7's "training with labels") -----------------------------


def test_conditional_mlps_read_the_label():
    torch.manual_seed(0)
    G = nets.MLPGenerator(3, 2, hidden=(16,), n_classes=4)
    D = nets.MLPDiscriminator(2, hidden=(16,), n_classes=4)
    z = torch.randn(5, 3)
    y0, y1 = torch.zeros(5, dtype=torch.long), torch.ones(5, dtype=torch.long)
    assert G(z, y0).shape == (5, 2) and D(G(z, y0), y0).shape == (5,)
    assert not torch.allclose(G(z, y0), G(z, y1))  # the label changes the output
    # the label enters as a one-hot code: G(z, y) = net([z, e_y])
    expected = G.net(torch.cat([z, torch.nn.functional.one_hot(y1, 4).float()], 1))
    assert torch.allclose(G(z, y1), expected)
    assert sum(p.numel() for p in G.parameters()) == (3 + 4) * 16 + 16 + 16 * 2 + 2


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda G, D, z: G(z), r"y \(class labels, shape \(N,\)\) is required"),
        (lambda G, D, z: G(z, torch.zeros(4, dtype=torch.long)), r"y must be an int64 tensor of shape \(5,\)"),
        (lambda G, D, z: G(z, torch.zeros(5)), r"y must be an int64 tensor of shape \(5,\)"),  # TypeError
        (lambda G, D, z: D(torch.zeros(5, 2), torch.full((5,), 4)), r"labels in 0..3"),
        (lambda G, D, z: nets.MLPGenerator(3, 2)(z, torch.zeros(5, dtype=torch.long)), "unconditional"),
        (lambda G, D, z: nets.MLPGenerator(3, 2, n_classes=-1), "n_classes must be an int >= 0"),
    ],
)
def test_conditional_mlp_errors(call, message):
    G = nets.MLPGenerator(3, 2, hidden=(8,), n_classes=4)
    D = nets.MLPDiscriminator(2, hidden=(8,), n_classes=4)
    with pytest.raises((TypeError, ValueError), match=message):  # a float y: TypeError, the rest ValueError
        call(G, D, torch.randn(5, 3))


# --- MLPEnsemble: S independent MLPs as one batched network --------------------------


def member_as_mlp(E, s):
    """Member s of an ensemble, copied into an ordinary nn.Sequential of nn.Linear layers."""
    layers = []
    for m in E.net:
        if isinstance(m, nets.StackedLinear):
            lin = nn.Linear(*m.weight.shape[1:])
            lin.weight.data = m.weight[s].T.clone()
            lin.bias.data = m.bias[s, 0].clone()
            layers.append(lin)
        else:
            layers.append(m)
    return nn.Sequential(*layers)


def test_ensemble_members_are_independent_mlps():
    torch.manual_seed(0)
    E = nets.MLPEnsemble(3, 4, 2, hidden=(8, 8))
    x = torch.randn(3 * 5, 4)
    out = E(x)  # (15, 2)
    for s in range(3):
        rows = slice(5 * s, 5 * (s + 1))
        assert torch.allclose(out[rows], member_as_mlp(E, s)(x[rows]), atol=1e-6)
    # one logit per row when out_dim = 1, and member_rows undoes the stacking
    D = nets.MLPEnsemble(3, 2, 1, hidden=(8,))
    assert D(torch.randn(6, 2)).shape == (6,)
    assert torch.equal(E.member_rows(out)[1], out[5:10])


def test_ensemble_gradients_do_not_mix():
    """A loss on member 1's rows gives member 0 and 2 no gradient at all."""
    torch.manual_seed(0)
    E = nets.MLPEnsemble(3, 2, 1, hidden=(8,))
    x = torch.randn(9, 2)
    E(x)[3:6].sum().backward()
    for p in E.parameters():
        assert p.grad[0].abs().sum() == 0 and p.grad[2].abs().sum() == 0 and p.grad[1].abs().sum() > 0


def test_ensemble_init_matches_nn_linear_bounds():
    torch.manual_seed(0)
    layer = nets.StackedLinear(50, 16, 4)
    bound = 1 / 16**0.5
    assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound
    assert layer.weight.std().item() == pytest.approx(bound / 3**0.5, rel=0.1)  # U(−b, b) has std b/√3


@pytest.mark.parametrize("shape", [(7, 2), (6, 3), (6,)])
def test_ensemble_shape_errors(shape):
    E = nets.MLPEnsemble(3, 2, 1, hidden=(4,))
    with pytest.raises(ValueError, match=r"x must have shape \(S·b, 2\) with S = 3 members"):
        E(torch.randn(*shape))


def test_ensemble_argument_errors():
    with pytest.raises(ValueError, match="members must be a positive int"):
        nets.MLPEnsemble(0, 2, 1)
