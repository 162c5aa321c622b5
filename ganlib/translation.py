r"""Image-to-image translation (chapter 9): pix2pix, CycleGAN, DualGAN and StarGAN.

A translator is a generator that reads an *image* instead of noise. What changes from
chapter 2's GAN is the objective, and each objective is one update function here,
short enough to read whole:

* **pix2pix** (Isola et al., 2017), paired data :math:`(x, y)`: a conditional D judges
  the pair, and G also pays a per-pixel L1 distance to the one right answer,

  .. math::
      G^* = \arg\min_G \max_D\; \mathcal L_\text{cGAN}(G, D) + \lambda\,
      \mathbb E_{x,y}\lVert y - G(x)\rVert_1 .

  :func:`pix2pix_g_step`; D's update is chapter 2's :func:`ganlib.train.d_step`
  with D shown the pair, :func:`pix2pix_d_step`.
* **CycleGAN** (Zhu et al., 2017), unpaired domains A and B: two generators
  :math:`G: A \to B`, :math:`F: B \to A`, two discriminators, and cycle consistency,

  .. math::
      \mathcal L = \mathcal L_\text{GAN}(G, D_B) + \mathcal L_\text{GAN}(F, D_A)
      + \lambda_\text{cyc}\big(\mathbb E\lVert F(G(a)) - a\rVert_1
      + \mathbb E\lVert G(F(b)) - b\rVert_1\big)
      + \lambda_\text{id}\big(\mathbb E\lVert G(b) - b\rVert_1 + \mathbb E\lVert F(a) - a\rVert_1\big).

  :func:`cycle_g_step`, :func:`cycle_d_step`. **DualGAN** (Yi et al., 2017) has the same
  structure; it differs in the adversarial loss, the weights and the networks
  (chapter 9 tabulates the differences), so here it is :class:`CycleGAN` with other
  settings.
* **StarGAN** (Choi et al., 2018), k domains with one generator :math:`G(x, c)` told the
  target domain c, and a D with an auxiliary domain classifier :math:`D_\text{cls}`,

  .. math::
      \mathcal L_D = \mathcal L_\text{adv}^D + \lambda_\text{cls}\,
      \mathbb E[-\log D_\text{cls}(c' \mid x)],\qquad
      \mathcal L_G = \mathcal L_\text{adv}^G + \lambda_\text{cls}\,
      \mathbb E[-\log D_\text{cls}(c \mid G(x, c))]
      + \lambda_\text{rec}\,\mathbb E\lVert x - G(G(x, c), c')\rVert_1,

  with :math:`c'` the domain x came from. :func:`star_d_step`, :func:`star_g_step`.

:func:`fit` runs any of them: the loop of :func:`ganlib.train.train_gan` (progress bar,
:class:`ganlib.train.History`, a stop at the first NaN loss that names it, checkpoints a
run resumes from bit for bit) with the update left to the model. Patch discriminators
return a map of logits, (N, 1, h, w); every patch counts as one sample of the
adversarial loss (:func:`patch_logits`).
"""

from __future__ import annotations

import inspect
import itertools
import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import checks, losses
from .train import (OPTIMIZERS, History, _Batches, _check_betas, _check_checkpoint_path, _FirstNonFinite,
                    _read_checkpoint, _write_checkpoint, d_step, frozen, make_optimizer)

FIT_CHECKPOINT_KEYS = ("step", "config", "model", "opt_g", "opt_d", "rng", "orders", "positions", "log")


@dataclass(frozen=True)
class TranslationConfig:
    """A translation run: steps, batch, the adversarial loss and the optimisers.

    steps: training steps; each makes one generator update and ``d_steps`` discriminator
    updates (pix2pix and StarGAN update D first, CycleGAN after G, as their papers do).
    Unlike :func:`ganlib.train.train_gan`, which draws a fresh minibatch for each D update,
    the ``d_steps`` updates of a step all see that step's minibatch (every run of chapter 9
    has ``d_steps=1``).
    loss: the adversarial loss (:data:`ganlib.losses.KINDS`): ``"lsgan"`` is CycleGAN's
    and StarGAN-here's, ``"nonsaturating"`` pix2pix's and DualGAN's official code's,
    ``"wasserstein"`` (with ``clip`` > 0) the DualGAN paper's.
    clip: after each D update, D's weights are clipped to [−clip, clip] (WGAN; 0: off).
    """

    steps: int
    batch_size: int = 32
    loss: str = "lsgan"
    d_steps: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    optimizer: str = "adam"
    clip: float = 0.0
    log_every: int = 50
    checkpoint_every: int = 0  # 0: only at the end (when a checkpoint path is given)
    seed: int = 0

    def __post_init__(self):
        for name in ("steps", "batch_size", "d_steps", "log_every"):
            checks.integer(getattr(self, name), name, low=1)
        for name in ("checkpoint_every", "seed"):
            checks.integer(getattr(self, name), name, low=0)
        checks.choice(self.loss, "loss", losses.KINDS)
        checks.choice(self.optimizer, "optimizer", OPTIMIZERS)
        for name in ("lr_g", "lr_d"):
            checks.positive(getattr(self, name), name)
        checks.nonnegative(self.clip, "clip")
        object.__setattr__(self, "betas", _check_betas(self.betas))  # a list becomes a tuple


def patch_logits(logits: Tensor) -> Tensor:
    """A patch discriminator's map (N, 1, h, w) as N·h·w logits: each patch is one sample."""
    return logits.reshape(-1)  # (N·h·w,)


def _adversarial(kind: str) -> tuple[Callable, Callable]:
    """(L_D, L_G) of the given kind, each applied patch by patch.

    For "lsgan", L_G is the plain mean squared error E[(t(G(x)) − 1)²], as in CycleGAN's
    code, not Mao et al.'s ½E[...] (:func:`ganlib.losses.lsgan_g_loss`): the weights
    λ_cyc = 10, λ_id = 5 are set against it. L_D is ½E[(t(y) − 1)²] + ½E[t(G(x))²] in both.
    """
    scale = 2.0 if kind == "lsgan" else 1.0
    return (lambda real, fake: losses.d_loss(kind, patch_logits(real), patch_logits(fake)),
            lambda fake: scale * losses.g_loss(kind, patch_logits(fake)))


def _update(opt: torch.optim.Optimizer, loss: Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


@torch.no_grad()
def _clip(module: nn.Module, c: float) -> None:
    for p in module.parameters():
        p.clamp_(-c, c)


# --- pix2pix -------------------------------------------------------------------------------


def pix2pix_d_step(G, D, opt_d, x, y, *, loss, conditional=True):
    """One update of pix2pix's D: chapter 2's d_step with D shown the pair.

    D(x, y) for the real pair and D(x, G(x)) for the fake one, the input
    stacked on the image as channels (``conditional=False``: D sees the image
    alone, the "GAN" row of pix2pix's Table 1). Returns L_D and G(x).
    """
    pair = (lambda img: torch.cat([x, img], dim=1)) if conditional else nn.Identity()
    d_loss, _ = _adversarial(loss)
    loss_d, _, _, fake = d_step(G, D, opt_d, y, x, d_loss=d_loss, see=pair)
    return loss_d, fake


def pix2pix_g_step(D, opt_g, x, y, fake, *, loss, lam, conditional=True):
    """One update of pix2pix's G:  L_G = L_cGAN^G + λ ‖y − G(x)‖₁.

    D is None for the L1-only regression; lam = 0 for the adversarial loss
    alone. fake = G(x), still attached to G. Returns (L_G, L_adv, L_L1).
    """
    l1 = losses.l1_loss(y, fake)
    adv = torch.zeros((), device=fake.device)
    if D is not None:
        see = torch.cat([x, fake], dim=1) if conditional else fake  # (B, 2, H, W) or (B, 1, H, W)
        with frozen(D):  # the gradient flows through D; D stays put
            adv = _adversarial(loss)[1](D(see))
    total = adv + lam * l1
    _update(opt_g, total)
    return total, adv, l1


class Pix2Pix(nn.Module):
    """pix2pix: G translates x to y; D (None: L1 only) judges (x, y) pairs.

    lam: λ, the weight of L1 (pix2pix used 100); conditional: D sees the input too.
    ``step(opt_g, opt_d, config, x, y)`` is one training step; ``self(x)`` = G(x).
    """

    def __init__(self, G: nn.Module, D: nn.Module | None = None, *, lam: float = 100.0, conditional: bool = True):
        super().__init__()
        self.G = checks.module(G, "G")
        self.D = None if D is None else checks.module(D, "D")
        self.lam = checks.nonnegative(lam, "lam")
        self.conditional = checks.boolean(conditional, "conditional")
        if D is None and self.lam == 0:
            raise ValueError("lam must be > 0 when there is no D (with neither L1 nor D, G learns nothing)")
        g_in, g_out = getattr(G, "in_channels", None), getattr(G, "out_channels", None)
        d_in = getattr(D, "in_channels", None)
        if None not in (g_in, g_out, d_in):  # nets that say their channels: D must fit what it is shown
            want = g_in + g_out if self.conditional else g_out  # the pair (x, y) stacked, or y alone
            if d_in != want:
                raise ValueError(f"D.in_channels must be {want} with conditional={self.conditional}; got {d_in}")

    def generator_parameters(self):
        return self.G.parameters()

    def discriminator_parameters(self):
        return [] if self.D is None else self.D.parameters()

    def forward(self, x: Tensor) -> Tensor:
        return self.G(x)

    def step(self, opt_g, opt_d, config: TranslationConfig, x: Tensor, y: Tensor) -> dict[str, Tensor]:
        if self.D is None:
            fake = self.G(x)  # (B, C, H, W)
            loss_d = torch.zeros((), device=x.device)
        else:
            for _ in range(config.d_steps):
                loss_d, fake = pix2pix_d_step(self.G, self.D, opt_d, x, y, loss=config.loss,
                                              conditional=self.conditional)
                if config.clip:
                    _clip(self.D, config.clip)
        loss_g, adv, l1 = pix2pix_g_step(self.D, opt_g, x, y, fake, loss=config.loss, lam=self.lam,
                                         conditional=self.conditional)
        return {"d_loss": loss_d, "g_loss": loss_g, "g_adv": adv, "l1": l1}


# --- CycleGAN and DualGAN ----------------------------------------------------------------------


def cycle_g_step(G, F, D_A, D_B, opt_g, a, b, *, loss, lam_cycle, lam_identity):
    """One update of both generators, G: A → B and F: B → A (CycleGAN, eq. 3):

        L = L_GAN(G, D_B) + L_GAN(F, D_A) + λ_cyc (‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁)
            + λ_id (‖G(b) − b‖₁ + ‖F(a) − a‖₁)

    Returns the losses and the fakes (G(a), F(b)), detached, for D's update.
    """
    g_adv = _adversarial(loss)[1]
    fake_b, fake_a = G(a), F(b)  # (B, C, H, W) each
    with frozen(D_A, D_B):
        adv = g_adv(D_B(fake_b)) + g_adv(D_A(fake_a))
    cyc = losses.cycle_loss(a, F(fake_b)) + losses.cycle_loss(b, G(fake_a))
    idt = torch.zeros((), device=a.device)
    if lam_identity:  # an image already in the target domain should pass unchanged
        idt = losses.identity_loss(b, G(b)) + losses.identity_loss(a, F(a))
    total = adv + lam_cycle * cyc + lam_identity * idt
    _update(opt_g, total)
    return {"g_loss": total, "g_adv": adv, "cycle": cyc, "identity": idt}, fake_a.detach(), fake_b.detach()


def cycle_d_step(D_A, D_B, opt_d, a, b, fake_a, fake_b, *, loss):
    """One update of both discriminators: D_A tells a from F(b), D_B tells b from G(a)."""
    d_adv = _adversarial(loss)[0]
    total = d_adv(D_A(a), D_A(fake_a)) + d_adv(D_B(b), D_B(fake_b))
    _update(opt_d, total)
    return total


class CycleGAN(nn.Module):
    """CycleGAN (and DualGAN with its settings): G: A → B, F: B → A, D_A, D_B.

    lam_cycle: λ_cyc (CycleGAN 10; DualGAN's paper 100–1000, its code 20);
    lam_identity: λ_id (CycleGAN 0.5·λ_cyc; DualGAN none).
    ``step(opt_g, opt_d, config, a, b)``: one G update, then ``d_steps`` D updates on
    the fakes it made (CycleGAN's order). ``self(a)`` = G(a); ``self.back(b)`` = F(b).
    """

    def __init__(self, G: nn.Module, F: nn.Module, D_A: nn.Module, D_B: nn.Module, *,
                 lam_cycle: float = 10.0, lam_identity: float = 5.0):
        super().__init__()
        self.G, self.F = checks.module(G, "G"), checks.module(F, "F")
        self.D_A, self.D_B = checks.module(D_A, "D_A"), checks.module(D_B, "D_B")
        self.lam_cycle = checks.nonnegative(lam_cycle, "lam_cycle")
        self.lam_identity = checks.nonnegative(lam_identity, "lam_identity")

    def generator_parameters(self):
        return itertools.chain(self.G.parameters(), self.F.parameters())

    def discriminator_parameters(self):
        return itertools.chain(self.D_A.parameters(), self.D_B.parameters())

    def forward(self, a: Tensor) -> Tensor:
        return self.G(a)

    def back(self, b: Tensor) -> Tensor:
        return self.F(b)

    def step(self, opt_g, opt_d, config: TranslationConfig, a: Tensor, b: Tensor) -> dict[str, Tensor]:
        out, fake_a, fake_b = cycle_g_step(self.G, self.F, self.D_A, self.D_B, opt_g, a, b, loss=config.loss,
                                           lam_cycle=self.lam_cycle, lam_identity=self.lam_identity)
        for _ in range(config.d_steps):
            out["d_loss"] = cycle_d_step(self.D_A, self.D_B, opt_d, a, b, fake_a, fake_b, loss=config.loss)
            if config.clip:
                _clip(self.D_A, config.clip), _clip(self.D_B, config.clip)
        return out


# --- StarGAN -------------------------------------------------------------------------------------


def star_d_step(G, D, opt_d, x, c_src, c_trg, *, loss, lam_cls):
    """One update of StarGAN's D: real vs G(x, c), and the domain of real x.

        L_D = L_adv^D(t(x), t(G(x, c))) + λ_cls E[−log D_cls(c' | x)]
    """
    d_adv = _adversarial(loss)[0]
    with torch.no_grad():
        fake = G(x, c_trg)  # (B, C, H, W): x moved to domain c
    real_t, real_cls = D.forward_with_classes(x)  # patch map, (B, k)
    fake_t = D(fake)
    total = d_adv(real_t, fake_t) + lam_cls * losses.domain_classification_loss(real_cls, c_src)
    _update(opt_d, total)
    return total


def star_g_step(G, D, opt_g, x, c_src, c_trg, *, loss, lam_cls, lam_rec, lam_identity=0.0):
    """One update of StarGAN's G: fool D, land in domain c, come back to x.

        L_G = L_adv^G(t(G(x, c))) + λ_cls E[−log D_cls(c | G(x, c))]
              + λ_rec ‖x − G(G(x, c), c')‖₁  [+ λ_id ‖x − G(x, c')‖₁]

    The bracketed identity term is not StarGAN's: it is CycleGAN's, added for
    chapter 9's comparison (lam_identity = 0 is the published objective).
    """
    g_adv = _adversarial(loss)[1]
    fake = G(x, c_trg)  # (B, C, H, W)
    with frozen(D):
        fake_t, fake_cls = D.forward_with_classes(fake)
    adv = g_adv(fake_t)
    cls = losses.domain_classification_loss(fake_cls, c_trg)
    rec = losses.cycle_loss(x, G(fake, c_src))  # back to where x came from
    idt = torch.zeros((), device=x.device)
    if lam_identity:  # asked for its own domain, G should leave x alone
        idt = losses.identity_loss(x, G(x, c_src))
    total = adv + lam_cls * cls + lam_rec * rec + lam_identity * idt
    _update(opt_g, total)
    return {"g_loss": total, "g_adv": adv, "g_cls": cls, "cycle": rec, "identity": idt}


class StarGAN(nn.Module):
    """StarGAN: one G(x, c) for every pair of k domains; D with a domain classifier.

    G takes the target domain (``n_domains`` > 0, e.g. :class:`ganlib.nets.UNet`);
    D has ``forward_with_classes`` (:class:`ganlib.nets.PatchDiscriminator` with
    n_classes = k). lam_cls, lam_rec: StarGAN's λ_cls = 1 and λ_rec = 10; lam_identity:
    CycleGAN's identity term, G(x, c') ≈ x (0, the default, is StarGAN's objective).
    ``step(opt_g, opt_d, config, x, c)``: x from domains c; targets drawn uniformly
    among the *other* domains. ``self(x, c)`` = G(x, c).
    """

    def __init__(self, G: nn.Module, D: nn.Module, *, lam_cls: float = 1.0, lam_rec: float = 10.0,
                 lam_identity: float = 0.0):
        super().__init__()
        self.G, self.D = checks.module(G, "G"), checks.module(D, "D")
        self.n_domains = checks.integer(getattr(G, "n_domains", 0), "G.n_domains", low=2,
                                        what="an int >= 2 (G must take a target domain)")
        if not hasattr(D, "forward_with_classes"):
            raise TypeError("D must classify domains too: give it forward_with_classes(x) -> (logits, class logits)")
        if getattr(D, "n_classes", self.n_domains) != self.n_domains:
            raise ValueError(f"D.n_classes must equal G.n_domains ({self.n_domains}): D classifies the domains "
                             f"G translates to; got D.n_classes={D.n_classes}")
        self.lam_cls = checks.nonnegative(lam_cls, "lam_cls")
        self.lam_rec = checks.nonnegative(lam_rec, "lam_rec")
        self.lam_identity = checks.nonnegative(lam_identity, "lam_identity")

    def generator_parameters(self):
        return self.G.parameters()

    def discriminator_parameters(self):
        return self.D.parameters()

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        return self.G(x, c)

    def step(self, opt_g, opt_d, config: TranslationConfig, x: Tensor, c: Tensor,
             generator: torch.Generator | None = None) -> dict[str, Tensor]:
        shift = torch.randint(1, self.n_domains, c.shape, device=c.device, generator=generator)  # (B,)
        c_trg = (c + shift) % self.n_domains  # another domain, uniformly
        for _ in range(config.d_steps):
            loss_d = star_d_step(self.G, self.D, opt_d, x, c, c_trg, loss=config.loss, lam_cls=self.lam_cls)
            if config.clip:
                _clip(self.D, config.clip)
        out = star_g_step(self.G, self.D, opt_g, x, c, c_trg, loss=config.loss, lam_cls=self.lam_cls,
                          lam_rec=self.lam_rec, lam_identity=self.lam_identity)
        out["d_loss"] = loss_d
        return out


# --- the loop ------------------------------------------------------------------------------------


def _check_streams(streams: object, device: torch.device) -> list[tuple[Tensor, ...]]:
    if not isinstance(streams, (list, tuple)) or not streams:
        raise TypeError("streams must be a non-empty list of tuples of tensors, e.g. [(x, y)] for paired "
                        f"data or [(a,), (b,)] for two unpaired domains; got {type(streams).__name__}")
    out = []
    for i, stream in enumerate(streams):
        if not isinstance(stream, (list, tuple)) or not stream or not all(isinstance(t, Tensor) for t in stream):
            raise TypeError(f"streams[{i}] must be a non-empty tuple of tensors; got {stream!r:.80}")
        n = len(stream[0])
        for j, t in enumerate(stream):
            if len(t) != n:
                raise ValueError(f"streams[{i}] holds aligned rows: streams[{i}][{j}] has {len(t)} rows, "
                                 f"streams[{i}][0] has {n}")
            if t.is_floating_point() and not torch.isfinite(t).all():
                raise ValueError(f"streams[{i}][{j}] has NaN or inf values; clean the data before training")
        out.append(tuple(t.to(device) for t in stream))
    return out


def fit(model: nn.Module, streams: Sequence[tuple[Tensor, ...]], config: TranslationConfig, *,
        checkpoint=None, progress: bool = False) -> History:
    """Train a translator (:class:`Pix2Pix`, :class:`CycleGAN`, :class:`StarGAN`); return its History.

    streams: the data, one tuple of aligned tensors per independent stream — ``[(x, y)]``
    for pairs (x and y batched together), ``[(a,), (b,)]`` for two unpaired domains
    (each shuffled on its own), ``[(x, c)]`` for images with their domains. Each step
    draws one minibatch from every stream and calls ``model.step(opt_g, opt_d, config,
    *batch)``, which does the updates and returns its losses by name.

    The loop is :func:`ganlib.train.train_gan`'s: losses logged every ``log_every``
    steps into ``history.log``, a FloatingPointError naming the loss and the step at the
    first NaN or inf, and a checkpoint (models, optimisers, random state, data order)
    rewritten every ``checkpoint_every`` steps and at the end, from which a run resumes.
    """
    checks.module(model, "model")
    for method in ("step", "generator_parameters", "discriminator_parameters"):
        checks.function(getattr(model, method, None), f"model.{method}", "a method (model must be a translator)")
    if not isinstance(config, TranslationConfig):
        raise TypeError(f"config must be a TranslationConfig; got {type(config).__name__}")
    checks.boolean(progress, "progress")
    if checkpoint is not None:
        _check_checkpoint_path(checkpoint)
    device = next(model.parameters()).device
    streams = _check_streams(streams, device)
    rng = torch.Generator(device=device).manual_seed(config.seed)
    batches = [_Batches(stream[0], config.batch_size, rng) for stream in streams]
    opt_g = make_optimizer(model.generator_parameters(), config.optimizer, config.lr_g, config.betas)
    d_params = list(model.discriminator_parameters())
    opt_d = make_optimizer(d_params, config.optimizer, config.lr_d, config.betas) if d_params else None
    history, start = History(log={"step": []}, G=model), 0
    if checkpoint is not None and os.path.exists(checkpoint):
        start = _load(checkpoint, model, opt_g, opt_d, rng, batches, history, config)
    needs_rng = "generator" in inspect.signature(model.step).parameters
    watch: dict[str, _FirstNonFinite] = {}

    t0 = time.perf_counter()
    bar = tqdm(total=config.steps, initial=start, disable=not progress, desc="training", leave=False)
    for step in range(start + 1, config.steps + 1):
        batch = []
        for stream, b in zip(streams, batches):
            idx = b.next_indices()
            batch += [t[idx] for t in stream]
        out = model.step(opt_g, opt_d, config, *batch, **({"generator": rng} if needs_rng else {}))
        for key, value in out.items():
            watch.setdefault(key, _FirstNonFinite(f"the loss {key!r}", device)).update(value, step)
        log_now = step % config.log_every == 0 or step == config.steps
        save_now = checkpoint is not None and (
            (config.checkpoint_every and step % config.checkpoint_every == 0) or step == config.steps)
        if log_now or save_now:  # a host sync: only here; never a checkpoint of a diverged run
            min(watch.values(), key=lambda w: int(w.step) or math.inf).check(step)
        if log_now:
            history.log["step"].append(step)
            for key, value in out.items():
                history.log.setdefault(key, []).append(float(value.detach()))
            bar.set_postfix({k: f"{history.log[k][-1]:.3f}" for k in ("d_loss", "g_loss") if k in out})
        if save_now:
            _save(checkpoint, step, model, opt_g, opt_d, rng, batches, history, config)
        bar.update(1)
    bar.close()
    history.seconds = time.perf_counter() - t0
    return history


def _save(path, step, model, opt_g, opt_d, rng, batches, history, config) -> None:
    _write_checkpoint(path, {
        "step": step, "config": asdict(config), "model": model.state_dict(),
        "opt_g": opt_g.state_dict(), "opt_d": None if opt_d is None else opt_d.state_dict(),
        "rng": rng.get_state(), "orders": [b.order for b in batches], "positions": [b.pos for b in batches],
        "log": history.log,
    })


def _load(path, model, opt_g, opt_d, rng, batches, history, config) -> int:
    state = _read_checkpoint(path, next(model.parameters()).device, keys=FIT_CHECKPOINT_KEYS)
    for key in ("batch_size", "loss", "seed"):
        if state["config"][key] != getattr(config, key):
            raise ValueError(f"checkpoint {path} was made with {key}={state['config'][key]!r} "
                             f"but config has {key}={getattr(config, key)!r}")
    if len(state["orders"]) != len(batches):
        raise ValueError(f"checkpoint {path} was made with {len(state['orders'])} data streams; got {len(batches)}")
    model.load_state_dict(state["model"])
    opt_g.load_state_dict(state["opt_g"])
    if opt_d is not None:
        opt_d.load_state_dict(state["opt_d"])
    rng.set_state(state["rng"].cpu())
    for b, order, pos in zip(batches, state["orders"], state["positions"]):
        b.order, b.pos = order, pos
    history.log = {k: list(v) for k, v in state["log"].items()}
    return state["step"]


# --- using a trained translator ------------------------------------------------------------------


@torch.no_grad()
def translate(G: nn.Module, x: Tensor, *cond: Tensor, batch_size: int = 500) -> Tensor:
    """G(x) (or G(x, c)) in eval mode, in batches, on the CPU: what a trained translator makes of x.

    G's device is used for the computation; G's training/eval mode is restored afterwards.
    """
    checks.module(G, "G")
    x = checks.tensor(x, "x", dims=4, shape="(N, C, H, W)")
    batch_size = checks.positive_int(batch_size, "batch_size")
    for i, c in enumerate(cond):
        if not isinstance(c, Tensor):
            raise TypeError(f"cond[{i}] must be a tensor with one row per image ({len(x)}); got {type(c).__name__}")
        if len(c) != len(x):
            raise ValueError(f"cond[{i}] must be a tensor with one row per image ({len(x)}); got {c!r:.60}")
    device = next(G.parameters()).device
    was_training = G.training
    G.eval()
    try:
        out = [G(x[i : i + batch_size].to(device), *(c[i : i + batch_size].to(device) for c in cond)).cpu()
               for i in range(0, len(x), batch_size)]
    finally:
        G.train(was_training)
    return torch.cat(out) if out else x[:0].clone()


def binary_distance(images: Tensor) -> Tensor:
    """How far each image's pixels are from pure ink or pure background: ``mean_p (1 − |x_p|)``   (chapter 9).

    For pixels in [-1, 1], ``1 − |x|`` is the distance to the nearer of −1 (background) and
    +1 (ink): 0 for a crisp binary image, 1 for a uniform mid-grey. A blurry image has
    many grey pixels, so a larger value. Returns one value per image, shape (N,).
    """
    images = checks.tensor(images, "images", dims=4, shape="(N, C, H, W)")
    return (1 - images.clamp(-1, 1).abs()).flatten(1).mean(dim=1)  # (N,)
