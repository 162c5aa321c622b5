r"""Autoencoders and variational autoencoders (chapter 3, "VAE vs GAN").

**An autoencoder** maps a data point through a short code and back:
:math:`z = e(x)`, :math:`\hat x = d(z)`, and is trained to make :math:`\hat x` close to
:math:`x`. Nothing in that objective says where the codes lie, so the decoder alone is
no generator: we do not know which :math:`z` to feed it (chapter 3, "Why can't the
decoder of a plain autoencoder generate?").

**A variational autoencoder** (Kingma & Welling, 2014; Rezende et al., 2014) makes the
code a latent variable with a fixed prior and the decoder a likelihood:

.. math::
    p(z) = \mathcal N(0, I), \qquad p_\theta(x) = \int p_\theta(x \mid z)\, p(z)\, dz.

The integral is intractable, so an *encoder* :math:`q_\phi(z \mid x) = \mathcal N(\mu_\phi(x),
\operatorname{diag}\sigma^2_\phi(x))` proposes codes, and the model is fitted by maximising
the evidence lower bound (chapter 3, eq. ``ch03-elbo``):

.. math::
    \log p_\theta(x) \;\ge\; \mathrm{ELBO}(x) =
    \mathbb E_{q_\phi(z\mid x)}[\log p_\theta(x \mid z)] - \mathrm{KL}(q_\phi(z\mid x)\,\Vert\,p(z)),

whose gap is :math:`\mathrm{KL}(q_\phi(z\mid x) \,\Vert\, p_\theta(z \mid x)) \ge 0`. The KL
term has a closed form (:func:`gaussian_kl`); the first term is estimated with one draw
:math:`z = \mu + \sigma \odot \varepsilon`, :math:`\varepsilon \sim \mathcal N(0, I)`
(:func:`reparameterize`), through which gradients reach :math:`\mu` and :math:`\sigma`.
With :math:`k` draws, the importance-weighted bound of Burda et al. (2016),
:func:`iwae_log_likelihood`, is tighter: :math:`\mathrm{ELBO} \le \mathrm{IWAE}_k \le
\mathrm{IWAE}_{k+1} \le \log p_\theta(x)` (in expectation).

**Which likelihood.** ``likelihood="bernoulli"`` (the default, for digits) reads a pixel
:math:`x_j \in [-1, 1]` as an ink probability :math:`y_j = (x_j + 1)/2` and gives the
decoder one logit :math:`\ell_j` per pixel:

.. math::
    \log p_\theta(x \mid z) = \sum_j y_j \log \sigma(\ell_j) + (1 - y_j) \log (1 - \sigma(\ell_j)).

On binary images this is the exact log-likelihood of independent Bernoulli pixels. On
grey levels it is *linear* in :math:`y`, so it equals the expected log-likelihood of
the binary image :math:`b_j \sim \mathrm{Bernoulli}(y_j)`: the model remains a proper
distribution (over binary images) and the ELBO bounds :math:`\mathbb E_b[\log p_\theta(b)]`.
The alternative, ``likelihood="gaussian"``,
:math:`\log p_\theta(x\mid z) = \sum_j \log \mathcal N(x_j; m_j(z), s_j^2)`, suits continuous
data (the toy sets of chapter 3); its :math:`s` is learned (one per dimension) or fixed,
and a fixed :math:`s` weighs the squared error by :math:`1/(2s^2)` against the KL term.

Shapes: a batch ``x`` is ````(N, *in_shape)````; codes are ``(N, z_dim)``; per-sample
quantities are ``(N,)``. Everything runs on the model's device.

Bad input: every function and model checks the type, float dtype and shape of its
tensors (TypeError / ValueError naming the argument). The ELBO's pieces and the models'
forward passes run on every training step and do not read values: NaN in gives NaN out.
The trainers check the data once before the first step: finite, and in [-1, 1] for a
Bernoulli decoder.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import data
from . import checks
from .checks import positive_int as _positive_int

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2 * math.pi)
DIGIT_SHAPE = (1, 28, 28)

# ---------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------


def _check_batch(x: Tensor, in_shape: tuple[int, ...], name: str = "x") -> Tensor:
    """A float batch ``(N, *in_shape)`` with N >= 1 (metadata only)."""
    return checks.batch(x, name, in_shape, nonempty=True)


def _check_gaussian(mu: Tensor, logvar: Tensor) -> None:
    checks.tensor(mu, "mu", nonempty=False, shape="(N, z_dim)")
    checks.tensor(logvar, "logvar", nonempty=False, shape="(N, z_dim)")
    checks.same_shape(mu, logvar, "mu", "logvar")
    if mu.dim() < 1:
        raise ValueError("mu and logvar must have shape (N, z_dim) or (z_dim,); got a 0-d tensor")


def _check_pixels(x: Tensor, name: str = "x") -> None:
    """Bernoulli data must lie in [-1, 1] (ganlib's pixel scale): reads the values, one sync."""
    checks.in_range(x, name, -1.0, 1.0, " (ganlib's pixel scale; the Bernoulli likelihood reads (x + 1)/2 "
                    "as the probability of ink): rescale pixels p in [0, 255] with p / 127.5 - 1")


def _mlp(in_dim: int, hidden: Sequence[int], out_dim: int) -> nn.Sequential:
    """Linear → ReLU → … → Linear, with the hidden widths given (none: one Linear layer)."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


# ---------------------------------------------------------------------------------------
# the pieces of the ELBO: one equation, one function
# ---------------------------------------------------------------------------------------


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    r"""KL(N(μ, diag σ²) ‖ N(0, I)) per sample, in closed form   (chapter 3, eq. ``ch03-kl``).

    .. math:: \mathrm{KL} = \tfrac12 \sum_{i=1}^{d} \big(\mu_i^2 + \sigma_i^2 - \log \sigma_i^2 - 1\big)

    mu, logvar: (N, d), with logvar = log σ². Returns (N,) in nats (a 1-d input gives a 0-d tensor).
    """
    _check_gaussian(mu, logvar)
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)  # (N,)


def reparameterize(
    mu: Tensor, logvar: Tensor, eps: Tensor | None = None, *, generator: torch.Generator | None = None
) -> Tensor:
    r"""z = μ + σ ⊙ ε with σ = exp(½ logvar), ε ~ N(0, I)   (chapter 3, eq. ``ch03-reparam``).

    The randomness sits in ε, outside the network, so ∂z/∂μ = 1 and ∂z/∂σ = ε: gradients
    of E_q[f(z)] pass through the sample. ``eps`` (same shape as mu) is drawn when not given.
    """
    _check_gaussian(mu, logvar)
    checks.generator(generator)
    if eps is None:
        eps = torch.randn(mu.shape, device=mu.device, dtype=mu.dtype, generator=generator)
    elif not isinstance(eps, Tensor) or not eps.is_floating_point():
        raise TypeError(f"eps must be a floating-point tensor of the shape of mu; got {type(eps).__name__}"
                        f"{' of dtype ' + str(eps.dtype) if isinstance(eps, Tensor) else ''}")
    elif eps.shape != mu.shape:
        raise ValueError(f"eps must have the shape of mu, {tuple(mu.shape)}; got {tuple(eps.shape)}")
    return mu + torch.exp(0.5 * logvar) * eps  # (N, d)


def standard_normal_log_prob(z: Tensor) -> Tensor:
    r"""log N(z; 0, I) = −½ Σ_i (z_i² + log 2π), summed over the last dimension: (..., d) → (...)."""
    checks.tensor(z, "z", nonempty=False, shape="(..., d)")
    if z.dim() == 0:
        raise ValueError("z must have at least one dimension (..., d); got a 0-d tensor")
    return -0.5 * (z.pow(2) + LOG_2PI).sum(-1)


def bernoulli_log_likelihood(x: Tensor, logits: Tensor) -> Tensor:
    r"""log p(x | z) = Σ_j y_j log σ(ℓ_j) + (1 − y_j) log(1 − σ(ℓ_j)), y = (x + 1)/2, per sample.

    x: data in [-1, 1], shape (N, ...); logits ℓ: the decoder's output, same shape. Computed
    as −BCE-with-logits (softplus inside: stable for large ``|ℓ|``). Returns (N,).

    Refuses x outside [-1, 1] (e.g. raw pixels in [0, 255]): that check reads x's values
    (one host sync). NaN in the logits gives NaN out.
    """
    checks.tensor(x, "x", dims=tuple(range(2, 8)), shape="(N, ...)")
    checks.tensor(logits, "logits", nonempty=False, shape="(N, ...)")
    checks.same_shape(x, logits, "x", "logits")
    _check_pixels(x)
    y = (x + 1) / 2  # ink probability in [0, 1]
    return -F.binary_cross_entropy_with_logits(logits, y, reduction="none").flatten(1).sum(1)  # (N,)


def gaussian_log_likelihood(x: Tensor, mean: Tensor, log_sigma: Tensor) -> Tensor:
    r"""log p(x | z) = Σ_j log N(x_j; m_j, s_j²) = −Σ_j [(x_j − m_j)² / (2 s_j²) + log s_j + ½ log 2π].

    x, mean: (N, ...); log_sigma: log s, broadcastable to x (one per dimension). Returns (N,).
    Checks types and shapes only: NaN in gives NaN out.
    """
    checks.tensor(x, "x", dims=tuple(range(2, 8)), shape="(N, ...)")
    checks.tensor(mean, "mean", nonempty=False, shape="(N, ...)")
    checks.same_shape(x, mean, "x", "mean")
    log_sigma = checks.tensor(log_sigma, "log_sigma", nonempty=False, shape="broadcastable to x")
    try:
        torch.broadcast_shapes(log_sigma.shape, x.shape)
    except RuntimeError:
        raise ValueError(f"log_sigma must be broadcastable to x {tuple(x.shape)}; got {tuple(log_sigma.shape)}") from None
    sq = ((x - mean) * torch.exp(-log_sigma)).pow(2)  # ((x − m)/s)²
    return -(0.5 * sq + log_sigma + 0.5 * LOG_2PI).flatten(1).sum(1)  # (N,)


# ---------------------------------------------------------------------------------------
# the models
# ---------------------------------------------------------------------------------------


class Autoencoder(nn.Module):
    r"""A plain autoencoder: z = e(x), logits ℓ = d(z), reconstruction x̂ = 2σ(ℓ) − 1.

    Trained (:func:`train_autoencoder`) by maximising the same Bernoulli term as the VAE,
    log p(x | z = e(x)): a VAE with no noise in the code and no KL term. in_shape is the
    shape of one data point; hidden the encoder's widths (the decoder uses them reversed).
    """

    def __init__(self, z_dim: int = 16, *, in_shape: int | Sequence[int] = DIGIT_SHAPE,
                 hidden: Sequence[int] = (512, 256)):
        super().__init__()
        self.z_dim = _positive_int(z_dim, "z_dim")
        self.in_shape = checks.as_shape(in_shape, "in_shape")
        hidden = checks.widths(hidden, "hidden")
        n_in = math.prod(self.in_shape)
        self.encoder = _mlp(n_in, hidden, self.z_dim)
        self.decoder = _mlp(self.z_dim, hidden[::-1], n_in)

    def encode(self, x: Tensor) -> Tensor:
        """z = e(x): ``(N, *in_shape)`` → (N, z_dim)."""
        _check_batch(x, self.in_shape)
        return self.encoder(x.flatten(1))

    def logits(self, z: Tensor) -> Tensor:
        """ℓ = d(z): (N, z_dim) → ``(N, *in_shape)``, one logit per pixel."""
        _check_batch(z, (self.z_dim,), "z")
        return self.decoder(z).view(len(z), *self.in_shape)

    def decode(self, z: Tensor) -> Tensor:
        """x̂ = 2σ(d(z)) − 1, in [-1, 1]: (N, z_dim) → ``(N, *in_shape)``."""
        return 2 * torch.sigmoid(self.logits(z)) - 1

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


class VAE(nn.Module):
    r"""A variational autoencoder with Gaussian encoder and Bernoulli or Gaussian decoder.

    Encoder: x ↦ (μ, log σ²) = split(MLP(x)), i.e. q(z | x) = N(μ, diag σ²), shape (N, z_dim) each.
    Decoder: z ↦ the parameters of p(x | z): logits (``"bernoulli"``) or means (``"gaussian"``),
    shape ``(N, *in_shape)``. For ``"gaussian"``, ``sigma=None`` learns log s (one per data
    dimension); a number fixes s. ``hidden=()`` makes both maps linear.
    """

    def __init__(self, z_dim: int = 16, *, in_shape: int | Sequence[int] = DIGIT_SHAPE,
                 hidden: Sequence[int] = (512, 256), likelihood: str = "bernoulli", sigma: float | None = None):
        super().__init__()
        checks.choice(likelihood, "likelihood", LIKELIHOODS)
        if sigma is not None:
            checks.positive(sigma, "sigma")
            if likelihood != "gaussian":
                raise ValueError(f"sigma must be None unless likelihood='gaussian'; got sigma={sigma!r}")
        self.z_dim = _positive_int(z_dim, "z_dim")
        self.in_shape = checks.as_shape(in_shape, "in_shape")
        self.likelihood = likelihood
        hidden = checks.widths(hidden, "hidden")
        n_in = math.prod(self.in_shape)
        self.encoder = _mlp(n_in, hidden, 2 * self.z_dim)  # → (μ, log σ²)
        self.decoder = _mlp(self.z_dim, hidden[::-1], n_in)  # → logits or means
        if likelihood == "gaussian":
            log_s = torch.zeros(self.in_shape) if sigma is None else torch.full(self.in_shape, math.log(sigma))
            if sigma is None:
                self.log_sigma = nn.Parameter(log_s)  # learned, one per data dimension
            else:
                self.register_buffer("log_sigma", log_s)  # fixed

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(μ, log σ²) of q(z | x): ``(N, *in_shape)`` → (N, z_dim), (N, z_dim)."""
        _check_batch(x, self.in_shape)
        mu, logvar = self.encoder(x.flatten(1)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: Tensor) -> Tensor:
        """The parameters of p(x | z), logits or means: (N, z_dim) → ``(N, *in_shape)``."""
        _check_batch(z, (self.z_dim,), "z")
        return self.decoder(z).view(len(z), *self.in_shape)

    def log_px_given_z(self, x: Tensor, z: Tensor) -> Tensor:
        """log p(x | z) per sample: x ``(N, *in_shape)``, z (N, z_dim) → (N,)."""
        return self.log_px_given_params(x, self.decode(z))

    def log_px_given_params(self, x: Tensor, params: Tensor) -> Tensor:
        """log p(x | z) from the decoder's output (logits or means) at z: both ``(N, *in_shape)`` → (N,)."""
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(x, params)
        return gaussian_log_likelihood(x, params, self.log_sigma)

    def mean(self, z: Tensor) -> Tensor:
        """E[x | z] in data units: 2σ(ℓ) − 1 (Bernoulli, in [-1, 1]) or the Gaussian mean m(z)."""
        params = self.decode(z)
        return 2 * torch.sigmoid(params) - 1 if self.likelihood == "bernoulli" else params

    def draw(self, z: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """One x ~ p(x | z): binary pixels 2b − 1 with b ~ Bernoulli(σ(ℓ)), or m(z) + s ⊙ ε."""
        params = self.decode(z)
        if self.likelihood == "bernoulli":
            u = torch.rand(params.shape, device=params.device, generator=generator)
            return 2 * (u < torch.sigmoid(params)).float() - 1
        eps = torch.randn(params.shape, device=params.device, generator=generator)
        return params + torch.exp(self.log_sigma) * eps

    def forward(self, x: Tensor) -> Tensor:
        """The reconstruction E[x | z = μ(x)]: decode the posterior mean."""
        mu, _ = self.encode(x)
        return self.mean(mu)


# ---------------------------------------------------------------------------------------
# bounds on log p(x)
# ---------------------------------------------------------------------------------------


class ElboTerms(NamedTuple):
    """Per-sample ELBO = reconstruction − kl, each (N,) in nats."""

    elbo: Tensor
    reconstruction: Tensor  # E_q[log p(x | z)], one-draw estimate
    kl: Tensor  # KL(q(z | x) ‖ p(z)), exact


def elbo(vae: VAE, x: Tensor, *, generator: torch.Generator | None = None) -> ElboTerms:
    r"""ELBO(x) = E_{q(z|x)}[log p(x|z)] − KL(q(z|x) ‖ p(z))   (chapter 3, eq. ``ch03-elbo``).

    The expectation is estimated with one reparameterised draw z = μ + σ ⊙ ε (unbiased, and
    differentiable in the encoder's and the decoder's parameters); the KL is exact
    (:func:`gaussian_kl`). x: ``(N, *in_shape)``. Returns :class:`ElboTerms`, each (N,).
    """
    checks.module(vae, "vae")
    checks.generator(generator)
    mu, logvar = vae.encode(x)  # (N, d), (N, d)
    z = reparameterize(mu, logvar, generator=generator)  # (N, d)
    reconstruction = vae.log_px_given_z(x, z)  # (N,)
    kl = gaussian_kl(mu, logvar)  # (N,)
    return ElboTerms(reconstruction - kl, reconstruction, kl)


def iwae_bound(vae: VAE, x: Tensor, k: int, *, generator: torch.Generator | None = None) -> Tensor:
    r"""IWAE_k(x) = log (1/k) Σ_{i=1}^k p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)   (chapter 3, eq. ``ch03-iwae``).

    Burda, Grosse & Salakhutdinov (2016): E[IWAE_1] = ELBO ≤ E[IWAE_k] ≤ E[IWAE_{k+1}] ≤ log p(x),
    and IWAE_k → log p(x) as k → ∞. Differentiable (usable as a training objective).
    x: ``(N, *in_shape)``. Returns (N,); memory grows as k·N decoder passes.
    """
    checks.module(vae, "vae")
    k = _positive_int(k, "k")
    checks.generator(generator)
    _check_batch(x, vae.in_shape)
    n = len(x)
    mu, logvar = vae.encode(x)  # (N, d), (N, d)
    eps = torch.randn((k, *mu.shape), device=mu.device, dtype=mu.dtype, generator=generator)  # (k, N, d)
    z = mu + torch.exp(0.5 * logvar) * eps  # (k, N, d)
    x_rep = x.unsqueeze(0).expand(k, *x.shape).reshape(k * n, *x.shape[1:])  # (k·N, ...)
    log_px_z = vae.log_px_given_z(x_rep, z.reshape(k * n, -1)).view(k, n)  # (k, N)
    log_pz = standard_normal_log_prob(z)  # (k, N)
    log_qz = -0.5 * (eps.pow(2) + logvar + LOG_2PI).sum(-1)  # log N(z; μ, σ²) at z = μ + σε: (k, N)
    log_w = log_px_z + log_pz - log_qz  # (k, N): log importance weights
    return torch.logsumexp(log_w, dim=0) - math.log(k)  # (N,)


@torch.no_grad()
def iwae_log_likelihood(vae: VAE, x: Tensor, k: int, *, max_pairs: int = 10_000,
                        generator: torch.Generator | None = None) -> Tensor:
    """IWAE_k estimate of log p(x) for every row of x, without gradients: (N,) on x's device.

    A stochastic lower bound: ELBO ≤ IWAE_k ≤ log p(x) in expectation (eq. ``ch03-iwae``).
    The rows go through in chunks of at most ``max_pairs // k``, so that no more than
    ``max_pairs`` (x, z_i) pairs are decoded at once.
    """
    checks.module(vae, "vae")
    k = _positive_int(k, "k")
    max_pairs = _positive_int(max_pairs, "max_pairs")
    _check_batch(x, vae.in_shape)
    x_dev = x.to(_device(vae))
    per_chunk = max(1, max_pairs // k)
    out = [iwae_bound(vae, x_dev[i : i + per_chunk], k, generator=generator) for i in range(0, len(x), per_chunk)]
    return torch.cat(out).to(x.device)


def log_marginal_quadrature(vae: VAE, x: Tensor, *, lim: float = 6.0, points: int = 1001,
                            chunk: int = 100_000) -> Tensor:
    r"""log p(x) = log ∫ p(x|z) p(z) dz by the midpoint rule on a grid over [−lim, lim]^d, d = z_dim ≤ 2.

    .. math:: \log p(x) \approx \log \sum_g p(x \mid z_g)\, p(z_g)\, \Delta z

    Exact up to the grid error (the prior's mass outside the box is < d·2e-9 for lim = 6), so
    it is the reference the bounds are compared with on toy models. Differentiable, so it can
    also be maximised directly (maximum likelihood); wrap it in ``torch.no_grad()`` to
    evaluate. ``chunk`` bounds the number of (x, z_g) pairs evaluated at once. Returns (N,).
    """
    checks.module(vae, "vae")
    if vae.z_dim > 2:
        raise ValueError(f"log_marginal_quadrature needs z_dim <= 2 (a grid in z); got z_dim={vae.z_dim}")
    lim = checks.positive(lim, "lim")
    points = _positive_int(points, "points")
    chunk = _positive_int(chunk, "chunk")
    _check_batch(x, vae.in_shape)
    device, dtype = _device(vae), next(vae.parameters()).dtype
    h = 2 * lim / points
    axis = -lim + h * (torch.arange(points, device=device, dtype=dtype) + 0.5)  # midpoints (points,)
    grid = axis[:, None] if vae.z_dim == 1 else torch.cartesian_prod(axis, axis)  # (G, d)
    n_grid = len(grid)
    log_prior = standard_normal_log_prob(grid) + vae.z_dim * math.log(h)  # log p(z_g) Δz: (G,)
    params = vae.decode(grid)  # (G, *in_shape): the decoder runs once per grid point
    x = x.to(device)
    out = []
    per_chunk = max(1, chunk // n_grid)
    for xc in x.split(per_chunk):  # (C, *in_shape)
        c = len(xc)
        x_pairs = xc.unsqueeze(1).expand(c, n_grid, *xc.shape[1:]).reshape(c * n_grid, *xc.shape[1:])
        p_pairs = params.unsqueeze(0).expand(c, *params.shape).reshape(c * n_grid, *params.shape[1:])
        log_lik = vae.log_px_given_params(x_pairs, p_pairs).view(c, n_grid)  # (C, G)
        out.append(torch.logsumexp(log_lik + log_prior, dim=1))  # (C,)
    return torch.cat(out)  # (N,)


# ---------------------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------------------


@torch.no_grad()
def sample(vae: VAE, n: int, *, mean: bool = True, z: Tensor | None = None,
           generator: torch.Generator | None = None) -> Tensor:
    """n samples of the model, on the CPU: z ~ p(z) = N(0, I) (or the given codes z), then x.

    mean=True returns the decoder's mean E[x | z] (what VAE papers usually show); mean=False
    draws x ~ p(x | z), which is what the model's distribution really is.
    """
    checks.module(vae, "vae")
    n = _positive_int(n, "n")
    checks.boolean(mean, "mean")
    checks.generator(generator)
    device = _device(vae)
    if z is None:
        z = torch.randn(n, vae.z_dim, device=device, generator=generator)  # (n, d)
    elif checks.tensor(z, "z", shape=f"({n}, {vae.z_dim})").shape != (n, vae.z_dim):
        raise ValueError(f"z must have shape ({n}, {vae.z_dim}); got {tuple(z.shape)}")
    z = z.to(device)
    x = vae.mean(z) if mean else vae.draw(z, generator=generator)
    return x.float().cpu()


# ---------------------------------------------------------------------------------------
# training loops: Adam on minibatches, a log of what happened
# ---------------------------------------------------------------------------------------


@dataclass
class FitHistory:
    """What a run recorded: ``log[key][i]`` is the mean over the steps up to ``log["step"][i]``."""

    log: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0  # wall-clock time of the run

    def last(self, key: str) -> float:
        return self.log[key][-1]


def _fit(model: nn.Module, x: Tensor, loss_terms, *, steps: int, batch_size: int, lr: float, seed: int,
         progress: bool, log_every: int, desc: str) -> FitHistory:
    """The loop shared by both trainers: batch, loss, Adam step, running means in the log."""
    steps, batch_size, log_every = (_positive_int(v, n) for v, n in
                                    ((steps, "steps"), (batch_size, "batch_size"), (log_every, "log_every")))
    lr = checks.positive(lr, "lr")
    seed = checks.nonnegative_int(seed, "seed")
    checks.boolean(progress, "progress")
    _check_batch(x, model.in_shape)
    checks.finite(x, "x")  # once, before training: NaN data would look like a diverged run
    if isinstance(model, Autoencoder) or getattr(model, "likelihood", None) == "bernoulli":
        _check_pixels(x)
    device = _device(model)
    x = x.to(device)
    rng = torch.Generator(device=device).manual_seed(seed)
    stream = data.batches(x, batch_size=min(batch_size, len(x)), generator=rng)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history, sums, count = FitHistory(log={"step": []}), {}, 0
    model.train()
    t0 = time.perf_counter()
    for step in tqdm(range(1, steps + 1), disable=not progress, desc=desc, leave=False):
        loss, terms = loss_terms(next(stream), rng)  # scalar, {name: scalar}
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        for key, value in terms.items():
            sums[key] = sums.get(key, 0.0) + value.detach()
        count += 1
        if step % log_every == 0 or step == steps:
            checks.finite_loss(loss.detach(), f"the {desc} loss", step)
            history.log["step"].append(step)
            for key, total in sums.items():
                history.log.setdefault(key, []).append((total / count).item())
            sums, count = {}, 0
    model.eval()
    history.seconds = time.perf_counter() - t0
    return history


def train_autoencoder(ae: Autoencoder, x: Tensor, *, steps: int, batch_size: int = 128, lr: float = 1e-3,
                      seed: int = 0, progress: bool = True, log_every: int = 50) -> FitHistory:
    """Fit a plain autoencoder: minimise −log p(x | z = e(x)) (the Bernoulli cross-entropy) with Adam.

    x: training data ``(N, *in_shape)`` in [-1, 1]; moved to the model's device. Logs
    ``reconstruction`` = mean log p(x | e(x)) in nats per data point.
    """
    checks.module(ae, "ae")

    def loss_terms(xb: Tensor, rng: torch.Generator):
        rec = bernoulli_log_likelihood(xb, ae.logits(ae.encode(xb)))  # (B,)
        return -rec.mean(), {"reconstruction": rec.mean()}

    return _fit(ae, x, loss_terms, steps=steps, batch_size=batch_size, lr=lr, seed=seed, progress=progress,
                log_every=log_every, desc="autoencoder")


OBJECTIVES = ("elbo", "iwae", "exact")


def train_vae(vae: VAE, x: Tensor, *, steps: int, batch_size: int = 128, lr: float = 1e-3, beta: float = 1.0,
              objective: str = "elbo", k: int = 16, seed: int = 0, progress: bool = True,
              log_every: int = 50) -> FitHistory:
    r"""Fit a VAE with Adam, maximising one of three objectives (chapter 3):

    * ``"elbo"``: E_q[log p(x|z)] − β KL(q(z|x) ‖ p(z)); β = 1 is the ELBO, other β the
      β-VAE of Higgins et al. (2017).
    * ``"iwae"``: the importance-weighted bound IWAE_k (Burda et al., 2016), tighter as k grows.
    * ``"exact"``: log p(x) itself by quadrature over z (:func:`log_marginal_quadrature`, 201
      points for z_dim = 1, 51² for z_dim = 2; no more): maximum likelihood; the encoder is unused.

    beta must be 1 unless the objective is ``"elbo"``. Logs ``elbo``, ``reconstruction`` and
    ``kl`` (nats per data point, running means of the one-draw estimates) and, for the other
    objectives, ``objective`` (its value). x must be finite, and in [-1, 1] for a Bernoulli
    decoder (checked once, before the first step).
    """
    checks.module(vae, "vae")
    checks.choice(objective, "objective", OBJECTIVES)
    beta = checks.nonnegative(beta, "beta")
    if objective != "elbo" and beta != 1:
        raise ValueError(f"beta must be 1 unless objective='elbo'; got beta={beta!r} with objective={objective!r}")
    k = _positive_int(k, "k")
    if objective == "exact" and vae.z_dim > 2:
        raise ValueError(f"objective='exact' needs z_dim <= 2 (quadrature over z); got z_dim={vae.z_dim}")

    def loss_terms(xb: Tensor, rng: torch.Generator):
        with torch.set_grad_enabled(objective == "elbo"):  # otherwise the ELBO is only logged
            terms = elbo(vae, xb, generator=rng)
        logs = {"elbo": terms.elbo.mean(), "reconstruction": terms.reconstruction.mean(), "kl": terms.kl.mean()}
        if objective == "elbo":
            return -(terms.reconstruction - beta * terms.kl).mean(), logs
        if objective == "iwae":
            value = iwae_bound(vae, xb, k, generator=rng).mean()
        else:
            value = log_marginal_quadrature(vae, xb, points=201 if vae.z_dim == 1 else 51).mean()
        return -value, {**logs, "objective": value}

    return _fit(vae, x, loss_terms, steps=steps, batch_size=batch_size, lr=lr, seed=seed, progress=progress,
                log_every=log_every, desc="vae")
