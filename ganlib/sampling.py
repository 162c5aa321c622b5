r"""Sampling through a density ratio: discriminator rejection sampling (chapter 7).

**Rejection sampling.** To draw from a density :math:`p` with proposals from :math:`q`,
where :math:`p \le M q` everywhere, draw :math:`x \sim q` and keep it with probability
:math:`p(x) / (M q(x))`. The kept samples follow :math:`p` exactly, and on average
:math:`1/M` of the proposals are kept.

**The discriminator knows the ratio.** At the optimum,
:math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))` (chapter 2), so its logit is

.. math::
    t^*(x) = \log p_\text{data}(x) - \log p_g(x),

and keeping :math:`x \sim p_g` with probability :math:`e^{t(x) - M}`, with
:math:`M = \max_x t(x)`, is rejection sampling from :math:`p_\text{data}`: discriminator
rejection sampling (Azadi et al., 2019). It only re-weights what G makes; a mode G never
visits stays missing.

Two things decide whether it works in practice.

* **How good the ratio is.** The discriminator at the end of training is not
  :math:`D^*`: it chases a moving G, and a penalty such as R1 keeps it smooth on purpose.
  :func:`fit_density_ratio` trains a classifier *after* training, with G fixed and fresh
  real and generated samples at every step, so it can approach :math:`D^*` as closely as
  its capacity allows.
* **The bound M.** An estimated logit has outliers, and one large :math:`t` over a pool of
  proposals makes :math:`e^{t - M}` tiny for everything else. :func:`accept` can cap the
  ratio at a quantile :math:`q` of the pool's logits, :math:`M = t_{(q)}`, keeping each
  proposal with probability :math:`\min(1, e^{t - M})`. With ``cap_quantile=1`` (the
  maximum) this is plain rejection sampling; below 1 it keeps more samples and gives the
  proposals above the cap less weight than they should have (Azadi et al.'s shift
  :math:`\gamma` makes the same trade).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from . import checks, losses
from .checks import positive_int as _positive_int
from .train import LATENTS, sample_latent


def fit_density_ratio(
    classifier: nn.Module,
    G: Callable[[Tensor], Tensor],
    real: Tensor,
    *,
    steps: int,
    batch_size: int = 256,
    lr: float = 1e-3,
    z_dim: int | None = None,
    latent: str = "normal",
    generator: torch.Generator | None = None,
) -> list[float]:
    r"""Train ``classifier`` to tell ``real`` rows from G's samples; its logit then estimates
    :math:`\log p_\text{data}(x) / p_g(x)`.

    Each step draws ``batch_size`` rows of ``real`` and ``batch_size`` fresh samples
    :math:`G(z)`, and takes one Adam step (betas (0.5, 0.999), the learning rate falling
    linearly from ``lr`` to 0) on the logistic loss
    :math:`-\log \sigma(t(x)) - \log \sigma(-t(\tilde x))`, whose minimiser is
    :math:`t^*` above. G is not changed. Returns the loss of every step.

    classifier: maps (N, d) to logits (N,); G: maps (N, z_dim) to (N, d), with ``G.z_dim``
    or ``z_dim=`` giving the latent size; real: (n, d); generator: the random stream for
    the real rows and the latents (CPU). ``real`` must be finite (checked once).
    """
    checks.module(classifier, "classifier")
    checks.function(G, "G", "a callable generator G(z) (an nn.Module or a function)")
    steps = _positive_int(steps, "steps")
    batch_size = _positive_int(batch_size, "batch_size")
    lr = checks.positive(lr, "lr")
    real = checks.tensor(real, "real", dims=2, shape="(n, d)")
    checks.finite(real, "real")
    checks.choice(latent, "latent", LATENTS)
    checks.generator(generator)
    if z_dim is not None:
        z_dim = _positive_int(z_dim, "z_dim")
    z_dim = z_dim or getattr(G, "z_dim", None)
    if z_dim is None:
        raise ValueError("z_dim is needed: G has no z_dim attribute, so pass z_dim=")
    device = next(classifier.parameters()).device
    opt = torch.optim.Adam(classifier.parameters(), lr=lr, betas=(0.5, 0.999))
    history = []
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * (1 - step / steps)  # linear decay to 0
        x = real[torch.randint(len(real), (batch_size,), generator=generator)].to(device)
        with torch.no_grad():
            fake = G(sample_latent(batch_size, z_dim, kind=latent, generator=generator).to(device))
        loss = losses.d_loss("nonsaturating", classifier(x), classifier(fake))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history.append(loss.item())
    return history


def accept(log_ratio: Tensor, *, cap_quantile: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    r"""Which proposals to keep: proposal i is kept with probability :math:`\min(1, e^{t_i - M})`.

    log_ratio: the logits :math:`t` of a pool of proposals, shape (..., N); the last
    dimension is the pool (an ensemble's (S, N) logits get one M per member).
    :math:`M` is the ``cap_quantile`` quantile of the pool's logits: 1 (the default) takes
    the maximum, which is exact rejection sampling when :math:`t` is the true log ratio.
    Returns a boolean mask of the same shape as ``log_ratio``.
    """
    checks.tensor(log_ratio, "log_ratio", nonempty=False, shape="(..., N)")
    if log_ratio.dim() == 0 or log_ratio.shape[-1] == 0:
        raise ValueError(f"log_ratio must be a tensor of shape (..., N) with N >= 1 proposals; got {tuple(log_ratio.shape)}")
    if not torch.isfinite(log_ratio).all():
        raise ValueError("log_ratio must be finite")
    cap_quantile = checks.number(cap_quantile, "cap_quantile", low=0, high=1, low_open=True, what="a number in (0, 1]")
    checks.generator(generator)
    t = log_ratio.detach().float().cpu()
    M = torch.quantile(t, cap_quantile, dim=-1, keepdim=True)  # (..., 1)
    u = torch.rand(t.shape, generator=generator)
    return (u < torch.exp(t - M)).to(log_ratio.device)
