"""Tests of ganlib.data against independent references (scipy, closed forms, the raw npz)."""

import inspect
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from ganlib import data

P_MIN = 1e-3  # a correct sampler fails a test at this level once in a thousand seeds
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist():
    return {split: data.load_mnist(split, source="shipped") for split in ("train", "test")}


@pytest.fixture(scope="module")
def raw():
    with np.load(data.data_dir() / "mnist10k.npz") as archive:
        return {key: archive[key] for key in archive.files}


def test_data_dir_is_the_repository_data_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("GANLIB_DATA", raising=False)
    assert data.data_dir() == Path(__file__).resolve().parent.parent / "data"  # tests/../data
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path


def test_npz_holds_the_documented_arrays(raw):
    assert sorted(raw) == ["x_test", "x_train", "y_test", "y_train"]
    assert raw["x_train"].shape == (8000, 28, 28) and raw["x_train"].dtype == np.uint8
    assert raw["x_test"].shape == (2000, 28, 28) and raw["x_test"].dtype == np.uint8
    assert raw["y_train"].shape == (8000,) and raw["y_train"].dtype == np.int64
    assert raw["y_test"].shape == (2000,) and raw["y_test"].dtype == np.int64
    # real grey-level digits, not binarised: all 256 levels occur, the border is background
    assert len(np.unique(raw["x_train"])) == 256
    assert raw["x_train"][:, 0, :].mean() < 1 and raw["x_train"].mean() > 20


@pytest.mark.parametrize("split, n", [("train", 8000), ("test", 2000)])
def test_load_mnist_shapes_dtypes_and_range(mnist, raw, split, n):
    images, labels = mnist[split]
    assert images.shape == (n, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert images.min() == -1.0 and images.max() == 1.0
    assert set(labels.tolist()) == set(range(10))
    # x = p / 127.5 - 1 exactly, row for row with the file
    pixels = torch.from_numpy(raw[f"x_{split}"]).float()
    torch.testing.assert_close(images[:, 0], pixels / 127.5 - 1, rtol=0, atol=1e-6)
    assert torch.equal(labels, torch.from_numpy(raw[f"y_{split}"]))


def test_split_is_stratified_and_disjoint(raw):
    train = np.bincount(raw["y_train"], minlength=10)
    test = np.bincount(raw["y_test"], minlength=10)
    assert train.sum() == 8000 and test.sum() == 2000
    # every class: 20 % held out, to the nearest digit (largest-remainder rounding)
    assert np.all(np.abs(test - 0.2 * (train + test)) < 1)
    assert np.all((train > 650) & (train < 950)) and np.all((test > 160) & (test < 240))  # ~800 / ~200
    # no digit in both sets (the package has no duplicate images)
    rows = {x.tobytes() for x in raw["x_train"]}
    assert len(rows) == 8000
    assert not any(x.tobytes() in rows for x in raw["x_test"])
    # rows are shuffled, not sorted by class
    assert (np.diff(raw["y_train"][:200]) != 0).sum() > 100


def test_bad_split_or_source_is_a_clear_error():
    with pytest.raises(ValueError, match="split must be one of .*'val'"):
        data.load_mnist("val")
    with pytest.raises(ValueError, match="source must be one of .*'web'"):
        data.load_mnist(source="web")


def test_missing_shipped_file_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="make_mnist10k.py"):
        data.load_mnist(source="shipped")


def fake_torchvision(calls: list, n: int = 12) -> types.ModuleType:
    """A stand-in torchvision whose MNIST 'downloads' n digits and records its arguments."""

    class MNIST:
        def __init__(self, root, train=True, download=False):
            calls.append((root, train, download))
            self.data = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=gen(0))
            self.targets = torch.arange(n) % 10

    module = types.ModuleType("torchvision")
    module.datasets = types.SimpleNamespace(MNIST=MNIST)
    return module


def test_torchvision_source_downloads_into_data_dir(monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setitem(sys.modules, "torchvision", fake_torchvision(calls))
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    images, labels = data.load_mnist("test", source="torchvision")
    assert calls == [(str(tmp_path / "torchvision"), False, True)]
    assert images.shape == (12, 1, 28, 28) and images.dtype == torch.float32
    assert -1 <= images.min() and images.max() <= 1 and labels.dtype == torch.int64
    assert "torchvision" in capsys.readouterr().out


def test_torchvision_failure_falls_back_to_shipped_and_says_so(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torchvision", None)  # `import torchvision` raises ImportError
    images, labels = data.load_mnist(source="torchvision")
    assert images.shape == (8000, 1, 28, 28) and labels.shape == (8000,)
    out = capsys.readouterr().out
    assert "torchvision failed (ModuleNotFoundError" in out and "shipped subset" in out


@pytest.mark.parametrize("profile, via_torchvision", [("quick", False), ("full", False), ("long", True)])
def test_auto_source_follows_the_profile(monkeypatch, capsys, profile, via_torchvision):
    calls = []
    monkeypatch.setitem(sys.modules, "torchvision", fake_torchvision(calls))
    monkeypatch.setenv("GANLIB_PROFILE", profile)
    images, _ = data.load_mnist("test")
    assert bool(calls) == via_torchvision
    assert len(images) == (12 if via_torchvision else 2000)


@CUDA
def test_load_mnist_on_the_gpu():
    images, labels = data.load_mnist("test", source="shipped", device="cuda")
    assert images.is_cuda and labels.is_cuda


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------


def test_batches_cover_every_row_once_per_epoch_and_reshuffle():
    x = torch.arange(12)
    stream = data.batches(x, batch_size=4, generator=gen(0))
    epochs = [torch.cat([next(stream) for _ in range(3)]) for _ in range(3)]
    for epoch in epochs:
        assert torch.equal(epoch.sort().values, x)  # a permutation: every row exactly once
    assert not torch.equal(epochs[0], epochs[1]) and not torch.equal(epochs[1], epochs[2])
    assert not torch.equal(epochs[0], x)  # shuffled, not in order


def test_batches_keep_rows_of_several_tensors_together():
    x, y = torch.randn(10, 3, generator=gen(1)), torch.arange(10)
    stream = data.batches(x, y, batch_size=5, generator=gen(2))
    for _ in range(4):
        xb, yb = next(stream)
        assert xb.shape == (5, 3) and yb.shape == (5,)
        assert torch.equal(xb, x[yb])


def test_batches_drop_last_or_keep_it():
    x = torch.arange(10)
    dropped = data.batches(x, batch_size=4, generator=gen(3))
    sizes = [len(next(dropped)) for _ in range(6)]
    assert sizes == [4] * 6  # 2 full batches an epoch; the 2 leftover rows wait for the next epoch
    kept = data.batches(x, batch_size=4, generator=gen(3), drop_last=False)
    first_epoch = [next(kept) for _ in range(3)]
    assert [len(b) for b in first_epoch] == [4, 4, 2]
    assert torch.equal(torch.cat(first_epoch).sort().values, x)


def test_batches_are_reproducible_with_a_generator():
    x = torch.arange(100)
    a, b = data.batches(x, batch_size=10, generator=gen(4)), data.batches(x, batch_size=10, generator=gen(4))
    c = data.batches(x, batch_size=10, generator=gen(5))
    first = [next(a) for _ in range(15)]
    assert all(torch.equal(u, next(b)) for u in first)
    assert not all(torch.equal(u, next(c)) for u in first)


def test_bad_batches_arguments_fail_at_the_call():
    x = torch.arange(10)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        data.batches(x, batch_size=0)  # raised before the first next()
    with pytest.raises(TypeError, match="batch_size"):
        data.batches(x, batch_size=2.5)
    with pytest.raises(ValueError, match="same length"):
        data.batches(x, torch.arange(9), batch_size=2)
    with pytest.raises(ValueError, match="at least one tensor"):
        data.batches(batch_size=2)
    with pytest.raises(ValueError, match="batch_size must be <= the number of rows"):
        data.batches(x, batch_size=11)
    assert len(next(data.batches(x, batch_size=11, drop_last=False))) == 10


@CUDA
def test_batches_stay_on_the_gpu():
    x = torch.arange(50, device="cuda")
    assert next(data.batches(x, batch_size=8)).is_cuda
    assert next(data.batches(x, batch_size=8, generator=gen(0))).is_cuda  # CPU generator, GPU data


# ---------------------------------------------------------------------------
# ring and grid
# ---------------------------------------------------------------------------


def nearest(samples: torch.Tensor, centers: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest centre, distance to it) for every sample."""
    d = torch.cdist(samples.double(), centers.double())  # (n, K)
    dist, k = d.min(dim=1)
    return k.numpy(), dist.numpy()


def check_isotropic_mixture(samples, centers, std):
    """Equal-weight mixture of N(c_k, std² I)? Two tests that fail for too narrow as well as too wide.

    - ||x - c|| / std is chi with 2 degrees of freedom: P(within 3 std) = 1 - exp(-9/2) ≈ 0.989;
      a binomial test on the count within 3 std.
    - each centre gets n/K samples: a chi-square test on the counts.
    """
    k, dist = nearest(samples, centers)
    within = int((dist < 3 * std).sum())
    p_within = stats.binomtest(within, len(dist), 1 - math.exp(-4.5)).pvalue
    p_counts = stats.chisquare(np.bincount(k, minlength=len(centers))).pvalue
    return p_within, p_counts


def test_ring_centers_lie_evenly_on_the_circle():
    c = data.ring_centers(8, 2.0)
    assert c.shape == (8, 2)
    torch.testing.assert_close(c.norm(dim=1), torch.full((8,), 2.0))
    gaps = (c - c.roll(1, dims=0)).norm(dim=1)  # chord between neighbours = 2 r sin(π/K)
    torch.testing.assert_close(gaps, torch.full((8,), 4 * math.sin(math.pi / 8)))
    torch.testing.assert_close(c[0], torch.tensor([2.0, 0.0]))


def test_grid_centers_are_the_points_of_the_5x5_grid():
    c = data.grid_centers()
    assert c.shape == (25, 2)
    expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(row) for row in c.tolist()} == expected
    assert data.grid_centers(4, 1.0).mean(0).abs().max() < 1e-6  # centred at 0 for even sides too


@pytest.mark.parametrize(
    "sampler, centers, std",
    [(data.ring, data.ring_centers(), 0.02), (data.grid, data.grid_centers(), 0.05)],
    ids=["ring", "grid"],
)
def test_samples_are_an_equal_mixture_of_gaussians_at_the_centres(sampler, centers, std):
    x = sampler(10_000, generator=gen(0))
    assert x.shape == (10_000, 2) and x.dtype == torch.float32
    p_within, p_counts = check_isotropic_mixture(x, centers, std)
    assert p_within > P_MIN and p_counts > P_MIN
    # the same checks reject a mixture that is too wide, too narrow or lopsided
    assert check_isotropic_mixture(sampler(10_000, std=1.2 * std, generator=gen(1)), centers, std)[0] < P_MIN
    assert check_isotropic_mixture(sampler(10_000, std=0.8 * std, generator=gen(1)), centers, std)[0] < P_MIN
    k, _ = nearest(x, centers)
    lopsided = torch.cat([x, x[k == 0][:200]])  # one mode gets extra samples
    assert check_isotropic_mixture(lopsided, centers, std)[1] < P_MIN


def test_toy_std_is_the_samplers_default():
    # the chapters score samples with data.TOY_STD: it must be what ring/grid draw with
    # (the test above measures that the defaults are 0.02 and 0.05)
    assert data.TOY_STD == {"ring": 0.02, "grid": 0.05}
    for name, sampler in (("ring", data.ring), ("grid", data.grid)):
        default = inspect.signature(sampler).parameters["std"].default
        assert default == data.TOY_STD[name]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 300), modes=st.integers(1, 12), seed=st.integers(0, 2**31))
def test_ring_any_n_and_modes(n, modes, seed):
    x = data.ring(n, modes=modes, radius=3.0, std=0.1, generator=gen(seed))
    assert x.shape == (n, 2)
    _, dist = nearest(x, data.ring_centers(modes, 3.0))
    assert dist.max() < 0.1 * 7  # P(||ε|| > 7σ) = exp(-24.5) per sample


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 300), side=st.integers(1, 7), seed=st.integers(0, 2**31))
def test_grid_any_n_and_side(n, side, seed):
    x = data.grid(n, side=side, generator=gen(seed))
    assert x.shape == (n, 2)
    assert nearest(x, data.grid_centers(side))[1].max() < 0.05 * 7


def test_std_zero_puts_every_sample_on_a_centre():
    x = data.ring(100, std=0.0, generator=gen(0))
    assert nearest(x, data.ring_centers())[1].max() < 1e-6


def test_samplers_are_reproducible_and_seed_dependent():
    for sampler in (data.ring, data.grid, data.spiral):
        assert torch.equal(sampler(50, generator=gen(7)), sampler(50, generator=gen(7)))
        assert not torch.equal(sampler(50, generator=gen(7)), sampler(50, generator=gen(8)))


@pytest.mark.parametrize("sampler", [data.ring, data.grid, data.spiral])
def test_bad_sampler_arguments_are_clear_errors(sampler):
    with pytest.raises(ValueError, match="n must be a positive int; got 0"):
        sampler(0)
    with pytest.raises(ValueError, match="n must be a positive int; got -3"):
        sampler(-3)
    with pytest.raises(TypeError, match="n must be a positive int"):
        sampler(2.5)
    option = "noise" if sampler is data.spiral else "std"
    with pytest.raises(ValueError, match=f"{option} must be a finite number >= 0; got -0.1"):
        sampler(10, **{option: -0.1})


def test_bad_geometry_is_a_clear_error():
    with pytest.raises(ValueError, match="modes must be a positive int; got 0"):
        data.ring(10, modes=0)
    with pytest.raises(ValueError, match="radius must be > 0"):
        data.ring_centers(radius=-1.0)
    with pytest.raises(ValueError, match="side must be a positive int"):
        data.grid(10, side=0)
    with pytest.raises(ValueError, match="spacing must be > 0"):
        data.grid_centers(spacing=0.0)


def test_samples_go_to_the_requested_device():
    # On a CPU-only machine "cpu" is where everything lands anyway; PyTorch's "meta" device
    # (shapes without data) shows that the device argument itself is obeyed.
    for sampler in (data.ring, data.grid, data.spiral):
        assert sampler(5, device="cpu").device.type == "cpu"
        assert sampler(5, device="meta").device.type == "meta"
        assert sampler(5, device="meta", generator=gen(0)).device.type == "meta"  # CPU generator, meta result
        assert sampler(5, generator=gen(0)).device.type == "cpu"  # no device: the generator's
    assert data.Mixture1D([0, 1], [1, 1]).sample(5, device="meta").device.type == "meta"
    assert data.load_mnist("test", source="shipped", device="meta")[0].device.type == "meta"
    assert next(data.batches(torch.arange(50, device="meta"), batch_size=8, generator=gen(0))).device.type == "meta"


@CUDA
def test_samples_on_the_gpu():
    for sampler in (data.ring, data.grid, data.spiral):
        assert sampler(5, device="cuda").is_cuda
        assert sampler(5, device="cuda", generator=gen(0)).is_cuda  # CPU generator, GPU result
        assert sampler(5, generator=torch.Generator("cuda").manual_seed(0)).is_cuda
    assert data.Mixture1D([0, 1], [1, 1]).sample(5, device="cuda").is_cuda


# ---------------------------------------------------------------------------
# spiral and the dispatchers
# ---------------------------------------------------------------------------


def test_noiseless_spiral_lies_on_the_archimedean_curve():
    turns, scale = 1.5, 2.0
    x = data.spiral(2000, noise=0.0, turns=turns, scale=scale, generator=gen(0)).double()
    t_max = 1.5 * math.pi + 2 * math.pi * turns
    r = x.norm(dim=1)
    t = r * t_max / scale  # r = scale · t / t_max  =>  t
    assert t.min() >= 1.5 * math.pi - 1e-4 and t.max() <= t_max + 1e-4
    torch.testing.assert_close(x / r.unsqueeze(1), torch.stack([t.cos(), t.sin()], dim=1), atol=1e-4, rtol=0)
    # the angle is uniform on [1.5π, t_max]
    assert stats.kstest(t.numpy(), stats.uniform(1.5 * math.pi, t_max - 1.5 * math.pi).cdf).pvalue > P_MIN


def test_noisy_spiral_scatters_by_noise():
    x = data.spiral(5000, noise=0.05, generator=gen(1))
    assert x.shape == (5000, 2) and x.norm(dim=1).max() < 2.0 + 5 * 0.05
    assert (x.norm(dim=1) > 2.0).any()  # noise does push points off the curve


def test_toy_2d_dispatches_by_name():
    for name, sampler in (("ring", data.ring), ("grid", data.grid), ("spiral", data.spiral)):
        assert torch.equal(data.toy_2d(name, 30, generator=gen(0)), sampler(30, generator=gen(0)))
    x = data.toy_2d("ring", 30, modes=3, std=0.0, generator=gen(0))
    assert nearest(x, data.toy_centers("ring", modes=3, std=0.0))[1].max() < 1e-6
    torch.testing.assert_close(data.toy_centers("grid"), data.grid_centers())
    with pytest.raises(ValueError, match="name must be one of .*'moons'"):
        data.toy_2d("moons", 10)
    with pytest.raises(ValueError, match="name must be 'ring' or 'grid'"):
        data.toy_centers("spiral")
    with pytest.raises(TypeError):
        data.toy_centers("ring", mode=3)  # a typo is not silently ignored


# ---------------------------------------------------------------------------
# Mixture1D
# ---------------------------------------------------------------------------

MEANS, STDS, WEIGHTS = [-2.0, 0.5, 3.0], [0.5, 1.0, 0.25], [0.3, 0.5, 0.2]


def scipy_pdf(x, means=MEANS, stds=STDS, weights=WEIGHTS):
    return sum(w * stats.norm(m, s).pdf(x) for m, s, w in zip(means, stds, weights))


def scipy_cdf(x, means=MEANS, stds=STDS, weights=WEIGHTS):
    return sum(w * stats.norm(m, s).cdf(x) for m, s, w in zip(means, stds, weights))


def test_mixture_pdf_integrates_to_one():
    m = data.Mixture1D(MEANS, STDS, WEIGHTS)

    def density(v: float) -> float:
        return m.pdf(torch.tensor(v, dtype=torch.float64)).item()

    total, _ = integrate.quad(density, -20, 20, points=MEANS, limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)
    half, _ = integrate.quad(density, -20, 0.5, points=MEANS[:2])
    assert half == pytest.approx(scipy_cdf(0.5), abs=1e-8)  # not just any density with mass 1


def test_mixture_pdf_and_log_prob_equal_scipy():
    m = data.Mixture1D(MEANS, STDS, WEIGHTS)
    x = torch.linspace(-6, 6, 241, dtype=torch.float64)
    np.testing.assert_allclose(m.pdf(x).numpy(), scipy_pdf(x.numpy()), rtol=1e-12, atol=0)
    # far in the tails the density underflows, its logarithm must not
    far = torch.tensor([-200.0, 150.0], dtype=torch.float64)
    ref = special.logsumexp(
        [np.log(w) + stats.norm(mu, s).logpdf(far.numpy()) for mu, s, w in zip(MEANS, STDS, WEIGHTS)], axis=0
    )
    np.testing.assert_allclose(m.log_prob(far).numpy(), ref, rtol=1e-12)
    # float32 in, float32 out, same shape
    x32 = torch.linspace(-6, 6, 10).reshape(5, 2)
    assert m.pdf(x32).shape == (5, 2) and m.pdf(x32).dtype == torch.float32
    np.testing.assert_allclose(m.pdf(x32).numpy(), scipy_pdf(x32.numpy()), rtol=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    components=st.lists(
        st.tuples(st.floats(-5, 5), st.floats(0.05, 3), st.floats(0.01, 1)), min_size=1, max_size=5
    ),
    x=st.floats(-10, 10),
)
def test_mixture_pdf_matches_scipy_for_any_mixture(components, x):
    means, stds, raw_w = zip(*components)
    weights = np.array(raw_w) / sum(raw_w)
    m = data.Mixture1D(means, stds, weights)
    got = m.pdf(torch.tensor([x], dtype=torch.float64)).item()
    assert got == pytest.approx(scipy_pdf(x, means, stds, weights), rel=1e-9, abs=1e-300)


def test_mixture_samples_follow_the_pdf():
    m = data.Mixture1D(MEANS, STDS, WEIGHTS)
    x = m.sample(5000, gen(0))
    assert x.shape == (5000, 1) and x.dtype == torch.float32
    assert stats.kstest(x[:, 0].numpy(), scipy_cdf).pvalue > P_MIN
    # the same test rejects samples of a slightly different mixture
    other = data.Mixture1D(MEANS, STDS, [0.2, 0.5, 0.3]).sample(5000, gen(0))
    assert stats.kstest(other[:, 0].numpy(), scipy_cdf).pvalue < P_MIN
    assert torch.equal(m.sample(10, gen(1)), m.sample(10, gen(1)))


def test_mixture_default_weights_are_equal():
    m = data.Mixture1D([0.0, 4.0], [1.0, 1.0])
    torch.testing.assert_close(m.weights, torch.tensor([0.5, 0.5], dtype=torch.float64))
    assert m.pdf(torch.tensor([0.0])).item() == pytest.approx(scipy_pdf(0.0, [0, 4], [1, 1], [0.5, 0.5]), rel=1e-6)


def test_bad_mixtures_are_clear_errors():
    with pytest.raises(ValueError, match="same length; got 2, 3, 2"):
        data.Mixture1D([0, 1], [1, 1, 1], [0.5, 0.5])
    with pytest.raises(ValueError, match="weights must be >= 0 and sum to 1"):
        data.Mixture1D([0, 1], [1, 1], [0.5, 0.4])
    with pytest.raises(ValueError, match="weights must be >= 0 and sum to 1"):
        data.Mixture1D([0, 1], [1, 1], [1.5, -0.5])
    with pytest.raises(ValueError, match="stds must be finite and > 0"):
        data.Mixture1D([0, 1], [1, -1])
    with pytest.raises(ValueError, match="stds must be finite and > 0"):
        data.Mixture1D([0], [0.0])
    with pytest.raises(ValueError, match="at least one component"):
        data.Mixture1D([], [])
    with pytest.raises(ValueError, match="n must be a positive int; got 0"):
        data.Mixture1D([0], [1]).sample(0)
