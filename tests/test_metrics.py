"""Tests for ganlib.metrics and ganlib.classifier, against pytorch-fid, SciPy and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ganlib import classifier, metrics
from ganlib.data import load_mnist


def random_spd(rng: np.random.Generator, d: int) -> np.ndarray:
    """A random symmetric positive definite (d, d) matrix, reasonably conditioned."""
    a = rng.normal(size=(d, 2 * d))
    return a @ a.T / (2 * d) + 0.05 * np.eye(d)


# --- Fréchet distance ----------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")  # pytorch-fid on SciPy >= 1.16
@settings(max_examples=30, deadline=None)
@given(d=st.integers(2, 12), seed=st.integers(0, 2**32 - 1))  # pytorch-fid 0.3.0 fails for d = 1 on SciPy 1.17
def test_frechet_distance_matches_pytorch_fid(d, seed):
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_spd(rng, d), random_spd(rng, d)
    expected = calculate_frechet_distance(mu1, s1, mu2, s2)
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert metrics.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-6, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(d=st.integers(1, 10), seed=st.integers(0, 2**32 - 1))
def test_frechet_distance_equal_covariances_is_squared_mean_distance(d, seed):
    rng = np.random.default_rng(seed)
    mu1, mu2, s = rng.normal(size=d), rng.normal(size=d), random_spd(rng, d)
    assert metrics.frechet_distance(mu1, s, mu2, s) == pytest.approx(np.sum((mu1 - mu2) ** 2), rel=1e-6, abs=1e-8)


def test_frechet_distance_diagonal_covariances():
    # d^2 = sum (m1 - m2)^2 + sum (sqrt(a) - sqrt(b))^2 for S1 = diag(a), S2 = diag(b)
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    a, b = rng.uniform(0.1, 4, size=6), rng.uniform(0.1, 4, size=6)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-9)
    # a wrong formula without the cross term Tr(2 (S1 S2)^{1/2}) would give this instead:
    assert metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) != pytest.approx(expected + 2 * np.sum(np.sqrt(a * b)))


def test_frechet_distance_scalars_and_tensors():
    assert metrics.frechet_distance(0.0, 1.0, 3.0, 4.0) == pytest.approx(9 + (1 - 2) ** 2)  # N(0,1) vs N(3,4)
    mu, s = torch.zeros(3), torch.eye(3)
    assert metrics.frechet_distance(mu, s, mu + 2, 9 * s) == pytest.approx(3 * 4 + 3 * (1 - 3) ** 2)


def test_frechet_distance_singular_covariances():
    # rank-deficient covariances are fine: N(0, diag(1, 0)) vs N(0, diag(4, 0))
    assert metrics.frechet_distance(np.zeros(2), np.diag([1.0, 0]), np.zeros(2), np.diag([4.0, 0])) == pytest.approx(1.0)


def test_frechet_distance_eps_fallback(monkeypatch):
    calls = []
    sqrtm = metrics.linalg.sqrtm

    def flaky_sqrtm(a):  # fails like a singular product the first time
        calls.append(a.copy())
        return np.full_like(a, np.nan) if len(calls) == 1 else sqrtm(a)

    monkeypatch.setattr(metrics.linalg, "sqrtm", flaky_sqrtm)
    with pytest.warns(RuntimeWarning, match="singular"):
        value = metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), 4 * np.eye(2), eps=1e-3)
    np.testing.assert_allclose(calls[1], (1 + 1e-3) * (4 + 1e-3) * np.eye(2))  # eps on both diagonals
    assert value == pytest.approx(2 * (1 - 2) ** 2, abs=1e-2)


def test_frechet_distance_bad_input():
    with pytest.raises(ValueError, match="mu1 and mu2"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(3))
    with pytest.raises(ValueError, match=r"sigma2 must be a \(3, 3\)"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="sigma1 contains NaN"):
        metrics.frechet_distance(np.zeros(2), np.full((2, 2), np.nan), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="positive semi-definite"):
        metrics.frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2))


# --- FID ---------------------------------------------------------------------------------


def test_fid_identical_and_shifted_samples():
    rng = np.random.default_rng(1)
    feats = rng.normal(size=(500, 8)) @ rng.normal(size=(8, 8))  # correlated features
    assert abs(metrics.fid(feats, feats)) < 1e-6
    shift = np.array([3.0, 0, 0, 0, 4.0, 0, 0, 0])  # |shift|^2 = 25
    assert metrics.fid(feats, feats + shift) == pytest.approx(25.0, rel=1e-6)
    # tensors give the same number as arrays
    assert metrics.fid(torch.tensor(feats), torch.tensor(feats + shift, dtype=torch.float32)) == pytest.approx(25.0, rel=1e-4)


def test_fid_matches_statistics_route():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(300, 5)), rng.normal(size=(200, 5)) * 1.5 + 0.3
    mu_a, s_a = a.mean(0), np.cov(a, rowvar=False)
    mu_b, s_b = b.mean(0), np.cov(b, rowvar=False)
    assert metrics.fid(a, b) == pytest.approx(metrics.frechet_distance(mu_a, s_a, mu_b, s_b))
    mu, s = metrics.feature_statistics(a)
    np.testing.assert_allclose(mu, a.mean(0))  # (the mean was returned but never checked)
    np.testing.assert_allclose(s, np.cov(a.T))


def test_fid_bad_input():
    with pytest.raises(ValueError, match="feats_a needs at least 2"):
        metrics.fid(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="feats_b must be a feature matrix"):
        metrics.fid(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="same feature dimension"):
        metrics.fid(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(TypeError, match="feats_a"):
        metrics.fid("features", np.zeros((5, 3)))


# --- KID --------------------------------------------------------------------------------


def kid_by_loops(x: np.ndarray, y: np.ndarray) -> float:
    """The unbiased MMD^2 of Bińkowski et al. (2018), eq. (3), written out with loops."""
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_kid_matches_the_formula():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(12, 4)), rng.normal(size=(9, 4)) + 0.5
    assert metrics.kid(x, y) == pytest.approx(kid_by_loops(x, y), rel=1e-10)


def test_mmd2_unbiased_with_linear_kernel_closed_form():
    # with k(a, b) = a.b, MMD_u^2 = |mean_x - mean_y|^2 - tr(S_x)/m - tr(S_y)/n (S: unbiased covariances)
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(20, 3)) * 2 + 1
    mmd2 = metrics.mmd2_unbiased(x @ x.T, y @ y.T, x @ y.T)
    expected = np.sum((x.mean(0) - y.mean(0)) ** 2) - np.trace(np.cov(x.T)) / 30 - np.trace(np.cov(y.T)) / 20
    assert mmd2 == pytest.approx(expected, rel=1e-10)


def test_kid_is_unbiased_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(5)
    same = [metrics.kid(rng.normal(size=(20, 4)), rng.normal(size=(20, 4))) for _ in range(300)]
    shifted = [metrics.kid(rng.normal(size=(20, 4)), rng.normal(size=(20, 4)) + 1.0) for _ in range(50)]
    sem = np.std(same) / np.sqrt(len(same))
    assert abs(np.mean(same)) < 3 * sem  # unbiased: averages to the true value, 0
    assert min(same) < 0  # ... which needs negative estimates
    assert np.mean(shifted) > 10 * sem and min(shifted) > 0


def test_kid_subsets():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(400, 4)) + 0.5
    mean, std = metrics.kid(a, b, subsets=5, subset_size=100, seed=0)
    assert mean > 0 and std > 0
    assert (mean, std) == metrics.kid(a, b, subsets=5, subset_size=100, seed=0)  # seeded
    # the documented procedure, redone by hand: NumPy generator `seed`, for each subset
    # subset_size rows of a then of b without replacement, the loop formula on each
    rng = np.random.default_rng(0)
    by_hand = []
    for _ in range(5):
        ia, ib = rng.choice(300, 100, replace=False), rng.choice(400, 100, replace=False)
        by_hand.append(kid_by_loops(a[ia], b[ib]))
    assert (mean, std) == pytest.approx((np.mean(by_hand), np.std(by_hand)), rel=1e-9)
    # (the check this replaces, mean within 50 % of the full-sample KID, also passed a
    # biased V-statistic or subsets drawn with replacement)
    with pytest.raises(ValueError, match="subset_size"):
        metrics.kid(a, b, subsets=2, subset_size=301)
    with pytest.raises(ValueError, match="subsets"):
        metrics.kid(a, b, subsets=0)


# --- Inception Score ---------------------------------------------------------------------


def test_inception_score_extremes():
    k = 7
    one_hot_uniform = np.eye(k)[np.arange(70) % k]  # confident, every class equally often
    assert metrics.inception_score(one_hot_uniform) == pytest.approx(k)
    identical = np.tile(np.random.default_rng(0).dirichlet(np.ones(k)), (50, 1))  # p(y|x) = p(y)
    assert metrics.inception_score(identical) == pytest.approx(1.0)
    one_class = np.eye(k)[np.zeros(40, dtype=int)]  # confident but collapsed onto one class
    assert metrics.inception_score(one_class) == pytest.approx(1.0)


def test_inception_score_matches_scipy_entropy():
    p = np.random.default_rng(1).dirichlet(np.full(10, 0.3), size=200)  # (200, 10)
    p_y = p.mean(0)
    expected = np.exp(np.mean([scipy.stats.entropy(row, p_y) for row in p]))
    assert metrics.inception_score(p) == pytest.approx(expected, rel=1e-10)
    assert metrics.inception_score(torch.tensor(p, dtype=torch.float32)) == pytest.approx(expected, rel=1e-5)
    # splits: the score of each consecutive chunk, then mean and (population) std
    chunks = [np.exp(np.mean([scipy.stats.entropy(r, c.mean(0)) for r in c])) for c in np.split(p, 4)]
    mean, std = metrics.inception_score(p, splits=4)
    assert (mean, std) == pytest.approx((np.mean(chunks), np.std(chunks)), rel=1e-10)


def test_inception_score_bad_input():
    with pytest.raises(ValueError, match="probs must be non-negative"):
        metrics.inception_score(np.array([[2.0, -1.0]]))  # logits, not probabilities
    with pytest.raises(ValueError, match="each row of probs must sum to 1"):
        metrics.inception_score(np.array([[0.5, 0.4], [0.5, 0.5]]))
    with pytest.raises(ValueError, match=r"probs must be a non-empty \(N, K\)"):
        metrics.inception_score(np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(np.eye(3), splits=4)


# --- mode coverage (VEEGAN) -------------------------------------------------------------

SQUARE = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])  # 4 modes, far apart


def test_mode_coverage_all_one_and_no_modes():
    rng = np.random.default_rng(0)
    std = 0.1
    all_modes = SQUARE[np.arange(400) % 4] + rng.normal(scale=std, size=(400, 2)).clip(-2 * std, 2 * std)
    assert metrics.mode_coverage(all_modes, SQUARE, std) == (4, 1.0)
    one_mode = SQUARE[[3]] + rng.normal(scale=std, size=(100, 2)).clip(-2 * std, 2 * std)
    assert metrics.mode_coverage(torch.tensor(one_mode), torch.tensor(SQUARE), std) == (1, 1.0)
    between_modes = np.full((50, 2), 5.0) + rng.normal(scale=std, size=(50, 2))  # far from every centre
    assert metrics.mode_coverage(between_modes, SQUARE, std) == (0, 0.0)


def test_mode_coverage_three_std_threshold():
    std = 0.5
    samples = np.array([[1.49, 0.0], [10.0, 1.51], [0.0, 10.0], [5.0, 5.0]])  # in, out, in, out
    modes, hq = metrics.mode_coverage(samples, SQUARE, std)
    assert (modes, hq) == (2, 0.5)


def test_mode_coverage_bad_input():
    with pytest.raises(ValueError, match="same dimension"):
        metrics.mode_coverage(np.zeros((5, 3)), SQUARE, 0.1)
    with pytest.raises(ValueError, match="std must be a positive"):
        metrics.mode_coverage(np.zeros((5, 2)), SQUARE, 0.0)
    with pytest.raises(ValueError, match="centers must be a feature matrix"):
        metrics.mode_coverage(np.zeros((5, 2)), np.zeros(2), 0.1)


# --- the shipped digit classifier ----------------------------------------------------------


@pytest.fixture(scope="module")
def test_digits():
    return load_mnist("test", source="shipped")  # (2000, 1, 28, 28) in [-1, 1], (2000,)


def test_shipped_classifier_accuracy(test_digits):
    images, labels = test_digits
    net = classifier.load_digit_classifier()
    assert net is classifier.load_digit_classifier("cpu")  # cached
    assert not net.training
    with torch.no_grad():
        logits = net(images)  # one batched pass: (2000, 10)
    assert (logits.argmax(1) == labels).float().mean().item() >= 0.95
    assert net.features(images[:3]).shape == (3, 128)


def test_digit_fid_real_vs_real_is_small(test_digits):
    images, _ = test_digits
    train, _ = load_mnist("train", source="shipped")
    noise = torch.rand(500, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    real_vs_real = metrics.digit_fid(train[:500], images[:500])
    real_vs_noise = metrics.digit_fid(images[:500], noise)
    assert 0 < real_vs_real < 0.01 * real_vs_noise


def test_digit_inception_score(test_digits):
    images, labels = test_digits
    assert 8.5 < metrics.digit_inception_score(images[:500]) <= 10
    assert metrics.digit_inception_score(images[labels == 3]) < 1.5  # one class only: IS sees the collapse
    probs = metrics.digit_probs(images[:10])
    torch.testing.assert_close(probs.sum(1), torch.ones(10))


def test_digit_metrics_bad_input(test_digits):
    images, _ = test_digits
    with pytest.raises(ValueError, match=r"images must be scaled to \[-1, 1\]"):
        metrics.digit_features(images[:4] * 127.5 + 127.5)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 28, 28\)"):
        metrics.digit_features(torch.zeros(4, 3, 32, 32))
    with pytest.raises(TypeError, match="images must be a torch.Tensor"):
        metrics.digit_features(images[:4].numpy())
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        metrics.digit_features((images[:4] + 1) / 2)
    with pytest.raises(ValueError, match="training mode"):
        metrics.digit_features(images[:4], classifier=classifier.DigitClassifier())


def test_missing_weights_say_how_to_make_them(monkeypatch, tmp_path):
    monkeypatch.setenv("GANLIB_DATA", str(tmp_path))
    classifier._load.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="train_digit_classifier.py"):
            classifier.load_digit_classifier()
    finally:
        classifier._load.cache_clear()
