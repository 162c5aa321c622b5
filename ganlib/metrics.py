r"""Scores for generative models: what each one measures, and how it misleads (chapter 10).

A GAN has no likelihood to report, so we judge it by comparing samples. Every score
here reduces two sets of samples -- real :math:`x \sim p_\text{data}`, generated
:math:`\tilde x \sim p_g` -- to one number, and every such reduction is blind to
something.

**Inception Score** (Salimans et al., 2016). Run a classifier on generated samples:

.. math::
    \mathrm{IS} = \exp\big(\mathbb{E}_{\tilde x}\, \mathrm{KL}(p(y\mid\tilde x)\,\|\,p(y))\big),
    \qquad p(y) = \mathbb{E}_{\tilde x}\, p(y \mid \tilde x).

It is large when each sample is classified confidently (sharp :math:`p(y|x)`) *and*
the classes are used evenly (flat :math:`p(y)`); it lies in :math:`[1, K]` for
:math:`K` classes. Pitfalls: it never looks at real data; one perfect image per
class already scores :math:`K`, so it cannot see collapse *within* a class; its
value depends on the classifier, the number of samples and the number of splits.

**Fréchet Inception Distance** (Heusel et al., 2017). Fit a Gaussian to the
classifier's features of each set and take the Fréchet (2-Wasserstein) distance
between the Gaussians:

.. math::
    \mathrm{FID} = \|\mu_r - \mu_g\|^2 + \operatorname{Tr}\big(\Sigma_r + \Sigma_g
                   - 2(\Sigma_r\Sigma_g)^{1/2}\big).

It compares with the real data and sees both quality (the means move) and variety
(the covariances shrink). Pitfalls: the estimate is *biased upwards*, more so for
few samples, so FIDs are comparable only at the same sample size (and even real
data against real data does not score 0); it sees only two moments of the features;
its values depend on the feature extractor, so an FID on this book's digit
classifier cannot be compared with a published Inception FID.

**Kernel Inception Distance** (Bińkowski et al., 2018). The squared maximum mean
discrepancy between the feature sets, with the cubic kernel
:math:`k(a, b) = (a\cdot b/d + 1)^3`, estimated without bias. No Gaussian
assumption, and its mean does not depend on the sample size, so small samples can
be compared; but it is noisier, and it can come out slightly negative when the two
distributions are close.

**Mode coverage** (Srivastava et al., 2017, VEEGAN). On a toy mixture whose centres
we know, count the modes that some good sample lands on, and the fraction of good
samples. Pitfall: one sample captures a mode, so it does not see modes with the
wrong weight.

Layered like pytorch-fid: features (:func:`digit_features`) -> statistics
(:func:`feature_statistics`) -> a pure NumPy distance (:func:`frechet_distance`).
The ``digit_*`` helpers use :class:`ganlib.classifier.DigitClassifier` as the
feature extractor for 28x28 digits.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy import linalg
from scipy.special import xlogy
from torch import Tensor, nn

from . import checks
from .classifier import load_digit_classifier


def _as_array(x: Tensor | ArrayLike, name: str) -> np.ndarray:
    """A float64 NumPy copy of a tensor (any device) or array-like."""
    if isinstance(x, Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    if isinstance(x, (str, bytes)) or (isinstance(x, np.ndarray) and x.dtype.kind not in "biuf"):
        raise TypeError(f"{name} must be a torch.Tensor or a NumPy array of numbers; got {type(x).__name__} {x!r:.40}")
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a torch.Tensor or a NumPy array of numbers; got {type(x).__name__}") from err


def _as_features(x: Tensor | ArrayLike, name: str, *, min_rows: int = 1) -> np.ndarray:
    """A float64 (N, d) feature matrix, checked."""
    a = _as_array(x, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a feature matrix of shape (N, d); got shape {a.shape}")
    if len(a) < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows (samples); got {len(a)}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


# --- Fréchet distance and FID ----------------------------------------------------------


def frechet_distance(
    mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike, *, eps: float = 1e-6
) -> float:
    r"""d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}).

    See chapter 10, "What do FID and KID measure, and how do they depend on the sample
    size?".

    The squared 2-Wasserstein (Fréchet) distance between N(mu1, S1) and N(mu2, S2).
    mu1, mu2: means, shape (d,); sigma1, sigma2: covariances, shape (d, d). Scalars
    are read as d = 1 (a mean and a variance). Computed in float64 with SciPy's
    matrix square root, as pytorch-fid does: when S1 S2 is singular (e.g. fewer
    samples than dimensions) ``eps`` is added to both diagonals, and the tiny
    imaginary part that rounding leaves in the square root is dropped. NaN/inf and
    asymmetric covariances are refused (a ValueError naming the argument).
    """
    eps = checks.nonnegative(eps, "eps")
    mu1, mu2 = np.atleast_1d(_as_array(mu1, "mu1")), np.atleast_1d(_as_array(mu2, "mu2"))
    sigma1, sigma2 = np.atleast_2d(_as_array(sigma1, "sigma1")), np.atleast_2d(_as_array(sigma2, "sigma2"))
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(f"mu1 and mu2 must be vectors of the same length d; got shapes {mu1.shape} and {mu2.shape}")
    d = len(mu1)
    for name, s in (("sigma1", sigma1), ("sigma2", sigma2)):
        if s.shape != (d, d):
            raise ValueError(f"{name} must be a ({d}, {d}) covariance matrix to match the means; got shape {s.shape}")
    for name, a in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    for name, s in (("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.allclose(s, s.T, rtol=1e-5, atol=1e-8 * max(1.0, float(np.abs(s).max()))):
            gap = float(np.abs(s - s.T).max())
            raise ValueError(f"{name} must be a symmetric covariance matrix; |{name} - {name}.T| reaches {gap:.3g}")

    diff = mu1 - mu2  # (d,)
    covmean = _sqrtm_of_product(sigma1, sigma2, eps=eps)  # (S1 S2)^{1/2}, (d, d)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def _sqrtm_of_product(sigma1: np.ndarray, sigma2: np.ndarray, *, eps: float) -> np.ndarray:
    """(S1 S2)^{1/2}, real, with the eps-offset fallback for a singular product."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)  # singular: handled below
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        warnings.warn(
            f"the covariance product is singular (fewer samples than feature dimensions, or a constant "
            f"feature); adding {eps} to the diagonals of both covariances",
            RuntimeWarning,
            stacklevel=3,
        )
        offset = eps * np.eye(len(sigma1))
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        # S1 S2 is similar to the PSD matrix S1^{1/2} S2 S1^{1/2}: its square root is real up to rounding
        scale = max(1.0, float(np.abs(covmean).max()))
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3 * scale):
            raise ValueError(
                f"the square root of sigma1 @ sigma2 has a large imaginary part "
                f"({np.abs(covmean.imag).max():.3g}): are sigma1 and sigma2 symmetric positive semi-definite?"
            )
        covmean = covmean.real
    return covmean


def feature_statistics(feats: Tensor | ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """mu = mean_i f_i, S = 1/(N-1) sum_i (f_i - mu)(f_i - mu)^T.

    See chapter 10, "What do FID and KID measure, and how do they depend on the sample
    size?".

    feats: (N, d) with N >= 2. Returns (mu (d,), S (d, d)) in float64; cache them to
    compare many generators against the same real data.
    """
    f = _as_features(feats, "feats", min_rows=2)  # (N, d)
    return f.mean(axis=0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def fid(feats_a: Tensor | ArrayLike, feats_b: Tensor | ArrayLike, *, eps: float = 1e-6) -> float:
    """FID = frechet_distance(mu_a, S_a, mu_b, S_b) of the two feature sets' Gaussians.

    See chapter 10, "What do FID and KID measure, and how do they depend on the sample
    size?".

    feats_a, feats_b: feature matrices (N_a, d) and (N_b, d), tensors or arrays,
    N >= 2 each (use N well above d for a full-rank covariance). Real first by
    convention; the distance is symmetric. Biased upwards for small N: compare FIDs
    only at equal sample sizes.
    """
    a = _as_features(feats_a, "feats_a", min_rows=2)
    b = _as_features(feats_b, "feats_b", min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feats_a and feats_b must have the same feature dimension; got {a.shape[1]} and {b.shape[1]}")
    eps = checks.nonnegative(eps, "eps")
    return frechet_distance(*feature_statistics(a), *feature_statistics(b), eps=eps)


# --- KID: unbiased MMD^2 with a polynomial kernel -------------------------------------


def polynomial_kernel(x: np.ndarray, y: np.ndarray, *, degree: int = 3, coef0: float = 1.0) -> np.ndarray:
    """k(x, y) = (x . y / d + coef0)^degree for every pair of rows: (m, d), (n, d) -> (m, n)."""
    x, y = _as_features(x, "x"), _as_features(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension d; got {x.shape[1]} and {y.shape[1]}")
    degree = checks.positive_int(degree, "degree")
    coef0 = checks.number(coef0, "coef0")
    return (x @ y.T / x.shape[1] + coef0) ** degree


def mmd2_unbiased(k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray) -> float:
    r"""MMD_u^2 = 1/(m(m-1)) sum_{i!=j} k(x_i,x_j) + 1/(n(n-1)) sum_{i!=j} k(y_i,y_j) - 2/(mn) sum_{i,j} k(x_i,y_j).

    See chapter 10, "What do FID and KID measure, and how do they depend on the
    sample size?"; Gretton et al., 2012, Lemma 6. Leaving out the diagonals i = j
    removes the bias, so the estimate averages to the true MMD^2 (and can be
    negative). k_xx (m, m), k_yy (n, n), k_xy (m, n); m, n >= 2; finite values.
    """
    k_xx, k_yy, k_xy = (_as_array(k, name) for k, name in ((k_xx, "k_xx"), (k_yy, "k_yy"), (k_xy, "k_xy")))
    for name, k in (("k_xx", k_xx), ("k_yy", k_yy)):
        if k.ndim != 2 or k.shape[0] != k.shape[1] or len(k) < 2:
            raise ValueError(f"{name} must be a square kernel matrix with at least 2 rows; got shape {k.shape}")
    m, n = len(k_xx), len(k_yy)
    if k_xy.shape != (m, n):
        raise ValueError(f"k_xy must have shape (m, n) = ({m}, {n}) to match k_xx and k_yy; got {k_xy.shape}")
    for name, k in (("k_xx", k_xx), ("k_yy", k_yy), ("k_xy", k_xy)):
        if not np.isfinite(k).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(xx + yy - 2 * k_xy.mean())


def kid(
    feats_a: Tensor | ArrayLike,
    feats_b: Tensor | ArrayLike,
    *,
    subsets: int = 1,
    subset_size: int | None = None,
    seed: int = 0,
) -> float | tuple[float, float]:
    """KID = MMD_u^2(feats_a, feats_b) with k(a, b) = (a . b / d + 1)^3.

    See chapter 10, "What do FID and KID measure, and how do they depend on the sample
    size?".

    feats_a, feats_b: feature matrices (N_a, d), (N_b, d), tensors or arrays, N >= 2.
    With the defaults, one estimate from all samples (a float). With ``subsets`` > 1,
    as Bińkowski et al. (2018) do: the estimate on ``subsets`` random subsets of
    ``subset_size`` samples from each set (default min(1000, N_a, N_b)), drawn without
    replacement with NumPy generator ``seed``; returns (mean, std) over subsets.
    """
    a = _as_features(feats_a, "feats_a", min_rows=2)
    b = _as_features(feats_b, "feats_b", min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feats_a and feats_b must have the same feature dimension; got {a.shape[1]} and {b.shape[1]}")
    subsets = checks.positive_int(subsets, "subsets")
    seed = checks.nonnegative_int(seed, "seed")
    if subset_size is not None:
        checks.integer(subset_size, "subset_size", what="an int in [2, min(N_a, N_b)]")
    if subset_size is None and subsets == 1:
        return _kid_once(a, b)
    size = min(1000, len(a), len(b)) if subset_size is None else subset_size
    if not isinstance(size, int) or not 2 <= size <= min(len(a), len(b)):
        raise ValueError(f"subset_size must be an int in [2, min(N_a, N_b)] = [2, {min(len(a), len(b))}]; got {size!r}")
    rng = np.random.default_rng(seed)
    scores = [
        _kid_once(a[rng.choice(len(a), size, replace=False)], b[rng.choice(len(b), size, replace=False)])
        for _ in range(subsets)
    ]
    return scores[0] if subsets == 1 else (float(np.mean(scores)), float(np.std(scores)))


def _kid_once(a: np.ndarray, b: np.ndarray) -> float:
    return mmd2_unbiased(polynomial_kernel(a, a), polynomial_kernel(b, b), polynomial_kernel(a, b))


# --- Inception Score ------------------------------------------------------------------


def inception_score(probs: Tensor | ArrayLike, *, splits: int = 1) -> float | tuple[float, float]:
    r"""IS = exp( E_x KL(p(y|x) || p(y)) ),  p(y) = E_x p(y|x).

    See chapter 10, "What does the Inception Score measure?".

    probs: (N, K), row i = the classifier's p(y | x_i) (non-negative, summing to 1).
    1 <= IS <= K. With ``splits`` > 1 the rows are cut into that many consecutive
    chunks, the score is computed on each, and (mean, std) is returned, as in
    Salimans et al. (2016), who used 10 splits of 5 000 samples.
    """
    p = _as_array(probs, "probs")
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"probs must be a non-empty (N, K) matrix of class probabilities; got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("probs must be non-negative and finite: pass softmax(logits), not logits")
    row_sums = p.sum(axis=1)
    if not np.allclose(row_sums, 1.0, atol=1e-3):
        worst = row_sums[np.abs(row_sums - 1).argmax()]
        raise ValueError(f"each row of probs must sum to 1 (a distribution over classes); found a row summing to {worst:.4g}")
    checks.integer(splits, "splits", what=f"an int in [1, N] = [1, {len(p)}]")
    if not 1 <= splits <= len(p):
        raise ValueError(f"splits must be an int in [1, N] = [1, {len(p)}]; got {splits!r}")
    scores = [_inception_score_once(chunk) for chunk in np.array_split(p, splits)]
    return scores[0] if splits == 1 else (float(np.mean(scores)), float(np.std(scores)))


def _inception_score_once(p: np.ndarray) -> float:
    p_y = p.mean(axis=0, keepdims=True)  # marginal p(y), (1, K)
    kl = (xlogy(p, p) - xlogy(p, p_y)).sum(axis=1)  # KL(p(y|x_i) || p(y)), (N,); 0 log 0 = 0
    return float(np.exp(kl.mean()))


# --- Mode coverage on toy mixtures -----------------------------------------------------


def mode_coverage(samples: Tensor | ArrayLike, centers: Tensor | ArrayLike, std: float) -> tuple[int, float]:
    """VEEGAN's protocol (Srivastava et al., 2017).

    See chapter 7, "What are mode collapse and mode dropping?".

    A sample is *high quality* when it lies within 3 std of its nearest centre; a mode
    is *captured* when it is the nearest centre of at least one high-quality sample.
    samples (N, D), centers (M, D), std: the mixture components' standard deviation.
    Returns (modes captured in 0..M, fraction of high-quality samples in [0, 1]).
    """
    x = _as_features(samples, "samples")
    c = _as_features(centers, "centers")
    if x.shape[1] != c.shape[1]:
        raise ValueError(f"samples and centers must have the same dimension D; got {x.shape[1]} and {c.shape[1]}")
    sigma = checks.number(std, "std", low=0, low_open=True,
                          what="a positive number (the mixture components' standard deviation)")
    dist = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=-1)  # (N, M)
    nearest = dist.argmin(axis=1)  # (N,)
    high_quality = dist[np.arange(len(x)), nearest] <= 3 * sigma  # (N,)
    return int(np.unique(nearest[high_quality]).size), float(high_quality.mean())


# --- Digit features from the shipped classifier ----------------------------------------


def _run_classifier(
    images: Tensor, output: str, classifier: nn.Module | None, batch_size: int, name: str = "images"
) -> Tensor:
    """classifier.features(images) or softmax(classifier(images)), batched, on CPU: (N, k)."""
    if not isinstance(images, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (N, 1, 28, 28); got {type(images).__name__}")
    if images.dim() == 3:
        images = images.unsqueeze(1)  # (N, 28, 28) -> (N, 1, 28, 28)
    if images.dim() != 4 or images.shape[1:] != (1, 28, 28) or len(images) == 0:
        raise ValueError(f"{name} must have shape (N, 1, 28, 28) with N >= 1; got {tuple(images.shape)}")
    if not images.is_floating_point():
        raise TypeError(f"{name} must be floats scaled to [-1, 1]; got dtype {images.dtype}")
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} must hold finite values; they hold NaN or inf")
    lo, hi = images.min().item(), images.max().item()
    if lo < -1.01 or hi > 1.01:
        raise ValueError(f"{name} must be scaled to [-1, 1], as ganlib.data.load_mnist returns them; got values in [{lo:.3g}, {hi:.3g}]")
    if lo >= 0:
        warnings.warn(f"{name} are all >= 0: are they in [0, 1]? the digit classifier expects [-1, 1]", stacklevel=3)
    batch_size = checks.positive_int(batch_size, "batch_size")
    if classifier is not None:
        checks.module(classifier, "classifier")
    net = load_digit_classifier(images.device) if classifier is None else classifier
    if net.training:
        raise ValueError("classifier is in training mode (batch norm would use batch statistics); call .eval() first")
    device = next(net.parameters()).device
    with torch.no_grad():
        outs = []
        for chunk in images.split(batch_size):
            chunk = chunk.to(device, torch.float32)
            out = net.features(chunk) if output == "features" else torch.softmax(net(chunk), dim=1)
            outs.append(out.float().cpu())
    return torch.cat(outs)  # (N, k)


def digit_features(images: Tensor, *, classifier: nn.Module | None = None, batch_size: int = 500) -> Tensor:
    """f(x) = the digit classifier's penultimate layer (128-d), our Inception pool3   (chapter 10).

    images: (N, 1, 28, 28) in [-1, 1], on any device. classifier: defaults to the
    shipped :func:`ganlib.classifier.load_digit_classifier` on the images' device.
    Returns (N, 128) float32 on the CPU.
    """
    return _run_classifier(images, "features", classifier, batch_size)


def digit_probs(images: Tensor, *, classifier: nn.Module | None = None, batch_size: int = 500) -> Tensor:
    """p(y | x) = softmax(logits(x)) from the digit classifier: (N, 1, 28, 28) -> (N, 10) on the CPU."""
    return _run_classifier(images, "probs", classifier, batch_size)


def digit_fid(
    images_a: Tensor, images_b: Tensor, *, classifier: nn.Module | None = None, batch_size: int = 500
) -> float:
    """fid(f(images_a), f(images_b)) with f = :func:`digit_features`.

    See chapter 10, "What do FID and KID measure, and how do they depend on the sample
    size?".

    A *domain* FID: comparable with other digit FIDs at the same sample sizes, not
    with Inception FIDs. Real first by convention.
    """
    feats_a = _run_classifier(images_a, "features", classifier, batch_size, "images_a")
    feats_b = _run_classifier(images_b, "features", classifier, batch_size, "images_b")
    return fid(feats_a, feats_b)


def digit_inception_score(
    images: Tensor, *, splits: int = 1, classifier: nn.Module | None = None, batch_size: int = 500
) -> float | tuple[float, float]:
    """inception_score(p(y | x)) with p from :func:`digit_probs`; at most 10.

    See chapter 10, "What does the Inception Score measure?".
    """
    return inception_score(digit_probs(images, classifier=classifier, batch_size=batch_size), splits=splits)


def digit_fid_against(
    real_feats: Tensor | ArrayLike, images: Tensor, *, classifier: nn.Module | None = None
) -> float:
    """fid(real_feats, f(images)) with f = :func:`digit_features`   (chapter 2).

    :func:`digit_fid` when the real side's features are computed once and reused:
    ``real_feats`` (N, 128) from :func:`digit_features`, ``images`` (M, 1, 28, 28).
    """
    return fid(real_feats, digit_features(images, classifier=classifier))


def generator_digit_fid(
    G: nn.Module,
    real_feats: Tensor | ArrayLike,
    n: int,
    *,
    seed: int = 3,
    classifier: nn.Module | None = None,
    **generate_kwargs,
) -> float:
    """fid(real_feats, f(G(z))) for n samples z ~ p_z drawn with a fixed seed   (chapter 2).

    The digit FID of a generator, as the chapters report it: ``real_feats`` are the
    :func:`digit_features` of the real side (computed once, reused for every G), the
    fake side is ``n`` samples of :func:`ganlib.train.generate` from a
    ``torch.Generator`` seeded with ``seed`` on G's device, so two generators are
    scored on the same noise. ``generate_kwargs`` go to ``generate`` (``z_dim``,
    ``latent``, ``batch_size``, ...).
    """
    from .train import generate  # train does not import metrics: no cycle

    if not isinstance(G, nn.Module):
        raise TypeError(f"G must be a torch.nn.Module; got {type(G).__name__}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2 (a covariance needs two samples); got {n!r}")
    device = next(G.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    fake = generate(G, n, generator=gen, **generate_kwargs)  # (n, 1, 28, 28)
    return digit_fid_against(real_feats, fake, classifier=classifier)


# --- Nearest-neighbour scores: precision, recall, density, coverage, 1-NN, copies -----
# (chapter 10, "How can quality and diversity be measured separately?"). All of them
# compare feature vectors by Euclidean distance, in float64, a block of rows at a time.

_BLOCK = 2048  # rows of the distance matrix held at once: 2048 x N float64


def _distance_block(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """||a_i - b_j|| for all pairs: (m, d), (n, d) -> (m, n), as scikit-learn computes it."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def _feature_pair(
    a: Tensor | ArrayLike, b: Tensor | ArrayLike, names: tuple[str, str], min_rows: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Two checked float64 feature matrices with the same number of columns."""
    x = _as_features(a, names[0], min_rows=min_rows[0])
    y = _as_features(b, names[1], min_rows=min_rows[1])
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same feature dimension; got {x.shape[1]} and {y.shape[1]}"
        )
    return x, y


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int (the neighbour whose distance is the radius); got {k!r}")
    return int(k)


def knn_radii(feats: Tensor | ArrayLike, k: int) -> np.ndarray:
    """r_i = distance from row i to its k-th nearest *other* row: (N, d) -> (N,).

    With the row itself at distance 0 this is the (k+1)-th smallest distance, as in
    ``prdc`` (Naeem et al., 2020). Needs N >= k + 1.
    """
    k = _check_k(k)
    feats = _as_features(feats, "feats", min_rows=k + 1)
    radii = np.empty(len(feats))
    for start in range(0, len(feats), _BLOCK):
        dist = _distance_block(feats[start : start + _BLOCK], feats)  # (b, N)
        radii[start : start + _BLOCK] = np.partition(dist, k, axis=1)[:, k]
    return radii


def _ball_counts(points: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the number of balls B(center_j, radius_j) holding it (strict <); and for
    each center, the distance to its nearest point. points (m, d), centers (n, d), radii (n,)."""
    counts = np.zeros(len(points), dtype=np.int64)
    nearest = np.full(len(centers), np.inf)
    for start in range(0, len(centers), _BLOCK):
        dist = _distance_block(centers[start : start + _BLOCK], points)  # (b, m)
        counts += (dist < radii[start : start + _BLOCK, None]).sum(axis=0)
        nearest[start : start + _BLOCK] = dist.min(axis=1)
    return counts, nearest


def precision_recall(
    real_feats: Tensor | ArrayLike, fake_feats: Tensor | ArrayLike, k: int = 3
) -> tuple[float, float]:
    r"""Improved precision and recall (Kynkäänniemi et al., 2019)   (chapter 10).

    Each set is modelled as the union of balls around its points, of radius the distance
    to the point's k-th nearest neighbour in the same set. *Precision* is the fraction of
    fake points inside the real manifold (quality); *recall* the fraction of real points
    inside the fake manifold (diversity). Strict ``<``, as in ``prdc``.
    real_feats (N, d), fake_feats (M, d): both need at least k + 1 rows. Returns
    (precision, recall), each in [0, 1].
    """
    k = _check_k(k)
    real, fake = _feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"), (k + 1, k + 1))
    fake_in_real, _ = _ball_counts(fake, real, knn_radii(real, k))  # (M,)
    real_in_fake, _ = _ball_counts(real, fake, knn_radii(fake, k))  # (N,)
    return float((fake_in_real > 0).mean()), float((real_in_fake > 0).mean())


def density_coverage(
    real_feats: Tensor | ArrayLike, fake_feats: Tensor | ArrayLike, k: int = 5
) -> tuple[float, float]:
    r"""Density and coverage (Naeem et al., 2020)   (chapter 10).

    Only the real points get balls (radius r_i: distance to the k-th nearest other real
    point). *Density* = (1/kM) Σ_j #{i : ||y_j - x_i|| < r_i}: how many real balls hold
    a fake point on average, 1 when fakes are distributed like the reals, above 1 when
    they crowd where the reals are densest. *Coverage* = the fraction of real points whose
    ball holds at least one fake point. real_feats (N, d) with N >= k + 1, fake_feats
    (M, d). Returns (density >= 0, coverage in [0, 1]).
    """
    k = _check_k(k)
    real, fake = _feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"), (k + 1, 1))
    radii = knn_radii(real, k)  # (N,)
    counts, nearest_fake = _ball_counts(fake, real, radii)  # (M,), (N,)
    return float(counts.sum() / (k * len(fake))), float((nearest_fake < radii).mean())


def one_nn_accuracy(x: Tensor | ArrayLike, y: Tensor | ArrayLike) -> float:
    r"""Leave-one-out 1-nearest-neighbour two-sample accuracy (Lopez-Paz & Oquab, 2017; Xu et al., 2018).

    Pool x (N, d) and y (M, d), label each point by its set, and classify every point by
    the label of its nearest *other* point in the pool. Returns the fraction classified
    correctly: about 0.5 when the two samples come from one distribution, 1 when they
    are separable; below 0.5 means y copies x (each y sits next to an x). N, M >= 2.
    Ties are broken towards the lower index of the pool [x; y].
    """
    a, b = _feature_pair(x, y, ("x", "y"), (2, 2))
    pool = np.concatenate([a, b])  # (N + M, d)
    labels = np.r_[np.zeros(len(a), bool), np.ones(len(b), bool)]
    correct = 0
    for start in range(0, len(pool), _BLOCK):
        dist = _distance_block(pool[start : start + _BLOCK], pool)  # (b, N + M)
        rows = np.arange(len(dist))
        dist[rows, start + rows] = np.inf  # leave the point itself out
        correct += int((labels[dist.argmin(axis=1)] == labels[start : start + _BLOCK]).sum())
    return correct / len(pool)


def classifier_two_sample_accuracy(
    real_train: Tensor,
    fake_train: Tensor,
    real_test: Tensor,
    fake_test: Tensor,
    *,
    steps: int,
    hidden: tuple[int, ...] = (64,),
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
) -> float:
    r"""Held-out accuracy of a fresh discriminator trained on real vs fake (Lopez-Paz & Oquab, 2017).

    See chapter 3, "Can a VAE model discrete data directly, and a GAN not?" and
    chapter 4, "Why are disjoint supports the normal case, not the exception?".

    A classifier two-sample test: a new ``nets.MLPDiscriminator`` with the given hidden
    widths takes ``steps`` Adam steps on the binary cross-entropy, minibatches of
    ``batch_size`` real and ``batch_size`` fake examples drawn with replacement, and is
    then scored on the held-out sets: (correct real + correct fake) / 2, real counted
    correct when its logit is > 0, fake when it is < 0. About 0.5 when real and fake come
    from one distribution; near 1 when a discriminator can tell them apart. All four
    inputs are float tensors of one shape (N, ...) on one device, each with N >= 1.
    """
    from . import losses, nets  # here: nets and losses need not load with metrics

    names = ("real_train", "fake_train", "real_test", "fake_test")
    given = (real_train, fake_train, real_test, fake_test)
    sets = [checks.tensor(x, name, nonempty=True) for x, name in zip(given, names)]
    for x, name in zip(sets[1:], names[1:]):
        if tuple(x.shape[1:]) != tuple(sets[0].shape[1:]):
            raise ValueError(
                f"{name} must have the shape of real_train's examples {tuple(sets[0].shape[1:])}; got {tuple(x.shape[1:])}"
            )
        if x.device != sets[0].device:
            raise ValueError(f"{name} must be on real_train's device {sets[0].device}; got {x.device}")
    steps = checks.positive_int(steps, "steps")
    batch_size = checks.positive_int(batch_size, "batch_size")
    lr = checks.positive(lr, "lr")
    seed = checks.integer(seed, "seed")
    hidden = checks.widths(hidden, "hidden")
    real_train, fake_train, real_test, fake_test = sets
    device = real_train.device
    torch.manual_seed(seed)
    gen = torch.Generator(device=device).manual_seed(seed)
    probe = nets.MLPDiscriminator(tuple(real_train.shape[1:]), hidden=hidden).to(device)
    opt = torch.optim.Adam(probe.parameters(), lr=lr)
    for _ in range(steps):
        i = torch.randint(0, len(real_train), (batch_size,), device=device, generator=gen)
        j = torch.randint(0, len(fake_train), (batch_size,), device=device, generator=gen)
        loss = losses.d_loss("nonsaturating", probe(real_train[i]), probe(fake_train[j]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        right_real = (probe(real_test) > 0).float().mean().item()
        right_fake = (probe(fake_test) < 0).float().mean().item()
    return 0.5 * (right_real + right_fake)


def memorisation(
    samples: Tensor | ArrayLike,
    train: Tensor | ArrayLike,
    *,
    k: int = 1,
    threshold: float = 0.5,
    train_radii: ArrayLike | None = None,
) -> tuple[float, np.ndarray]:
    r"""How many samples are near-copies of a training example   (chapter 10).

    For each sample s, with t its nearest training example, the ratio
    ρ(s) = ||s − t|| / r_k(t), where r_k(t) is the distance from t to its k-th nearest
    other training example: how much closer s is to t than t's own neighbours are. A
    copy has ρ = 0; a fresh sample from the data distribution has ρ around 1. A sample
    is a *near-copy* when ρ < ``threshold``. samples (M, d), train (N, d) with
    N >= k + 1. Returns (fraction of near-copies, ρ as an (M,) array). Where r_k(t) = 0
    (duplicates in train) ρ is 0 for an exact copy and inf otherwise. train_radii: the
    (N,) radii ``knn_radii(train, k)``, to reuse them when scoring many sample sets
    against one training set (computing them costs N^2 distances).
    """
    k = _check_k(k)
    try:
        thr = float(threshold)
    except (TypeError, ValueError):
        thr = float("nan")
    if not thr > 0:
        raise ValueError(f"threshold must be a positive number; got {threshold!r}")
    s, t = _feature_pair(samples, train, ("samples", "train"), (1, k + 1))
    if train_radii is None:
        radii = knn_radii(t, k)  # (N,)
    else:
        radii = _as_array(train_radii, "train_radii")
        if radii.shape != (len(t),) or not (np.isfinite(radii).all() and (radii >= 0).all()):
            raise ValueError(
                f"train_radii must be the ({len(t)},) non-negative radii knn_radii(train, k); got shape {radii.shape}"
            )
    ratio = np.empty(len(s))
    for start in range(0, len(s), _BLOCK):
        dist = _distance_block(s[start : start + _BLOCK], t)  # (b, N)
        nearest = dist.argmin(axis=1)
        d = dist[np.arange(len(dist)), nearest]
        r = radii[nearest]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio[start : start + _BLOCK] = np.where(d == 0, 0.0, d / r)
    return float((ratio < thr).mean()), ratio


# --- Scores at infinitely many samples: FID∞ and IS∞ (Chong & Forsyth, 2020) ----------


def fit_inverse_n(sizes: ArrayLike, values: ArrayLike) -> tuple[float, float]:
    r"""Least-squares fit of values ≈ a + c / N; returns (a, c): a is the score at N → ∞.

    sizes: the sample sizes N (at least two distinct, positive); values: the score at each.
    """
    n = _as_array(sizes, "sizes").ravel()
    v = _as_array(values, "values").ravel()
    if n.shape != v.shape:
        raise ValueError(f"sizes and values must have the same length; got {len(n)} and {len(v)}")
    if not (np.isfinite(n).all() and (n > 0).all()) or len(np.unique(n)) < 2:
        raise ValueError(f"sizes must hold at least two distinct positive sample sizes; got {n.tolist()}")
    if not np.isfinite(v).all():
        raise ValueError("values contains NaN or infinite values")
    slope, intercept = np.polyfit(1.0 / n, v, 1)
    return float(intercept), float(slope)


def _check_sizes(sizes: ArrayLike, available: int, name: str) -> list[int]:
    out = [int(s) for s in np.atleast_1d(_as_array(sizes, "sizes"))]
    if len(set(out)) < 2 or min(out) < 2 or max(out) > available:
        raise ValueError(f"sizes must hold at least two distinct ints in [2, {available}] (the rows of {name}); got {out}")
    return out


def fid_infinity(
    real_feats: Tensor | ArrayLike,
    fake_feats: Tensor | ArrayLike,
    sizes: ArrayLike,
    *,
    repeats: int = 1,
    seed: int = 0,
) -> tuple[float, float, np.ndarray]:
    r"""FID∞: FID at several numbers of fake samples, extrapolated to N → ∞   (chapter 10).

    Chong & Forsyth (2020): FID_N ≈ FID∞ + c / N. For each N in ``sizes`` draw N fake rows
    without replacement (NumPy generator ``seed``; ``repeats`` draws, averaged), compute
    the FID against *all* real rows, and fit a line against 1/N. real_feats (N_r, d),
    fake_feats (N_f, d). Returns (FID∞, c, the mean FID at each size).
    """
    real, fake = _feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"), (2, 2))
    ns = _check_sizes(sizes, len(fake), "fake_feats")
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int; got {repeats!r}")
    rng = np.random.default_rng(seed)
    stats = feature_statistics(real)
    values = np.array([
        np.mean([frechet_distance(*stats, *feature_statistics(fake[rng.choice(len(fake), n, replace=False)]))
                 for _ in range(repeats)])
        for n in ns
    ])
    return (*fit_inverse_n(ns, values), values)


def is_infinity(
    probs: Tensor | ArrayLike, sizes: ArrayLike, *, repeats: int = 1, seed: int = 0
) -> tuple[float, float, np.ndarray]:
    r"""IS∞: the Inception Score at several sample sizes, extrapolated to N → ∞   (chapter 10).

    As :func:`fid_infinity`, with IS_N ≈ IS∞ + c / N (c < 0: the estimate of the marginal
    p(y) from N samples is less even than the truth, so IS_N is biased *down*). probs:
    (N, K) class probabilities. Returns (IS∞, c, the mean IS at each size).
    """
    p = _as_array(probs, "probs")
    if p.ndim != 2:
        raise ValueError(f"probs must be an (N, K) matrix of class probabilities; got shape {p.shape}")
    ns = _check_sizes(sizes, len(p), "probs")
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int; got {repeats!r}")
    inception_score(p)  # validates the rows once
    rng = np.random.default_rng(seed)
    values = np.array([
        np.mean([_inception_score_once(p[rng.choice(len(p), n, replace=False)]) for _ in range(repeats)])
        for n in ns
    ])
    return (*fit_inverse_n(ns, values), values)


# --- Scores for conditional generators and unsupervised codes (chapter 8) -------------


def _label_array(x: Tensor | ArrayLike, name: str) -> np.ndarray:
    """A 1-D int64 NumPy array of ids >= 0, checked (TypeError: not integers; ValueError: shape or sign)."""
    if isinstance(x, Tensor):
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer ids (an int tensor or array); got dtype {x.dtype}")
        x = x.detach().cpu().numpy()
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D sequence of integer ids; got {type(x).__name__}")
    a = np.asarray(x)
    if a.size == 0:
        raise ValueError(f"{name} must be 1-D with at least one id; got shape {a.shape}")
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer ids (an int tensor or array); got dtype {a.dtype}")
    if a.ndim != 1 or len(a) == 0:
        raise ValueError(f"{name} must be 1-D with at least one id; got shape {a.shape}")
    if a.min() < 0:
        raise ValueError(f"{name} must hold ids >= 0; got {int(a.min())}")
    return a.astype(np.int64)


def cluster_accuracy(pred: Tensor | ArrayLike, labels: Tensor | ArrayLike) -> float:
    r"""The accuracy of cluster ids under their best one-to-one matching to labels   (chapter 8, InfoGAN).

    An unsupervised model (InfoGAN's categorical code, k-means) names its clusters
    0..K-1 in an order of its own. Score it as a classifier after renaming the clusters
    with the one-to-one map :math:`m` that agrees with the labels most often:

    .. math::
        \mathrm{acc} = \max_{m \text{ one-to-one}} \frac{1}{N} \sum_{i=1}^{N} [\, m(\hat c_i) = y_i \,].

    The maximum is a linear assignment problem on the contingency table
    :math:`C_{ab} = \#\{i : \hat c_i = a,\ y_i = b\}`, solved exactly by the Hungarian
    algorithm (``scipy.optimize.linear_sum_assignment``) instead of trying all K!
    maps. With more clusters than labels (or fewer), the extra ones match nothing and
    count as errors.

    pred, labels: 1-D integer ids >= 0 of the same length N >= 1 (tensors or arrays).
    Returns the accuracy in [0, 1].
    """
    from scipy.optimize import linear_sum_assignment

    p, y = _label_array(pred, "pred"), _label_array(labels, "labels")
    if len(p) != len(y):
        raise ValueError(f"pred and labels must have the same length; got {len(p)} and {len(y)}")
    table = np.zeros((p.max() + 1, y.max() + 1), dtype=np.int64)  # C[a, b]: cluster a, label b
    np.add.at(table, (p, y), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(p))


def label_accuracy(images: Tensor, labels: Tensor | ArrayLike, *, classifier: nn.Module | None = None,
                   batch_size: int = 500) -> float:
    """The fraction of images the digit classifier puts in the class they were asked for   (chapter 8).

    For a conditional generator: images = G(z, y), labels = y. A generator that ignores y
    scores about 1/10 (chance); one that draws the requested digit scores near the
    classifier's own accuracy (about 99 % on held-out real digits).
    images: (N, 1, 28, 28) in [-1, 1]; labels: N integer ids.
    """
    y = _label_array(labels, "labels")
    if not isinstance(images, Tensor):
        raise TypeError(f"images must be a torch.Tensor (N, 1, 28, 28); got {type(images).__name__}")
    if len(images) != len(y):
        raise ValueError(f"images and labels must have the same length; got {len(images)} and {len(y)}")
    probs = digit_probs(images, classifier=classifier, batch_size=batch_size)  # (N, 10)
    return float((probs.argmax(1).numpy() == y).mean())
