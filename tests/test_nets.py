import pytest
import torch
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


def test_init_dcgan_weights_statistics():
    torch.manual_seed(0)
    G = nets.init_dcgan_weights(nets.DCGANGenerator(64, width=32))
    w = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(w.mean().item()) < 1e-3 and w.std().item() == pytest.approx(0.02, rel=0.02)
    bn = torch.cat([m.weight for m in G.modules() if isinstance(m, nn.BatchNorm2d)])
    assert bn.mean().item() == pytest.approx(1.0, abs=0.01)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="image_size must be 28 or 32"):
        nets.DCGANGenerator(image_size=64)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 16\)"):
        nets.DCGANGenerator(16, width=8)(torch.randn(2, 15))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 28, 28\)"):
        nets.DCGANDiscriminator(width=8)(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="out_shape must be a positive int"):
        nets.MLPGenerator(2, (0, 3))
