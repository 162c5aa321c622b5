r"""Adversarial losses as pure functions of the discriminator's logits (chapter 2).

Let :math:`D(x) = \sigma(t(x))`, where :math:`t(x)` is the discriminator's *logit*
and :math:`\sigma(t) = 1/(1+e^{-t})`. Every loss here takes logits, never
probabilities, because the log-probabilities have exact, stable forms in logits:

.. math::
    \log \sigma(t) = -\operatorname{softplus}(-t), \qquad
    \log(1-\sigma(t)) = -\operatorname{softplus}(t).

The original GAN (Goodfellow et al., 2014) is the two-player game

.. math::
    \min_G \max_D V(D, G) = \mathbb{E}_{x\sim p_\text{data}}[\log D(x)]
                           + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))].

The discriminator *minimises* :math:`-V`, which is the binary cross-entropy of
real-vs-fake classification. The generator can use one of three costs that share
the same fixed point but differ in their gradients (Goodfellow, 2016, §3.2):

=================  ================================================  ========================
kind               generator cost :math:`J^{(G)}`                    gradient when D wins
=================  ================================================  ========================
``minimax``        :math:`\mathbb{E}_z \log(1 - D(G(z)))`            vanishes (saturates)
``nonsaturating``  :math:`-\mathbb{E}_z \log D(G(z))`                large
``maxlikelihood``  :math:`-\mathbb{E}_z \exp(\sigma^{-1}(D(G(z))))`  dominated by few samples
=================  ================================================  ========================

Later chapters add the Wasserstein critic (chapter 6), the hinge loss (Lim & Ye,
2017; Miyato et al., 2018) and least squares (Mao et al., 2017). All take the
*real* logits first, then the *fake* ones.

Every loss checks its arguments' type, dtype and shape (one logit per sample, (N,) or
(N, 1); a float tensor; not empty) through :func:`check_logits` -- metadata only, no
GPU sync. It does not read the values: NaN in gives NaN out (the training loop checks
the loss at its logging steps).

Image-to-image translation (chapter 9) adds losses on images, not logits: the L1 terms
of pix2pix and CycleGAN (:func:`l1_loss`, :func:`cycle_loss`, :func:`identity_loss`,
two float tensors of the same shape) and StarGAN's domain classification
(:func:`domain_classification_loss`). A PatchGAN's logit map is used with the losses
above by flattening it: each patch counts as one sample.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from . import checks

#: The loss kinds that D and G both accept (``maxlikelihood`` is G's alone).
KINDS = ("minimax", "nonsaturating", "wasserstein", "hinge", "lsgan")
G_ONLY_KINDS = ("maxlikelihood",)


def check_logits(name: str, logits: Tensor) -> Tensor:
    """`logits` as (N,) if it is one logit per sample, (N,) or (N, 1); else an error naming `name`.

    The one check every loss shares (:func:`ganlib.checks.logits`): TypeError for a
    non-tensor or a non-float tensor, ValueError for another shape or 0 samples. Reads
    only metadata (no GPU sync): NaN values pass through.
    """
    return checks.logits(logits, name)


# --- the original GAN: binary cross-entropy -------------------------------------------


def bce_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))] = -V(D, G).

    See chapter 2, "What game do G and D play, and is D's loss a cross-entropy?".

    The same for the minimax and the non-saturating game: only G's cost differs.
    """
    real_logits, fake_logits = check_logits("real_logits", real_logits), check_logits("fake_logits", fake_logits)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_g_loss(fake_logits: Tensor) -> Tensor:
    """L_G = E_z[log(1 - D(G(z)))].

    See chapter 2, "Which cost should the generator minimise?".

    G minimises V directly. When D confidently rejects fakes (t → -∞) the gradient
    dL_G/dt = -σ(t) → 0: the loss *saturates* and G stops learning.
    """
    fake_logits = check_logits("fake_logits", fake_logits)
    return -F.softplus(fake_logits).mean()  # log(1 - σ(t)) = -softplus(t)


def nonsaturating_g_loss(fake_logits: Tensor) -> Tensor:
    """L_G = -E_z[log D(G(z))].

    See chapter 2, "Which cost should the generator minimise?".

    Same fixed point as the minimax cost, but dL_G/dt = σ(t) - 1 → -1 as t → -∞:
    G gets its strongest gradient exactly when D rejects its samples.
    """
    fake_logits = check_logits("fake_logits", fake_logits)
    return F.softplus(-fake_logits).mean()  # -log σ(t) = softplus(-t)


def maxlikelihood_g_loss(fake_logits: Tensor) -> Tensor:
    """L_G = -E_z[exp(σ^{-1}(D(G(z))))] = -E_z[e^t]   (chapter 2; Goodfellow 2016, eq. 3.15).

    With an optimal D, e^t = p_data/p_g, and minimising this cost minimises
    KL(p_data || p_g): maximum likelihood. Its gradient e^t is largest on the fakes
    D already likes, so a few samples dominate each update.
    """
    fake_logits = check_logits("fake_logits", fake_logits)
    return -torch.exp(fake_logits).mean()


# --- Wasserstein, hinge, least squares ------------------------------------------------


def wasserstein_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """L_D = E_z[f(G(z))] - E_x[f(x)]   (chapter 6): the critic f maximises the gap.

    Needs a Lipschitz constraint on f (clipping, gradient penalty, spectral norm).
    """
    real_logits, fake_logits = check_logits("real_logits", real_logits), check_logits("fake_logits", fake_logits)
    return fake_logits.mean() - real_logits.mean()


def wasserstein_g_loss(fake_logits: Tensor) -> Tensor:
    """L_G = -E_z[f(G(z))]   (chapter 6)."""
    fake_logits = check_logits("fake_logits", fake_logits)
    return -fake_logits.mean()


def hinge_d_loss(real_logits: Tensor, fake_logits: Tensor, *, margin: float = 1.0) -> Tensor:
    """L_D = E_x[max(0, m - t(x))] + E_z[max(0, m + t(G(z)))]   (chapter 6)."""
    real_logits, fake_logits = check_logits("real_logits", real_logits), check_logits("fake_logits", fake_logits)
    margin = checks.number(margin, "margin")
    return F.relu(margin - real_logits).mean() + F.relu(margin + fake_logits).mean()


def hinge_g_loss(fake_logits: Tensor) -> Tensor:
    """L_G = -E_z[t(G(z))]   (chapter 6): the same as the Wasserstein generator."""
    fake_logits = check_logits("fake_logits", fake_logits)
    return -fake_logits.mean()


def lsgan_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """L_D = ½E_x[(t(x) - 1)²] + ½E_z[t(G(z))²]   (Mao et al. 2017, targets a=0, b=1)."""
    real_logits, fake_logits = check_logits("real_logits", real_logits), check_logits("fake_logits", fake_logits)
    return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits**2).mean()


def lsgan_g_loss(fake_logits: Tensor) -> Tensor:
    """L_G = ½E_z[(t(G(z)) - 1)²]   (Mao et al. 2017, target c=1)."""
    fake_logits = check_logits("fake_logits", fake_logits)
    return 0.5 * ((fake_logits - 1) ** 2).mean()


# --- conditional GANs (chapter 8) ----------------------------------------------------


def matching_aware_d_loss(real_logits: Tensor, fake_logits: Tensor, mismatch_logits: Tensor) -> Tensor:
    r"""GAN-CLS's discriminator loss (Reed et al., 2016)   (chapter 8, "Must D see the condition, and is seeing it enough?").

    .. math::
        L_D = -\mathbb{E}\log D(x, y) - \tfrac12 \mathbb{E}\log(1 - D(G(z, y), y))
              - \tfrac12 \mathbb{E}\log(1 - D(x, \hat y)),

    with :math:`\hat y \ne y` a wrong condition for the real image :math:`x`. A real image
    with the wrong label counts as fake, so D must check that image and condition *match*,
    not only that the image is realistic. Arguments: logits t(x, y), t(G(z, y), y), t(x, ŷ).
    """
    real_logits = check_logits("real_logits", real_logits)
    fake_logits = check_logits("fake_logits", fake_logits)
    mismatch_logits = check_logits("mismatch_logits", mismatch_logits)
    return F.softplus(-real_logits).mean() + 0.5 * (F.softplus(fake_logits).mean() + F.softplus(mismatch_logits).mean())


def _class_logits(logits: Tensor, name: str) -> Tensor:
    """Check a (N, K) float tensor of class logits, K >= 1 (metadata only)."""
    if not isinstance(logits, Tensor) or not logits.is_floating_point():
        got = f"dtype {logits.dtype}" if isinstance(logits, Tensor) else type(logits).__name__
        raise TypeError(f"{name} must be a float tensor of class logits, shape (N, K); got {got}")
    if logits.dim() != 2 or logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(f"{name} must have shape (N, K) with N, K >= 1; got {tuple(logits.shape)}")
    return logits


def _class_ids(ids: Tensor, n: int, name: str) -> Tensor:
    if not isinstance(ids, Tensor) or ids.dtype != torch.long:
        got = f"dtype {ids.dtype}" if isinstance(ids, Tensor) else type(ids).__name__
        raise TypeError(f"{name} must be an int64 tensor of class ids, shape ({n},); got {got}")
    if ids.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one id per row of the logits; got {tuple(ids.shape)}")
    return ids


def info_categorical_nll(code_logits: Tensor, codes: Tensor) -> Tensor:
    r"""-E[log Q(c | x)] for a categorical code   (chapter 8, "Can a GAN find the condition on its own? InfoGAN").

    code_logits: Q's logits over the K values of the code, (N, K), on x = G(z, c);
    codes: the c that made each x, int64 (N,). The cross-entropy of Q's guess.
    """
    code_logits = _class_logits(code_logits, "code_logits")
    codes = _class_ids(codes, len(code_logits), "codes")
    return F.cross_entropy(code_logits, codes)


def info_gaussian_nll(mean: Tensor, log_std: Tensor, codes: Tensor) -> Tensor:
    r"""-E[log Q(c | x)] for continuous codes with a factored Gaussian Q   (chapter 8, "Can a GAN find the condition on its own? InfoGAN").

    .. math::
        -\log Q(c \mid x) = \sum_j \Big[\log \sigma_j + \tfrac12 \Big(\frac{c_j - \mu_j}{\sigma_j}\Big)^2
                            + \tfrac12 \log 2\pi\Big],

    with :math:`(\mu, \log\sigma)` = ``(mean, log_std)`` from Q's head on x = G(z, c),
    all three of shape (N, L). Summed over the L codes, averaged over the N samples.
    """
    for name, t in (("mean", mean), ("log_std", log_std), ("codes", codes)):
        if not isinstance(t, Tensor) or not t.is_floating_point():
            raise TypeError(f"{name} must be a float tensor of shape (N, L); got {type(t).__name__ if not isinstance(t, Tensor) else t.dtype}")
        if t.dim() != 2 or t.shape != mean.shape or len(t) == 0:
            raise ValueError(f"{name} must have shape (N, L) with N >= 1, like mean {tuple(mean.shape)}; got {tuple(t.shape)}")
    z = (codes - mean) * torch.exp(-log_std)  # (N, L): standardised error
    return (log_std + 0.5 * z.square() + 0.5 * math.log(2 * math.pi)).sum(1).mean()


def info_lower_bound(nll: Tensor, code_entropy: float) -> Tensor:
    r"""L_I(G, Q) = E[log Q(c | G(z, c))] + H(c) ≤ I(c; G(z, c))   (chapter 8, eq. "InfoGAN bound").

    nll: -E[log Q(c | x)], from :func:`info_categorical_nll` or :func:`info_gaussian_nll`
    (or their sum); code_entropy: H(c) in nats, log K for a uniform K-way code,
    L·log 2 for L codes uniform on [-1, 1] (a differential entropy).
    The bound is tight when Q(c | x) is the true posterior P(c | x).
    """
    if not isinstance(nll, Tensor):
        raise TypeError(f"nll must be a tensor (a mean negative log-likelihood); got {type(nll).__name__}")
    return checks.number(code_entropy, "code_entropy") - nll


def semi_supervised_d_loss(
    labelled_logits: Tensor, labels: Tensor, real_logits: Tensor, fake_logits: Tensor
) -> Tensor:
    r"""The K-class discriminator of Salimans et al. (2016)   (chapter 8, "Is a GAN a semi-supervised learner?").

    D outputs K class logits :math:`l_1..l_K` and the fake class K+1 implicitly, with
    logit 0, so that :math:`D(x) = Z(x)/(Z(x) + 1)` with :math:`Z(x) = \sum_k e^{l_k(x)}`:
    the real-vs-fake logit is :math:`t(x) = \log Z(x) = \operatorname{logsumexp}_k l_k(x)`.

    .. math::
        L_D = \underbrace{-\mathbb{E}_{(x,y)}\log \operatorname{softmax}(l(x))_y}_{\text{labelled}}
              \;\underbrace{- \mathbb{E}_x \log D(x) - \mathbb{E}_z \log(1 - D(G(z)))}_{\text{unlabelled}}.

    labelled_logits (N_l, K) and their labels (N_l,); real_logits (N, K) on unlabelled
    real images; fake_logits (M, K) on G's samples.
    """
    labelled_logits = _class_logits(labelled_logits, "labelled_logits")
    labels = _class_ids(labels, len(labelled_logits), "labels")
    real_logits = _class_logits(real_logits, "real_logits")
    fake_logits = _class_logits(fake_logits, "fake_logits")
    supervised = F.cross_entropy(labelled_logits, labels)
    return supervised + bce_d_loss(real_logits.logsumexp(1), fake_logits.logsumexp(1))


def feature_matching_g_loss(real_features: Tensor, fake_features: Tensor) -> Tensor:
    r"""L_G = ‖E_x f(x) − E_z f(G(z))‖²   (Salimans et al., 2016; chapter 8).

    f: an intermediate layer of D, (N, F) on real and (M, F) on generated images. G
    matches the data's mean features instead of fooling D's last layer.
    """
    for name, t in (("real_features", real_features), ("fake_features", fake_features)):
        if not isinstance(t, Tensor) or not t.is_floating_point():
            raise TypeError(f"{name} must be a float tensor of shape (N, F)")
        if t.dim() != 2 or len(t) == 0:
            raise ValueError(f"{name} must have shape (N, F) with N >= 1; got {tuple(t.shape)}")
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(f"real_features and fake_features must have the same width F; "
                         f"got {real_features.shape[1]} and {fake_features.shape[1]}")
    return (real_features.mean(0) - fake_features.mean(0)).square().sum()


# --- image-to-image translation (chapter 9) ------------------------------------------


def _check_images(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    """Two float tensors of the same shape, not empty (metadata only)."""
    checks.tensor(a, name_a)
    checks.tensor(b, name_b)
    checks.same_shape(a, b, name_a, name_b)


def l1_loss(target: Tensor, output: Tensor) -> Tensor:
    """L_L1 = E‖y − G(x)‖₁   (pix2pix eq. 3; chapter 9, "Is supervised translation alone blurry? (pix2pix)").

    target: the paired ground truth y; output: G(x); any shape, the same for both.
    The mean absolute error over all pixels (the per-pixel mean, as in pix2pix's code,
    so λ_L1 = 100 weighs it against the adversarial loss). L1 rather than L2: the
    minimiser is the per-pixel median, which blurs less than the mean.
    """
    _check_images(target, output, "target", "output")
    return (target - output).abs().mean()


def cycle_loss(x: Tensor, reconstruction: Tensor) -> Tensor:
    """L_cyc = E‖F(G(x)) − x‖₁   (CycleGAN eq. 2, one direction; chapter 9, "Can a GAN translate without pairs? (CycleGAN)").

    x: images of domain X; reconstruction: F(G(x)), the round trip X → Y → X. The caller
    adds the other direction, E‖G(F(y)) − y‖₁, and weighs the sum (λ = 10 in CycleGAN).
    """
    _check_images(x, reconstruction, "x", "reconstruction")
    return (reconstruction - x).abs().mean()


def identity_loss(y: Tensor, mapped: Tensor) -> Tensor:
    """L_identity = E‖G(y) − y‖₁   (CycleGAN §5.2, after Taigman et al. 2017; chapter 9).

    y: images already in G's target domain Y; mapped: G(y). G should leave them alone,
    which keeps colours from drifting (CycleGAN weighs it by 0.5 λ).
    """
    _check_images(y, mapped, "y", "mapped")
    return (mapped - y).abs().mean()


def domain_classification_loss(class_logits: Tensor, domains: Tensor) -> Tensor:
    r"""L_cls = E[−log D_cls(c | x)]   (StarGAN eqs. 2–3; chapter 9, "One generator for many domains? (StarGAN)").

    class_logits: D's auxiliary classifier's logits (N, K); domains: the domain c of each
    image, int64 (N,) in 0..K−1. D learns it on real images with their own domain (eq. 2);
    G is trained on it with its fakes G(x, c) and the *target* domain c (eq. 3). The
    cross-entropy of one K-way label (StarGAN uses a per-attribute binary cross-entropy
    for CelebA's multi-label attributes instead). Checks the range of ``domains``, which
    reads the values (a GPU sync): on a GPU an out-of-range id would otherwise end the
    process with a device assert.
    """
    class_logits = _class_logits(class_logits, "class_logits")
    domains = _class_ids(domains, len(class_logits), "domains")
    k = class_logits.shape[1]
    if int(domains.min()) < 0 or int(domains.max()) >= k:
        raise ValueError(f"domains must hold ids in 0..{k - 1} (class_logits has K={k} columns); "
                         f"got values in {int(domains.min())}..{int(domains.max())}")
    return F.cross_entropy(class_logits, domains)


# --- choose by name -------------------------------------------------------------------

_D_LOSSES = {
    "minimax": bce_d_loss,
    "nonsaturating": bce_d_loss,
    "wasserstein": wasserstein_d_loss,
    "hinge": hinge_d_loss,
    "lsgan": lsgan_d_loss,
}
_G_LOSSES = {
    "minimax": minimax_g_loss,
    "nonsaturating": nonsaturating_g_loss,
    "maxlikelihood": maxlikelihood_g_loss,
    "wasserstein": wasserstein_g_loss,
    "hinge": hinge_g_loss,
    "lsgan": lsgan_g_loss,
}


def d_loss(kind: str, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """The discriminator's (critic's) loss of the given kind; real logits first."""
    checks.choice(kind, "kind", tuple(_D_LOSSES))
    return _D_LOSSES[kind](real_logits, fake_logits)  # each loss checks its logits


def g_loss(kind: str, fake_logits: Tensor) -> Tensor:
    """The generator's loss of the given kind (``maxlikelihood`` allowed here)."""
    checks.choice(kind, "kind", tuple(_G_LOSSES))
    return _G_LOSSES[kind](fake_logits)
