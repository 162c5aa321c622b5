"""One readable GAN training loop (chapter 2, "How is a GAN trained?").

The loop is Algorithm 1 of Goodfellow et al. (2014), with the generator cost and
optimiser left as choices::

    for each training step:
        for k steps:                                  # config.d_steps
            sample real x ~ p_data, noise z ~ p_z     # a minibatch of each
            update D by descending  L_D(t(x), t(G(z)))
        update G by descending  L_G(t(G(z)))          # D frozen; z from D's last step

:func:`d_step` and :func:`g_step` are the two updates, each a few lines; :func:`train_gan`
calls them in this loop.

Everything else in this file is bookkeeping a reader can skip on first reading:
a history of what happened (losses, D(x), D(G(z)), gradient norms), snapshots of
G's output on *fixed* noise (so pictures over training are comparable), a guard
that stops on NaN, and checkpoints from which an interrupted run resumes exactly
(the random generator and the data order are saved too, so a resumed run is
bit-for-bit the run that was interrupted).

The loop knows nothing of the task: networks, data and losses come in as
arguments; evaluation is the notebook's job (``callback``).
"""

from __future__ import annotations

import copy
import math
import numbers
import operator
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Callable

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import checks, losses, regularizers
from .runtime import autocast

LATENTS = ("normal", "uniform")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
LR_SCHEDULES = ("constant", "linear")


# ---- argument checks (wrong type: TypeError, wrong value: ValueError; both name the argument)


def _int(value, name: str, low: int = 1) -> int:
    """value as an int >= low (NumPy integers too; bools and floats are refused)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int >= {low}; got {value!r} ({type(value).__name__})") from None
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}")
    return value


def _real(value, name: str, what: str, ok: Callable[[float], bool]) -> float:
    """value as a finite float for which ok(value) holds; ``what`` says what is expected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}; got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and ok(value)):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return float(value)


def _check_betas(betas) -> tuple[float, float]:
    """Adam's (β1, β2) as a tuple of floats, each in [0, 1); errors name ``betas``."""
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"betas must be a pair (β1, β2) of numbers in [0, 1); got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (β1, β2) of numbers in [0, 1); got {betas!r}")
    return tuple(_real(b, f"betas[{i}]", "a number in [0, 1) (Adam's β)", lambda v: 0 <= v < 1)
                 for i, b in enumerate(betas))


def _choice(value, name: str, choices: tuple) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}; got {value!r} ({type(value).__name__})")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def lr_factor(schedule: str, step: int, steps: int) -> float:
    """The learning rate of step t (1-based) is lr · factor: 1, or 1 − (t − 1)/T for "linear"."""
    checks.choice(schedule, "schedule", LR_SCHEDULES)
    steps = checks.positive_int(steps, "steps")
    step = checks.integer(step, "step", low=1, what=f"an int in [1, steps={steps}]")
    if step > steps:
        raise ValueError(f"step must be an int in [1, steps={steps}]; got {step}")
    return 1.0 if schedule == "constant" else 1.0 - (step - 1) / steps


def sample_latent(
    n: int, z_dim: int, *, kind: str = "normal", device=None, generator: torch.Generator | None = None
) -> Tensor:
    """Noise z ~ p_z: standard normal N(0, I) or uniform U[-1, 1]^d. Shape (n, z_dim)."""
    n, z_dim = _int(n, "n"), _int(z_dim, "z_dim")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None; got {type(generator).__name__}")
    if kind == "normal":
        return torch.randn(n, z_dim, device=device, generator=generator)
    if kind == "uniform":
        return torch.rand(n, z_dim, device=device, generator=generator) * 2 - 1
    _choice(kind, "kind (the latent distribution)", LATENTS)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run, in one place.

    steps: generator updates; each is preceded by ``d_steps`` discriminator updates.
    loss: one of :data:`ganlib.losses.KINDS` (G may also use ``"maxlikelihood"`` via ``g_loss_kind``).
    """

    steps: int
    z_dim: int
    batch_size: int = 64
    loss: str = "nonsaturating"
    g_loss_kind: str | None = None  # defaults to ``loss``
    d_steps: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    optimizer: str = "adam"
    latent: str = "normal"
    log_every: int = 10
    snapshot_every: int = 0  # 0: only at the start and the end
    n_fixed: int = 64  # how many fixed-noise samples each snapshot holds
    checkpoint_every: int = 0  # 0: only at the end (when a checkpoint path is given)
    seed: int = 0
    # --- tricks (chapter 7); the defaults switch them off ---------------------------------
    label_smoothing: float = 0.0  # α: D's real target is 1 − α (one-sided; BCE losses only)
    instance_noise: float = 0.0  # σ: D sees x + σξ and G(z) + σξ', ξ, ξ' ~ N(0, I)
    ema: float = 0.0  # β: if > 0, History.G_ema holds θ_ema ← β θ_ema + (1 − β) θ_G after each G step
    lr_schedule: str = "constant"  # or "linear": both learning rates fall linearly to 0 at the last step

    def __post_init__(self):  # every field checked here, so a bad run fails before it starts
        for name in ("steps", "z_dim", "batch_size", "d_steps", "log_every", "n_fixed"):
            _int(getattr(self, name), name, low=1)
        for name in ("snapshot_every", "checkpoint_every", "seed"):
            _int(getattr(self, name), name, low=0)
        _choice(self.loss, "loss", losses.KINDS)
        if self.g_loss_kind is not None:
            _choice(self.g_loss_kind, "g_loss_kind", losses.KINDS + losses.G_ONLY_KINDS)
        _choice(self.latent, "latent", LATENTS)
        _choice(self.optimizer, "optimizer", OPTIMIZERS)
        _choice(self.lr_schedule, "lr_schedule", LR_SCHEDULES)
        for name in ("lr_g", "lr_d"):
            _real(getattr(self, name), name, "a finite number > 0 (a learning rate)", lambda v: v > 0)
        object.__setattr__(self, "betas", _check_betas(self.betas))  # a list becomes a tuple (the config is frozen)
        _real(self.label_smoothing, "label_smoothing (α, real target 1 − α)", "in [0, 0.5)", lambda v: 0 <= v < 0.5)
        if self.label_smoothing and self.loss not in ("minimax", "nonsaturating"):
            raise ValueError(
                f"label_smoothing needs a cross-entropy loss ('minimax' or 'nonsaturating'); got loss={self.loss!r}"
            )
        _real(self.instance_noise, "instance_noise (a standard deviation)", "a number >= 0", lambda v: v >= 0)
        _real(self.ema, "ema (the averaging rate β)", "in [0, 1)", lambda v: 0 <= v < 1)


@dataclass
class History:
    """What a run recorded. ``log[key][i]`` belongs to generator step ``log["step"][i]``."""

    log: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("step", "d_loss", "g_loss", "d_real", "d_fake", "grad_d", "grad_g")}
    )
    snapshots: list[tuple[int, Tensor]] = field(default_factory=list)  # (step, G(fixed z) on the CPU)
    fixed_z: Tensor | None = None  # the noise behind every snapshot
    G: nn.Module | None = None
    D: nn.Module | None = None
    G_ema: nn.Module | None = None  # the weight average of G when config.ema > 0
    seconds: float = 0.0  # wall-clock time of this call (not of earlier, resumed parts)

    def last(self, key: str) -> float:
        return self.log[key][-1]


def make_optimizer(params, kind: str, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    """Adam (the DCGAN default, β = (0.5, 0.999)), RMSProp (WGAN) or plain SGD."""
    lr = checks.positive(lr, "lr")
    kind = checks.choice(kind, "kind", OPTIMIZERS)
    params = list(params)
    if not params:
        raise ValueError("params must hold at least one parameter (e.g. G.parameters()); got none")
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise TypeError(f"betas must be a pair (β1, β2) of numbers in [0, 1); got {betas!r}")
    betas = tuple(checks.number(b, "betas", low=0, high=1, high_open=True) for b in betas)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {kind!r}")


def grad_norm(module: nn.Module) -> float:
    """‖∇θ L‖₂ over all of the module's parameters (after ``backward``)."""
    checks.module(module, "module")
    squares = [p.grad.pow(2).sum() for p in module.parameters() if p.grad is not None]
    return math.sqrt(torch.stack(squares).sum().item()) if squares else 0.0


class _Batches:
    """Minibatches of a tensor that stays on its device: a fresh permutation each epoch.

    Its state (the permutation and the position in it) is part of a checkpoint.
    """

    def __init__(self, data: Tensor, batch_size: int, generator: torch.Generator):
        if batch_size > len(data):
            raise ValueError(f"batch_size ({batch_size}) must not exceed the number of real samples ({len(data)})")
        self.data, self.batch_size, self.generator = data, batch_size, generator
        self.order = torch.randperm(len(data), device=data.device, generator=generator)
        self.pos = 0

    def next_indices(self) -> Tensor:
        if self.pos + self.batch_size > len(self.data):  # epoch over: reshuffle
            self.order = torch.randperm(len(self.data), device=self.data.device, generator=self.generator)
            self.pos = 0
        idx = self.order[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return idx  # (B,)

    def next(self) -> Tensor:
        return self.data[self.next_indices()]  # (B, ...)


def _check_finite_data(real: Tensor) -> None:
    """NaN or ±inf in the training data would look like a divergence later: say so now (one sync)."""
    bad = ~torch.isfinite(real.flatten(1) if real.dim() > 1 else real[:, None]).all(dim=1)  # (N,)
    if bad.any():
        rows = bad.nonzero().flatten()
        raise ValueError(f"real (the training data) has NaN or inf values in {len(rows)} of its {len(real)} rows "
                         f"(the first is row {int(rows[0])}); clean or drop those rows before training")


def _check_labels(labels: Tensor | None, real: Tensor, G: nn.Module, D: nn.Module) -> None:
    nets = {"G": getattr(G, "n_classes", 0), "D": getattr(D, "n_classes", 0)}
    if labels is None:
        for name, k in nets.items():
            if k:
                raise ValueError(f"{name} is conditional (n_classes={k}): pass labels=y, the classes of the real rows")
        return
    if not isinstance(labels, Tensor) or labels.dtype != torch.long or labels.shape != (len(real),):
        got = f"{tuple(labels.shape)} {labels.dtype}" if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"labels must be an int64 tensor of shape ({len(real)},), one class per real row; got {got}")
    for name, k in nets.items():
        if not k:
            raise ValueError(f"labels were given but {name} is unconditional (n_classes=0)")
        if int(labels.min()) < 0 or int(labels.max()) >= k:
            raise ValueError(f"labels must lie in 0..{k - 1} ({name} has n_classes={k}); "
                             f"got {int(labels.min())}..{int(labels.max())}")


@torch.no_grad()
def update_ema(average: nn.Module, model: nn.Module, beta: float) -> None:
    """θ_avg ← β θ_avg + (1 − β) θ   for every parameter; buffers (BN statistics) are copied."""
    checks.module(average, "average")
    checks.module(model, "model")
    beta = checks.number(beta, "beta", low=0, high=1, high_open=True)
    params_avg, params = list(average.parameters()), list(model.parameters())
    if [p.shape for p in params_avg] != [p.shape for p in params]:
        raise ValueError("model must have the same parameters (number and shapes) as average, "
                         "its moving average (a deepcopy of it)")
    for p_avg, p in zip(params_avg, params):
        p_avg.lerp_(p, 1 - beta)
    for b_avg, b in zip(average.buffers(), model.buffers()):
        b_avg.copy_(b)


class _FirstNonFinite:
    """The first step at which a loss became NaN or ±inf, remembered on the loss's device.

    ``update`` runs every step without a host sync (it only queues tensor operations on
    the GPU); ``check`` reads the result, a sync, at the logging steps only.
    """

    def __init__(self, what: str, device: torch.device):
        self.what = what
        self.step = torch.zeros((), dtype=torch.long, device=device)  # 0: every loss finite so far
        self.value = torch.zeros((), device=device)

    def update(self, loss: Tensor, step: int) -> None:
        loss = loss.detach().float()
        first = (self.step == 0) & ~torch.isfinite(loss)
        self.step = torch.where(first, step, self.step)
        self.value = torch.where(first, loss, self.value)

    def check(self, now: int) -> None:
        step = int(self.step)
        if step:
            raise FloatingPointError(
                f"{self.what} became {self.value.item()} at step {step} (seen at step {now}): training diverged. "
                "Try a smaller learning rate, another loss, or a regulariser (chapter 6)."
            )


def d_step(G, D, opt_d, x, z, *, d_loss, cond=(), see=nn.Identity(),
           penalty=None):
    """One update of the discriminator (Algorithm 1, the inner loop):

        θ_D ← θ_D − η ∇θ_D L_D(t(x), t(G(z)))

    x: real minibatch (B, ...); z: noise (B, z_dim); d_loss(t(x), t(G(z)));
    cond: () or (y,) for conditional nets; see: what D is shown (x, or
    x plus instance noise); penalty(D, x, fake): a regulariser (chapter 6).
    Returns L_D, t(x), t(G(z)) and G(z), still attached to G for g_step.
    """
    with autocast(x.device):
        fake = G(z, *cond)  # (B, ...)
        real_logits = D(see(x), *cond)  # (B,)
        fake_logits = D(see(fake.detach()), *cond)  # (B,): no grad into G
        loss = d_loss(real_logits, fake_logits)
        if penalty is not None:  # the penalty sees a critic x ↦ t(x, y)
            critic = D if not cond else (lambda inp: D(inp, *cond))
            loss = loss + penalty(critic, x, fake)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return loss, real_logits, fake_logits, fake


@contextmanager
def frozen(*modules: nn.Module):
    """Inside the block the modules' parameters do not require gradients: a loss computed
    through them (G's loss through D) sends its gradient *through* them to what came
    before, and leaves their own ``.grad`` alone. Each parameter gets its own flag back
    afterwards, also when the block raises. Use: ``with frozen(D): loss = g_loss(D(fake))``.
    """
    for i, m in enumerate(modules):
        checks.module(m, f"modules[{i}]")
    params = [p for m in modules for p in m.parameters()]
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)


def g_step(D, opt_g, fake, *, g_loss, cond=(), see=nn.Identity()):
    """One update of the generator, D frozen (Algorithm 1, the outer step):

        θ_G ← θ_G − η ∇θ_G L_G(t(G(z)))

    fake: G(z) (B, ...), still attached to G's graph (d_step returns it);
    g_loss(t(G(z))). Returns L_G.
    """
    with frozen(D), autocast(fake.device):  # the gradient flows through D; D stays put
        loss = g_loss(D(see(fake), *cond))  # L_G(t(G(z)))
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return loss


def train_gan(
    G: nn.Module,
    D: nn.Module,
    real: Tensor,
    config: TrainConfig,
    *,
    checkpoint: str | os.PathLike | None = None,
    progress: bool = True,
    callback: Callable[[int, History], None] | None = None,
    d_penalty: Callable[[nn.Module, Tensor, Tensor], Tensor] | None = None,
    after_d_step: Callable[[nn.Module], None] | None = None,
    labels: Tensor | None = None,
    snapshot_train_mode: bool = False,
    channels_last: bool = True,
) -> History:
    """Train G against D on the rows of ``real`` and return the :class:`History`.

    real: the training set, shape (N, ...) — moved to G's device once and batched there.

    checkpoint: a file path; if it exists the run resumes from it, and it is rewritten
        every ``config.checkpoint_every`` steps and at the end.

    callback(step, history): called at every logging step (for live plots, early stops).

    d_penalty(D, real, fake): a term added to D's loss (e.g. a gradient penalty, chapter 6). If it
        has ``state_dict``/``load_state_dict`` (lazy R1 counts its calls), that state is checkpointed.

    after_d_step(D): called after each D update (e.g. weight clipping, chapter 6).

    labels: class labels (N,) of the rows of ``real``, for conditional nets (n_classes > 0):
        G(z, y) and D(x, y) are called with y the labels of the real minibatch, so the
        fake batch has the data's class frequencies. Snapshots cycle through the classes.
    snapshot_train_mode: snapshots are taken with G in eval mode (False, the default: batch
        norm's running statistics are used and not changed, so a snapshot does not alter the
        run) or in training mode (True). G is back in its training mode afterwards.
    channels_last: for image data (4-D ``real``), move G, D and the data to the channels-last
        memory layout (N, H, W, C in memory), which runs convolutions faster on CPUs and GPUs
        alike. The values are the same; G and D *stay* channels-last after this call returns
        (``G.to(memory_format=torch.contiguous_format)`` undoes it). False leaves layouts alone.

    The tricks of chapter 7 are switched on in ``config``: one-sided label smoothing,
    instance noise and an exponential moving average of G's weights (``history.G_ema``).
    """
    checks.module(G, "G")
    checks.module(D, "D")
    checks.boolean(progress, "progress")
    if not isinstance(real, Tensor):
        raise TypeError(f"real must be a torch.Tensor of training samples; got {type(real).__name__}")
    if not real.is_floating_point():
        raise TypeError(f"real must be a floating-point tensor (e.g. real.float(), scaled like G's output); "
                        f"got dtype {real.dtype}")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    _check_labels(labels, real, G, D)
    if not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True or False; got {channels_last!r}")
    if checkpoint is not None:
        _check_checkpoint_path(checkpoint)  # before step 1, not at the first save
    device = next(G.parameters()).device
    real = real.to(device)
    _check_finite_data(real)  # once, before training: NaN in the data is not a divergence
    labels = labels.to(device) if labels is not None else None
    if channels_last and real.dim() == 4:  # images: see the docstring; G and D stay so afterwards
        G.to(memory_format=torch.channels_last)
        D.to(memory_format=torch.channels_last)
        real = real.contiguous(memory_format=torch.channels_last)
    rng = torch.Generator(device=device).manual_seed(config.seed)
    batches = _Batches(real, config.batch_size, rng)
    fixed_z = sample_latent(config.n_fixed, config.z_dim, kind=config.latent, device=device, generator=rng)
    fixed_y = None if labels is None else torch.arange(config.n_fixed, device=device) % G.n_classes  # (n_fixed,)
    G_ema = copy.deepcopy(G).requires_grad_(False) if config.ema > 0 else None
    opt_g = make_optimizer(G.parameters(), config.optimizer, config.lr_g, config.betas)
    opt_d = make_optimizer(D.parameters(), config.optimizer, config.lr_d, config.betas)
    g_kind = config.g_loss_kind or config.loss
    history, start = History(G=G, D=D, G_ema=G_ema), 0

    if checkpoint is not None and os.path.exists(checkpoint):
        start = _load_checkpoint(checkpoint, G, D, opt_g, opt_d, rng, batches, history, config, G_ema, d_penalty)
        fixed_z = history.fixed_z
    else:
        history.fixed_z = fixed_z
        _snapshot(G, fixed_z, 0, history, fixed_y, snapshot_train_mode)
    if history.snapshots:  # G(fixed z), shape (n_fixed, ...): G's samples look like real's rows?
        sample_shape = tuple(history.snapshots[-1][1].shape[1:])
        if sample_shape != tuple(real.shape[1:]):
            raise ValueError(f"real must hold samples shaped like G's output {sample_shape}; "
                             f"got rows of shape {tuple(real.shape[1:])}")

    def z_batch() -> Tensor:  # z ~ p_z, a minibatch
        return sample_latent(config.batch_size, config.z_dim, kind=config.latent, device=device, generator=rng)

    def noisy(x: Tensor) -> Tensor:  # what D sees: x itself, or x + σξ with instance noise
        if not config.instance_noise:
            return x
        return x + config.instance_noise * torch.randn(x.shape, device=device, generator=rng, dtype=x.dtype)

    def d_loss_of(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        if config.label_smoothing:  # one-sided: only the real target moves, to 1 − α
            return regularizers.one_sided_smoothed_bce_d_loss(
                real_logits, fake_logits, real_target=1 - config.label_smoothing
            )
        return losses.d_loss(config.loss, real_logits, fake_logits)

    nan_d = _FirstNonFinite(f"the discriminator loss ({config.loss})", device)
    nan_g = _FirstNonFinite(f"the generator loss ({g_kind})", device)

    t0 = time.perf_counter()
    bar = tqdm(total=config.steps, initial=start, disable=not progress, desc="training", leave=False)
    for step in range(start + 1, config.steps + 1):
        if config.lr_schedule != "constant":  # a function of the step alone, so a resumed run agrees
            factor = lr_factor(config.lr_schedule, step, config.steps)
            for opt, lr in ((opt_d, config.lr_d), (opt_g, config.lr_g)):
                for group in opt.param_groups:
                    group["lr"] = lr * factor
        # ---- k discriminator steps, then one generator step (Algorithm 1) ---------------
        for _ in range(config.d_steps):
            idx = batches.next_indices()
            cond = () if labels is None else (labels[idx],)  # fakes get the real batch's classes
            loss_d, real_logits, fake_logits, fake = d_step(
                G, D, opt_d, real[idx], z_batch(), d_loss=d_loss_of, cond=cond, see=noisy, penalty=d_penalty
            )
            nan_d.update(loss_d, step)
            if after_d_step is not None:
                after_d_step(D)
        # G's step reuses the fake batch of D's last step (as the PyTorch DCGAN example
        # does): a fresh z would be as good and cost one more forward pass of G.
        loss_g = g_step(D, opt_g, fake, g_loss=partial(losses.g_loss, g_kind), cond=cond, see=noisy)
        nan_g.update(loss_g, step)
        if G_ema is not None:
            update_ema(G_ema, G, config.ema)

        # ---- bookkeeping ----------------------------------------------------------------
        log_now = step % config.log_every == 0 or step == config.steps
        save_now = checkpoint is not None and (
            (config.checkpoint_every and step % config.checkpoint_every == 0) or step == config.steps
        )
        if log_now or save_now:  # a host sync: only here, and never a checkpoint of a diverged run
            first = min((nan_d, nan_g), key=lambda w: int(w.step) or math.inf)  # the earlier one; D first
            first.check(step)
        if log_now:
            _log(history, step, loss_d, loss_g, real_logits, fake_logits, D, G)
            bar.set_postfix(d_loss=f"{history.last('d_loss'):.3f}", g_loss=f"{history.last('g_loss'):.3f}")
            if callback is not None:
                callback(step, history)
        if (config.snapshot_every and step % config.snapshot_every == 0) or step == config.steps:
            _snapshot(G, fixed_z, step, history, fixed_y, snapshot_train_mode)
        if save_now:
            _save_checkpoint(checkpoint, step, G, D, opt_g, opt_d, rng, batches, history, config, G_ema, d_penalty)
        bar.update(1)
    bar.close()
    history.seconds = time.perf_counter() - t0
    return history


def _log(history, step, loss_d, loss_g, real_logits, fake_logits, D, G) -> None:
    log = history.log
    log["step"].append(step)
    log["d_loss"].append(loss_d.item())
    log["g_loss"].append(loss_g.item())
    log["d_real"].append(torch.sigmoid(real_logits.float()).mean().item())  # mean D(x)
    log["d_fake"].append(torch.sigmoid(fake_logits.float()).mean().item())  # mean D(G(z)) before G's step
    log["grad_d"].append(grad_norm(D))  # D's gradient from its last step
    log["grad_g"].append(grad_norm(G))


@contextmanager
def sampling_mode(G: nn.Module, train_mode: bool = False):
    """Run G in eval mode (``train_mode=False``) or train mode inside the block; restore after.

    In eval mode batch norm normalises with its running statistics and leaves them alone,
    so sampling does not change G. In train mode it normalises each batch with the batch's
    own statistics (as during training) and moves its running statistics.
    Every submodule gets its own previous mode back.
    """
    checks.module(G, "G")
    checks.boolean(train_mode, "train_mode")
    modes = [m.training for m in G.modules()]
    G.train(train_mode)
    try:
        yield G
    finally:
        for m, mode in zip(G.modules(), modes):
            m.training = mode


@torch.no_grad()
def _snapshot(G: nn.Module, fixed_z: Tensor, step: int, history: History, fixed_y: Tensor | None = None,
              train_mode: bool = False) -> None:
    if history.snapshots and history.snapshots[-1][0] == step:
        return
    cond = () if fixed_y is None else (fixed_y,)
    with sampling_mode(G, train_mode):
        history.snapshots.append((step, G(fixed_z, *cond).float().cpu()))


@torch.no_grad()
def generate(G: nn.Module, n: int, *, z_dim: int | None = None, latent: str = "normal", batch_size: int = 1000,
             generator: torch.Generator | None = None, labels: Tensor | None = None,
             train_mode: bool = False) -> Tensor:
    """n samples G(z), z ~ p_z, computed in batches and returned on the CPU.

    labels: for a conditional G, the class of each sample, shape (n,).

    train_mode: False (the default) samples with G in eval mode, so batch norm uses its
        running statistics and sampling leaves G unchanged; True samples in training mode
        (each batch normalised with its own statistics, running statistics updated), as
        chapter 7 does on purpose. G's previous mode is restored either way.
    """
    if not isinstance(G, nn.Module):
        raise TypeError(f"G must be an nn.Module (a generator); got {type(G).__name__}")
    n, batch_size = _int(n, "n"), _int(batch_size, "batch_size")
    if z_dim is None:
        if not hasattr(G, "z_dim"):
            raise ValueError("z_dim must be given: G has no z_dim attribute to read it from")
        z_dim = G.z_dim
    z_dim = _int(z_dim, "z_dim")
    _choice(latent, "latent", LATENTS)
    device = next(G.parameters()).device
    if labels is not None:
        if not isinstance(labels, Tensor) or labels.shape != (n,):
            raise ValueError(f"labels must be a tensor of shape ({n},), one class per sample")
        labels = labels.to(device)
    out = []
    for start in range(0, n, batch_size):
        z = sample_latent(min(batch_size, n - start), z_dim, kind=latent, device=device, generator=generator)
        cond = () if labels is None else (labels[start : start + len(z)],)
        with sampling_mode(G, train_mode):
            out.append(G(z, *cond).float().cpu())
    return torch.cat(out)


# ---- checkpoints: everything needed to continue exactly ----------------------------------

CHECKPOINT_KEYS = ("step", "config", "G", "D", "opt_g", "opt_d", "rng", "order", "pos", "log", "fixed_z")


def _check_checkpoint_path(path) -> None:
    """Fail before training if the checkpoint could not be written at the end of the run."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a file path (str or os.PathLike) or None; got {type(path).__name__}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"checkpoint {path!r} is a directory; give a file path inside it, e.g. {path}/run.pt")
    if not os.path.isdir(folder):
        raise ValueError(f"checkpoint {path!r}: its directory {folder!r} does not exist; "
                         f"create it first (os.makedirs({folder!r}, exist_ok=True)) or choose another path")
    try:  # the test that counts: can a file be created there (the temporary file of every save)?
        with open(f"{path}.tmp", "wb"):
            pass
        os.remove(f"{path}.tmp")
    except OSError as e:
        raise ValueError(f"checkpoint {path!r}: cannot write in {folder!r} ({e.strerror}); "
                         "choose a writable directory") from None


def _read_checkpoint(path, device, keys: tuple[str, ...] = CHECKPOINT_KEYS) -> dict:
    """torch.load with weights only, and errors that say which file is wrong and what to do.

    keys: the entries a checkpoint of this kind must hold (train_gan's by default).
    """
    advice = "delete it (or pass another file as checkpoint=) to start a fresh run"
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # random bytes, an empty or truncated file, pickled objects
        size = os.path.getsize(path)
        what = "is empty (0 bytes)" if size == 0 else f"cannot be read as a checkpoint ({type(e).__name__}, {size} bytes)"
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} {what}: it is corrupted, truncated or not a ganlib checkpoint; {advice}"
        ) from None
    missing = [k for k in keys if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(f"checkpoint {os.fspath(path)!r} is a torch file but not a ganlib training checkpoint "
                         f"(it lacks {', '.join(missing)}); {advice}")
    return state


def _save_checkpoint(path, step, G, D, opt_g, opt_d, rng, batches, history, config, G_ema=None,
                     d_penalty=None) -> None:
    state = {
        "step": step,
        "config": asdict(config),
        "G": G.state_dict(),
        "D": D.state_dict(),
        "opt_g": opt_g.state_dict(),
        "opt_d": opt_d.state_dict(),
        "rng": rng.get_state(),
        "order": batches.order,
        "pos": batches.pos,
        "log": history.log,
        "snapshot_steps": [s for s, _ in history.snapshots],
        "snapshot_samples": [x for _, x in history.snapshots],
        "fixed_z": history.fixed_z,
    }
    if G_ema is not None:
        state["G_ema"] = G_ema.state_dict()
    if hasattr(d_penalty, "state_dict"):  # e.g. lazy R1's count of D steps
        state["d_penalty"] = d_penalty.state_dict()
    _write_checkpoint(path, state)


def _write_checkpoint(path, state: dict) -> None:
    """torch.save to ``path``, atomically: a run killed mid-save leaves the last good checkpoint."""
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())  # the bytes are on disk before the rename makes them the checkpoint
    os.replace(tmp, path)


def _load_checkpoint(path, G, D, opt_g, opt_d, rng, batches, history, config, G_ema=None, d_penalty=None) -> int:
    state = _read_checkpoint(path, batches.data.device)
    saved = state["config"]
    for key in ("z_dim", "batch_size", "loss", "latent", "seed"):
        if saved[key] != getattr(config, key):
            raise ValueError(
                f"checkpoint {path} was made with {key}={saved[key]!r} but config has {key}={getattr(config, key)!r}"
            )
    G.load_state_dict(state["G"])
    D.load_state_dict(state["D"])
    if G_ema is not None:
        if "G_ema" not in state:
            raise ValueError(f"checkpoint {path} holds no G_ema, but config.ema={config.ema!r} asks for one")
        G_ema.load_state_dict(state["G_ema"])
    if hasattr(d_penalty, "load_state_dict"):
        if "d_penalty" not in state:
            raise ValueError(f"checkpoint {path} holds no state for d_penalty (a {type(d_penalty).__name__}, "
                             "which keeps one): the run cannot resume exactly; start a fresh run")
        d_penalty.load_state_dict(state["d_penalty"])
    opt_g.load_state_dict(state["opt_g"])
    opt_d.load_state_dict(state["opt_d"])
    rng.set_state(state["rng"].cpu())
    batches.order, batches.pos = state["order"], state["pos"]
    history.log = {k: list(v) for k, v in state["log"].items()}
    history.snapshots = [(s, x.cpu()) for s, x in zip(state["snapshot_steps"], state["snapshot_samples"])]
    history.fixed_z = state["fixed_z"]
    return state["step"]


# ---- the book's fully connected digit GAN (chapters 2 and 4) -----------------------------


def mlp_digit_gan(real: Tensor, *, steps: int, latent: str = "normal", seed: int = 0, snapshot_every: int = 0,
                  progress: bool = False) -> History:
    """Train chapter 2's fully connected GAN on digits; return its History (``history.G``, ``history.D``).

    G: z ∈ R^64 → 128 → 256 → 784 (ReLU, tanh output); D: 784 → 256 → 128 → logit
    (LeakyReLU 0.2), both from :mod:`ganlib.nets`. Non-saturating loss, Adam with
    learning rate 10⁻³ and β = (0.5, 0.999) for both, batches of 128; the network weights are drawn after ``torch.manual_seed(seed)``.
    Chapter 2 ("Does the same recipe work on real data?") trains it; chapter 4 reuses it
    to test whether real and generated digits are separable. real: (N, 1, 28, 28) in
    [-1, 1] on the device to train on.
    """
    from . import nets  # nets does not import train; kept local so this file reads alone

    real = checks.tensor(real, "real", dims=4, shape="(N, 1, 28, 28)")
    if tuple(real.shape[1:]) != (1, 28, 28):
        raise ValueError(f"real must be digits of shape (N, 1, 28, 28); got {tuple(real.shape)}")
    seed = _int(seed, "seed", low=0)
    torch.manual_seed(seed)
    G = nets.MLPGenerator(64, (1, 28, 28), hidden=(128, 256), out_activation=nn.Tanh())
    D = nets.MLPDiscriminator((1, 28, 28), hidden=(256, 128))
    config = TrainConfig(steps=steps, z_dim=64, batch_size=128, lr_g=1e-3, lr_d=1e-3, latent=latent, seed=seed,
                         snapshot_every=snapshot_every)
    return train_gan(G.to(real.device), D.to(real.device), real, config, progress=progress)
