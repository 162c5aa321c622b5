"""metrics.generator_digit_fid and digit_fid_against against an independent route: noise drawn by hand,
features by hand, statistics by NumPy, the distance by pytorch-fid."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from ganlib import metrics
from ganlib.data import load_mnist


class TanhLinearG(nn.Module):
    """G(z) = tanh(W z + b) reshaped to (N, 1, 28, 28): a digit-shaped generator."""

    def __init__(self, z_dim: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.z_dim = z_dim
        self.lin = nn.Linear(z_dim, 784)

    def forward(self, z):
        return torch.tanh(self.lin(z)).view(-1, 1, 28, 28)


@pytest.fixture(scope="module")
def real_feats():
    images, _ = load_mnist("test", source="shipped")
    return metrics.digit_features(images[:300])  # (300, 128)


@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")
@pytest.mark.parametrize("latent", ["normal", "uniform"])
def test_generator_digit_fid_matches_pytorch_fid(real_feats, latent):
    from pytorch_fid.fid_score import calculate_frechet_distance

    G, n, seed = TanhLinearG(16, seed=0), 200, 11
    z = torch.Generator().manual_seed(seed)
    z = (torch.randn(n, 16, generator=z) if latent == "normal"
         else torch.rand(n, 16, generator=z) * 2 - 1)
    with torch.no_grad():
        fake = G(z)
    f_real = real_feats.double().numpy()
    f_fake = metrics.digit_features(fake).double().numpy()
    expected = calculate_frechet_distance(
        f_real.mean(0), np.cov(f_real, rowvar=False),
        f_fake.mean(0), np.cov(f_fake, rowvar=False))
    got = metrics.generator_digit_fid(G, real_feats, n, seed=seed, latent=latent)
    assert got == pytest.approx(expected, rel=1e-4)


@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")
def test_digit_fid_against_matches_pytorch_fid(real_feats):
    from pytorch_fid.fid_score import calculate_frechet_distance

    images, _ = load_mnist("train", source="shipped")
    f_real = real_feats.double().numpy()
    f_img = metrics.digit_features(images[:250]).double().numpy()
    expected = calculate_frechet_distance(
        f_real.mean(0), np.cov(f_real, rowvar=False),
        f_img.mean(0), np.cov(f_img, rowvar=False))
    got = metrics.digit_fid_against(real_feats, images[:250])
    assert got == pytest.approx(expected, rel=1e-4)


def test_generator_digit_fid_fixed_noise_and_distinct_generators(real_feats):
    G0, G1 = TanhLinearG(16, seed=0), TanhLinearG(16, seed=1)
    a = metrics.generator_digit_fid(G0, real_feats, 100)
    assert metrics.generator_digit_fid(G0, real_feats, 100) == a  # same seed, same noise
    assert metrics.generator_digit_fid(G0, real_feats, 100, seed=4) != a
    assert metrics.generator_digit_fid(G1, real_feats, 100) != a


def test_generator_digit_fid_bad_input(real_feats):
    with pytest.raises(TypeError, match="G"):
        metrics.generator_digit_fid(lambda z: z, real_feats, 100)
    with pytest.raises(ValueError, match="n"):
        metrics.generator_digit_fid(TanhLinearG(4, 0), real_feats, 1)
