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

==================  ==========================================  ====================
kind                generator cost :math:`J^{(G)}`                gradient when D wins
==================  ==========================================  ====================
``minimax``         :math:`\mathbb{E}_z \log(1 - D(G(z)))`        vanishes (saturates)
``nonsaturating``   :math:`-\mathbb{E}_z \log D(G(z))`            large
``maxlikelihood``   :math:`-\mathbb{E}_z \exp(\sigma^{-1}(D(G(z))))`  dominated by few samples
==================  ==========================================  ====================

Later chapters add the Wasserstein critic (chapter 6), the hinge loss (Lim & Ye,
2017; Miyato et al., 2018) and least squares (Mao et al., 2017). All take the
*real* logits first, then the *fake* ones.

Every loss checks its arguments' type, dtype and shape (one logit per sample, (N,) or
(N, 1); a float tensor; not empty) through :func:`check_logits` -- metadata only, no
GPU sync. It does not read the values: NaN in gives NaN out (the training loop checks
the loss at its logging steps).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import checks

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
