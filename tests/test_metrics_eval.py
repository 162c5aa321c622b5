"""Chapter 10's nearest-neighbour scores and FID∞ / IS∞, against independent references.

precision/recall/density/coverage: the ``prdc`` package (Naeem et al.'s code);
1-NN accuracy and memorisation: brute-force loops over points with ``np.linalg.norm``;
FID∞ and IS∞: synthetic cases whose 1/N bias is known in closed form.
"""

import math

import numpy as np
import pytest
import torch
from prdc import compute_prdc

from ganlib import metrics


def gaussians(n, m, d, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(m, d)) + shift


@pytest.mark.parametrize("n, m, d, k, shift", [
    (200, 150, 8, 3, 0.0), (300, 300, 16, 5, 0.5), (120, 260, 4, 1, 1.0), (500, 400, 64, 5, 0.2),
])
def test_prdc_reference(n, m, d, k, shift):
    real, fake = gaussians(n, m, d, shift, seed=n + d)
    ref = compute_prdc(real, fake, k)
    p, r = metrics.precision_recall(real, fake, k=k)
    den, cov = metrics.density_coverage(real, fake, k=k)
    assert p == pytest.approx(ref["precision"], abs=1e-6)
    assert r == pytest.approx(ref["recall"], abs=1e-6)
    assert den == pytest.approx(ref["density"], abs=1e-6)
    assert cov == pytest.approx(ref["coverage"], abs=1e-6)


def test_prdc_blocks_and_tensors(monkeypatch):
    # blocks smaller than the sets give the same answer, and tensors are accepted
    real, fake = gaussians(250, 230, 6, 0.3, seed=3)
    ref = compute_prdc(real, fake, 3)
    monkeypatch.setattr(metrics, "_BLOCK", 37)
    p, r = metrics.precision_recall(torch.tensor(real), torch.tensor(fake, dtype=torch.float32).double(), k=3)
    den, cov = metrics.density_coverage(real, fake, k=3)
    assert (p, r, den, cov) == pytest.approx(
        (ref["precision"], ref["recall"], ref["density"], ref["coverage"]), abs=1e-6)


def test_prdc_extremes():
    real, _ = gaussians(300, 1, 8, seed=1)
    far = real + 100.0  # disjoint: nothing inside the other's balls
    assert metrics.precision_recall(real, far) == (0.0, 0.0)
    assert metrics.density_coverage(real, far) == (0.0, 0.0)
    collapsed = np.repeat(real[:1], 300, axis=0)  # one real point, 300 times
    p, r = metrics.precision_recall(real, collapsed[:4] + 1e-9 * np.arange(4)[:, None])
    den, cov = metrics.density_coverage(real, collapsed)
    assert p == 1.0 and r < 0.05 and cov < 0.05


def one_nn_brute(x, y):
    pool = np.concatenate([x, y])
    labels = [0] * len(x) + [1] * len(y)
    correct = 0
    for i in range(len(pool)):
        best, best_j = np.inf, -1
        for j in range(len(pool)):
            if j != i:
                dist = np.linalg.norm(pool[i] - pool[j])
                if dist < best:
                    best, best_j = dist, j
        correct += labels[best_j] == labels[i]
    return correct / len(pool)


@pytest.mark.parametrize("n, m, d, shift", [(40, 40, 3, 0.0), (30, 55, 5, 1.0), (25, 20, 2, 4.0)])
def test_one_nn_brute_force(n, m, d, shift, monkeypatch):
    x, y = gaussians(n, m, d, shift, seed=d)
    assert metrics.one_nn_accuracy(x, y) == pytest.approx(one_nn_brute(x, y), abs=1e-12)
    monkeypatch.setattr(metrics, "_BLOCK", 7)
    assert metrics.one_nn_accuracy(x, y) == pytest.approx(one_nn_brute(x, y), abs=1e-12)


def test_one_nn_limits():
    x, y = gaussians(1000, 1000, 4, seed=5)
    assert abs(metrics.one_nn_accuracy(x, y) - 0.5) < 0.05
    assert metrics.one_nn_accuracy(x, y + 50) == 1.0
    assert metrics.one_nn_accuracy(x, x + 1e-6) == 0.0  # copies: each point's neighbour is its twin


def memorisation_brute(samples, train, k, threshold):
    ratios = []
    for s in samples:
        d = [np.linalg.norm(s - t) for t in train]
        j = int(np.argmin(d))
        own = sorted(np.linalg.norm(train[j] - t) for i, t in enumerate(train) if i != j)
        ratios.append(d[j] / own[k - 1])
    ratios = np.array(ratios)
    return float((ratios < threshold).mean()), ratios


@pytest.mark.parametrize("k, threshold", [(1, 0.5), (3, 0.8)])
def test_memorisation_brute_force(k, threshold, monkeypatch):
    train, fresh = gaussians(60, 30, 4, seed=11)
    samples = np.concatenate([fresh, train[:10] + 1e-3, train[10:15]])  # fresh, near-copies, copies
    frac, ratio = metrics.memorisation(samples, train, k=k, threshold=threshold)
    ref_frac, ref_ratio = memorisation_brute(samples, train, k, threshold)
    assert frac == pytest.approx(ref_frac) and ratio == pytest.approx(ref_ratio, rel=1e-9, abs=1e-12)
    assert (ratio[-5:] == 0).all() and frac >= 15 / 45
    monkeypatch.setattr(metrics, "_BLOCK", 8)
    assert metrics.memorisation(samples, train, k=k, threshold=threshold)[1] == pytest.approx(ref_ratio)


def test_fid_infinity_known_bias():
    # fake ~ N(m, I_d), real ~ N(0, I_d) with many samples: FID = |m|^2 = 1, and the
    # sample covariance's bias adds about (d + d^2 / 4) / N (mean d/N, Marchenko-Pastur d^2/4N)
    d, rng = 16, np.random.default_rng(0)
    real = rng.normal(size=(200_000, d))
    m = np.zeros(d)
    m[0] = 1.0
    fake = rng.normal(size=(50_000, d)) + m  # a large pool: its own error is small
    sizes = [500, 700, 1000, 1500, 2000, 3000, 4000]
    fid_inf, c, values = metrics.fid_infinity(real, fake, sizes, repeats=3, seed=1)
    assert values[0] > 1.0 + 0.5 * (d + d * d / 4) / 500  # biased upwards at N = 500
    assert fid_inf == pytest.approx(1.0, abs=0.03)
    assert c == pytest.approx(d + d * d / 4, rel=0.25)


def test_is_infinity_known_bias():
    # one-hot predictions with uniform classes: IS = K exactly, and
    # E IS_N ~ K exp(-(K - 1) / 2N) ~ K - K (K - 1) / (2N)
    K, rng = 10, np.random.default_rng(2)
    probs = np.eye(K)[rng.integers(0, K, 20_000)]
    sizes = [50, 75, 100, 150, 200, 300, 500]
    is_inf, c, values = metrics.is_infinity(probs, sizes, repeats=200, seed=3)
    assert values[0] < K - 0.5 * K * (K - 1) / (2 * 50)
    assert is_inf == pytest.approx(K, abs=0.05)
    assert c == pytest.approx(-K * (K - 1) / 2, rel=0.2)


def test_fit_inverse_n_exact():
    n = np.array([10, 20, 40, 80])
    assert metrics.fit_inverse_n(n, 3.0 + 7.0 / n) == pytest.approx((3.0, 7.0))


@pytest.mark.parametrize("fn", [metrics.precision_recall, metrics.density_coverage,
                                metrics.one_nn_accuracy, metrics.memorisation])
def test_bad_input(fn):
    a, b = gaussians(20, 20, 4)
    with pytest.raises(ValueError, match="feature dimension"):
        fn(a, b[:, :3])
    bad = a.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fn(bad, b)
    with pytest.raises(ValueError, match="shape"):
        fn(a[0], b)
    with pytest.raises(TypeError):
        fn("features", b)


def test_too_few_rows_and_bad_k():
    a, b = gaussians(20, 20, 4)
    with pytest.raises(ValueError, match=r"real_feats needs at least 6"):
        metrics.density_coverage(a[:5], b, k=5)
    with pytest.raises(ValueError, match=r"fake_feats needs at least 4"):
        metrics.precision_recall(a, b[:3], k=3)
    with pytest.raises(ValueError, match=r"train needs at least 3"):
        metrics.memorisation(a, b[:2], k=2)
    with pytest.raises(ValueError, match="k must be"):
        metrics.precision_recall(a, b, k=0)
    with pytest.raises(ValueError, match="threshold"):
        metrics.memorisation(a, b, threshold=-1)
    with pytest.raises(ValueError, match="sizes"):
        metrics.fid_infinity(a, b, [5, 50])
    with pytest.raises(ValueError, match="sizes"):
        metrics.fit_inverse_n([10, 10], [1.0, 2.0])


def test_fast_on_2000_by_64():
    import time
    a, b = gaussians(2000, 2000, 64, seed=9)
    start = time.perf_counter()
    p, r = metrics.precision_recall(a, b, k=5)
    den, cov = metrics.density_coverage(a, b, k=5)
    acc = metrics.one_nn_accuracy(a, b)
    metrics.memorisation(b, a)
    assert time.perf_counter() - start < 30  # 2-core CPU, shared: about 4 s measured
    # the chapter's numbers: density near 1, coverage near 1 - 2^-5, P and R far lower
    assert abs(den - 1) < 0.05 and abs(cov - (1 - 2 ** -5)) < 0.02
    assert 0.6 < p < 0.8 and 0.6 < r < 0.8 and abs(acc - 0.5) < 0.05


def test_memorisation_reuses_radii():
    train, fresh = gaussians(80, 40, 5, seed=4)
    radii = metrics.knn_radii(train, 2)
    brute = np.array([sorted(np.linalg.norm(t - u) for u in train)[2] for t in train])
    assert radii == pytest.approx(brute, rel=1e-9)
    a = metrics.memorisation(fresh, train, k=2)
    b = metrics.memorisation(fresh, train, k=2, train_radii=radii)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="train_radii"):
        metrics.memorisation(fresh, train, train_radii=radii[:-1])


def test_kid_and_is_against_torch_fidelity():
    # the scores the chapter's table also uses, against a second reference package
    from torch_fidelity import metric_isc, metric_kid

    a, b = gaussians(300, 300, 16, 0.3, seed=6)
    ref = metric_kid.kid_features_to_metric(
        torch.tensor(a), torch.tensor(b), kid_subsets=1, kid_subset_size=300,
        kid_degree=3, kid_gamma=None, kid_coef0=1, verbose=False)
    assert metrics.kid(a, b) == pytest.approx(ref["kernel_inception_distance_mean"], rel=1e-5, abs=1e-8)
    logits = torch.tensor(np.random.default_rng(1).normal(size=(500, 10)) * 3)
    ref = metric_isc.isc_features_to_metric(logits, splits=1, shuffle=False)
    probs = torch.softmax(logits, dim=1)
    assert metrics.inception_score(probs) == pytest.approx(ref["inception_score_mean"], rel=1e-5)
