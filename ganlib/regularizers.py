r"""Regularisers for the discriminator: keep it smooth so the game can converge (chapters 6–7).

**Why a critic must be Lipschitz (chapter 6).** The Wasserstein-1 distance has the dual form
(Kantorovich–Rubinstein)

.. math::
    W_1(p_\text{data}, p_g) = \sup_{\|f\|_L \le 1}
        \mathbb{E}_{x\sim p_\text{data}}[f(x)] - \mathbb{E}_{\tilde x\sim p_g}[f(\tilde x)].

Without the constraint :math:`\|f\|_L \le 1` the supremum is infinite: the critic can
make the gap as large as it likes by scaling itself up, and its gradients (what the
generator learns from) say nothing about distance. Three ways to impose it, in the
order they appeared:

* **weight clipping** (Arjovsky et al., 2017): clamp every weight to :math:`[-c, c]`;
  crude — it bounds the Lipschitz constant by *some* K and pushes the critic towards
  very simple functions;
* **gradient penalty** (Gulrajani et al., 2017): penalise
  :math:`(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2` on points between real and fake
  samples, where the optimal critic has gradient norm 1;
* **spectral normalisation** (Miyato et al., 2018): divide each layer's weight by its
  largest singular value, so each layer, and hence the network (with 1-Lipschitz
  activations), is 1-Lipschitz.

**Why zero-centred penalties help convergence (chapter 7).** Near a Nash equilibrium
where :math:`p_g = p_\text{data}`, an unregularised discriminator can keep a non-zero
gradient on the data, and gradient descent on the game circles around the
equilibrium instead of reaching it (the Dirac-GAN, Mescheder et al., 2018). Penalising
the discriminator's gradient *on real data* towards **zero**,

.. math::
    R_1(\psi) = \frac{\gamma}{2}\,\mathbb{E}_{x\sim p_\text{data}}\|\nabla_x D_\psi(x)\|^2,

makes the equilibrium locally attractive: it damps the rotation. The WGAN-GP penalty
is centred at 1, not 0, and does not have this property in general.

Two older heuristics live here too: one-sided label smoothing (Salimans et al., 2016)
and instance noise (Sønderby et al., 2017; Arjovsky & Bottou, 2017), which blur
real and fake so that their supports overlap and D's gradients stay informative.

Every penalty is a pure function returning a scalar tensor to add to D's loss;
:func:`ganlib.train.train_gan` accepts them as ``d_penalty(D, real, fake)`` and
:func:`clip_weights` as ``after_d_step(D)``::

    from functools import partial
    train_gan(G, D, data, cfg, d_penalty=gradient_penalty)                    # WGAN-GP, λ = 10
    train_gan(G, D, data, cfg, d_penalty=partial(gradient_penalty, weight=1.0))
    train_gan(G, D, data, cfg, d_penalty=r1_d_penalty(weight=10.0))           # R1
    train_gan(G, D, data, cfg, after_d_step=partial(clip_weights, c=0.01))    # WGAN
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize

from . import checks, losses

Critic = Callable[[Tensor], Tensor]  # x (N, ...) ↦ scores (N,) or (N, 1)
SPECTRAL_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def _check_samples(x: Tensor, name: str) -> Tensor:
    """A float batch (N, ...) with N >= 1 and at least one feature dimension (metadata only)."""
    return checks.tensor(x, name, dims=tuple(range(2, 8)), shape="(N, ...)")


def _input_gradient(critic: Critic, x: Tensor) -> Tensor:
    """∇_x f(x), one gradient per sample, kept in the graph so the penalty trains f.

    x is detached first: the penalty constrains the critic and must not push on G.
    """
    x = x.detach().requires_grad_(True)  # (N, ...)
    scores = critic(x)  # (N,) or (N, 1)
    # Σ_n f(x_n) has ∂/∂x_n = ∇f(x_n): samples do not interact (no batch norm in a critic!).
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return grad  # (N, ...)


# --- chapter 6: making the critic Lipschitz -------------------------------------------


@torch.no_grad()
def clip_weights(module: nn.Module, c: float) -> nn.Module:
    """θ ← clip(θ, −c, c) for every parameter.

    See chapter 6, "Weight clipping: where do the weights end up, and what can the
    critic learn?"; Arjovsky et al. 2017.

    In place, after each critic update (``after_d_step=partial(clip_weights, c=0.01)``).
    Returns the module.
    """
    checks.module(module, "module")
    c = checks.number(c, "c", low=0, low_open=True, what="a finite number > 0 (the clipping bound)")
    for p in module.parameters():
        p.clamp_(-c, c)
    return module


def gradient_penalty(
    critic: Critic,
    real: Tensor,
    fake: Tensor,
    *,
    weight: float = 10.0,
    target: float = 1.0,
    one_sided: bool = False,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""λ E_x̂[(‖∇_x̂ f(x̂)‖₂ − 1)²], x̂ = ε x + (1 − ε) x̃, ε ~ U[0, 1].

    See chapter 6, "Weight clipping: where do the weights end up, and what can the
    critic learn?".

    WGAN-GP (Gulrajani et al., 2017): the optimal critic has gradient norm 1 on the
    straight lines between real and generated points, so we ask for it there. One ε
    per sample; the norm is taken per sample, over all non-batch dimensions.

    critic: f, maps (N, ...) to (N,) or (N, 1).
    real, fake: x and x̃, the same shape (N, ...).
    weight: λ (10 in the paper).   target: the norm asked for (1).

    one_sided: penalise only norms above the target, λ E[max(0, ‖∇f‖ − 1)²]
        (Petzka et al., 2018): a Lipschitz constraint, not an equality.

    generator: for ε, to make the penalty reproducible.

    The checks read only types and shapes (no GPU sync): NaN in the samples gives a NaN penalty.
    """
    checks.function(critic, "critic", "a callable critic f(x) (an nn.Module or a function)")
    real, fake = _check_samples(real, "real"), _check_samples(fake, "fake")
    checks.same_shape(real, fake, "real", "fake")
    weight = checks.nonnegative(weight, "weight")
    target = checks.nonnegative(target, "target")
    checks.boolean(one_sided, "one_sided")
    checks.generator(generator)
    eps_shape = (len(real),) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, generator=generator, device=real.device, dtype=real.dtype)  # (N, 1, ..., 1)
    mixed = eps * real.detach() + (1 - eps) * fake.detach()  # (N, ...): x̂ on the segment [x̃, x]
    grad = _input_gradient(critic, mixed)  # (N, ...)
    grad_norm = grad.flatten(1).norm(dim=1)  # (N,): one norm per sample
    gap = grad_norm - target  # (N,)
    if one_sided:
        gap = F.relu(gap)  # max(0, ‖∇f‖ − 1)
    return weight * (gap**2).mean()


def spectral_norm(module: nn.Module) -> nn.Module:
    """W ← W / σ_max(W) for every Linear, Conv2d and ConvTranspose2d.

    See chapter 6, "What is spectral normalisation?".

    Miyato et al. (2018). σ_max is estimated by one step of power iteration per forward
    pass in train mode (torch.nn.utils.parametrizations.spectral_norm); layers already
    normalised are left alone. In place; returns the module.
    """
    checks.module(module, "module")
    layers = [m for m in module.modules() if isinstance(m, SPECTRAL_LAYERS)]  # collect first, then modify
    for layer in layers:
        if not parametrize.is_parametrized(layer, "weight"):
            nn.utils.parametrizations.spectral_norm(layer)
    return module


@torch.no_grad()
def spectral_norms(module: nn.Module) -> dict[str, float]:
    """σ_max(W) of each Linear/Conv2d/ConvTranspose2d weight, by name (for plots; chapter 6).

    A convolution's weight (C_out, C_in, k, k) is read as the matrix (C_out, C_in·k·k),
    the matrix spectral normalisation divides by; for a transposed convolution,
    whose weight is (C_in, C_out, k, k), C_out comes first too.
    """
    checks.module(module, "module")
    out = {}
    modes = {m: m.training for m in module.modules()}
    module.eval()  # in train mode, reading a spectrally normalised weight would advance its power iteration
    try:
        for name, layer in module.named_modules():
            if isinstance(layer, SPECTRAL_LAYERS):
                W = layer.weight  # the normalised weight when spectral_norm was applied
                if isinstance(layer, nn.ConvTranspose2d):
                    W = W.transpose(0, 1)
                out[name] = torch.linalg.matrix_norm(W.flatten(1).float(), ord=2).item()  # largest singular value
    finally:
        for m, training in modes.items():  # restore each submodule's own mode
            m.training = training
    return out


# --- chapter 7: zero-centred penalties for convergence --------------------------------


def r1_penalty(critic: Critic, real: Tensor, *, weight: float = 10.0) -> Tensor:
    """R₁ = (γ/2) E_x~p_data[‖∇_x D(x)‖²].

    See chapter 7, "What is a Nash equilibrium, and does gradient descent find one?";
    Mescheder et al. 2018.

    critic: D (its logit), maps (N, ...) to (N,) or (N, 1).   weight: γ.
    Checks types and shapes only (no GPU sync): NaN in gives NaN out.
    """
    checks.function(critic, "critic", "a callable critic D(x) (an nn.Module or a function)")
    real = _check_samples(real, "real")
    weight = checks.nonnegative(weight, "weight")
    grad = _input_gradient(critic, real)  # (N, ...)
    return 0.5 * weight * grad.flatten(1).pow(2).sum(dim=1).mean()  # mean over samples of ‖∇D(x_n)‖²


def r2_penalty(critic: Critic, fake: Tensor, *, weight: float = 10.0) -> Tensor:
    """R₂ = (γ/2) E_x̃~p_g[‖∇_x̃ D(x̃)‖²].

    See chapter 7, "What is a Nash equilibrium, and does gradient descent find one?";
    Mescheder et al. 2018.

    Checks types and shapes only (no GPU sync): NaN in gives NaN out.
    """
    checks.function(critic, "critic", "a callable critic D(x) (an nn.Module or a function)")
    fake = _check_samples(fake, "fake")
    weight = checks.nonnegative(weight, "weight")
    grad = _input_gradient(critic, fake)  # (N, ...)
    return 0.5 * weight * grad.flatten(1).pow(2).sum(dim=1).mean()


class LazyR1:
    """R₁ weighted k·γ on every k-th call, 0 on the others (see :func:`r1_d_penalty`).

    It counts its calls; ``state_dict()``/``load_state_dict()`` carry the count, so that
    ``train_gan`` can keep it in a checkpoint and a resumed run applies the penalty on
    the same D steps as an uninterrupted one.
    """

    def __init__(self, weight: float, every: int):
        self.weight = checks.nonnegative(weight, "weight")
        self.every = checks.integer(every, "every", low=1, what="an int >= 1 (apply the penalty on every k-th D step)")
        self.calls = 0

    def __call__(self, D, real: Tensor, fake: Tensor) -> Tensor:
        self.calls += 1
        if (self.calls - 1) % self.every:
            return real.new_zeros(())
        return r1_penalty(D, real, weight=self.weight * self.every)

    def state_dict(self) -> dict:
        return {"calls": self.calls}

    def load_state_dict(self, state: dict) -> None:
        self.calls = int(state["calls"])


def r1_d_penalty(*, weight: float = 10.0, every: int = 1) -> Callable[[nn.Module, Tensor, Tensor], Tensor]:
    """R₁ as ``train_gan``'s ``d_penalty(D, real, fake)`` (the fakes are not used).

    every = k > 1: *lazy* regularisation (Karras et al. 2020): the penalty, weighted k·γ,
    is added on every k-th discriminator step only and is 0 on the others — the same
    average push for about 1/k of the penalty's cost (a double backward pass).
    """
    return LazyR1(weight, every)  # checks weight and every


def r2_d_penalty(*, weight: float = 10.0) -> Callable[[nn.Module, Tensor, Tensor], Tensor]:
    """R₂ as ``train_gan``'s ``d_penalty(D, real, fake)`` (the reals are not used)."""
    weight = checks.nonnegative(weight, "weight")
    return lambda D, real, fake: r2_penalty(D, fake, weight=weight)


# --- heuristics: label smoothing and instance noise -----------------------------------


def one_sided_smoothed_bce_d_loss(real_logits: Tensor, fake_logits: Tensor, *, real_target: float = 0.9) -> Tensor:
    """L_D = E_x[BCE(t(x), 0.9)] + E_z[BCE(t(G(z)), 0)].

    See chapter 7, "One-sided label smoothing"; Salimans et al. 2016.

    BCE(t, y) = −y log σ(t) − (1 − y) log(1 − σ(t)) = y·softplus(−t) + (1 − y)·softplus(t).
    Only the real targets are smoothed: smoothing the fake ones too would move D's
    optimum towards p_g where p_data is small and reward G for staying there.
    NaN in the logits gives NaN out (no value check on this hot path).
    """
    real_target = checks.number(real_target, "real_target", low=0, high=1, low_open=True, what="a number in (0, 1]")
    t_real = losses.check_logits("real_logits", real_logits)  # (N,)
    t_fake = losses.check_logits("fake_logits", fake_logits)  # (M,)
    real_term = real_target * F.softplus(-t_real) + (1 - real_target) * F.softplus(t_real)  # (N,)
    return real_term.mean() + F.softplus(t_fake).mean()


def instance_noise(x: Tensor, std: float, *, generator: torch.Generator | None = None) -> Tensor:
    """x + σ·ξ, ξ ~ N(0, I).

    See chapter 7, "What is a Nash equilibrium, and does gradient descent find one?";
    Sønderby et al. 2017, Arjovsky & Bottou 2017.

    Add to both real and fake inputs of D (often with σ annealed to 0): the noisy
    distributions overlap, so D cannot separate them perfectly and its gradient stays useful.
    x: any float tensor (an empty batch too). On this hot path only the type is checked:
    NaN in gives NaN out.
    """
    x = checks.tensor(x, "x", shape="(N, ...)", nonempty=False)
    std = checks.number(std, "std", low=0, what="a finite number >= 0 (the noise's standard deviation σ)")
    checks.generator(generator)
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)  # (N, ...)
    return x + std * noise
