r"""The training loops of chapter 8: conditional GANs, GAN-CLS, InfoGAN, semi-supervised GANs.

Each loop is :func:`ganlib.train.train_gan`'s Algorithm 1 with one thing changed, and
each update is a small top-level function the chapter shows whole:

* :func:`matching_aware_d_step` — GAN-CLS (Reed et al., 2016): D also sees real images
  with a *wrong* condition, as fakes (:func:`ganlib.losses.matching_aware_d_loss`).
  :func:`train_cgan` runs a conditional GAN with it or with the ordinary
  :func:`ganlib.train.d_step`; an unconditional D plays in the same loop wrapped in
  :class:`ganlib.nets.LabelBlind`.
* :func:`infogan_step` — InfoGAN (Chen et al., 2016): G reads noise z and a code c;
  D and G both also minimise Q's negative log-likelihood of c, i.e. maximise the
  variational lower bound on the mutual information,

  .. math::
      \min_{G, Q} \max_D\; V(D, G) - \lambda L_I(G, Q), \qquad
      L_I(G, Q) = \mathbb{E}_{c, z}[\log Q(c \mid G(z, c))] + H(c) \le I(c; G(z, c)).

* :func:`semi_supervised_step` — Salimans et al. (2016): a K-class D learns from a few
  labelled and many unlabelled images and G's fakes
  (:func:`ganlib.losses.semi_supervised_d_loss`); G matches D's mean features
  (:func:`ganlib.losses.feature_matching_g_loss`). Without G the same loop trains the
  same network on the labelled images alone, the baseline it is compared with.

The loops keep a light :class:`ganlib.train.History` (losses every ``log_every`` steps)
and no checkpoints: the chapter's runs last seconds.
"""

from __future__ import annotations

import copy
import math
import time
from functools import partial
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import checks, losses, metrics, nets
from .data import data_dir
from .train import (History, TrainConfig, _Batches, d_step, frozen, g_step, make_optimizer, sample_latent,
                    update_ema)


def _check_data(x: Tensor, name: str) -> Tensor:
    x = checks.tensor(x, name, dims=4, shape="(N, C, H, W)")
    return x


def _check_ids(y: Tensor, n: int, name: str, n_classes: int | None = None) -> Tensor:
    if not isinstance(y, Tensor) or y.dtype != torch.long:
        got = f"dtype {y.dtype}" if isinstance(y, Tensor) else type(y).__name__
        raise TypeError(f"{name} must be an int64 tensor of shape ({n},), one class per image; got {got}")
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one class per image; got {tuple(y.shape)}")
    if n_classes is not None and len(y) and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ValueError(f"{name} must hold classes in 0..{n_classes - 1}; got {int(y.min())}..{int(y.max())}")
    return y


# --- conditional GANs and GAN-CLS ----------------------------------------------------------


def wrong_labels(y: Tensor, n_classes: int, *, generator: torch.Generator | None = None) -> Tensor:
    """ŷ ≠ y, uniform over the K − 1 other classes: ŷ = (y + s) mod K with s ~ U{1, …, K−1}."""
    n_classes = checks.integer(n_classes, "n_classes", low=2, what="an int >= 2")
    y = _check_ids(y, len(y) if isinstance(y, Tensor) else 0, "y", n_classes)
    shift = torch.randint(1, n_classes, y.shape, device=y.device, generator=generator)  # (N,)
    return (y + shift) % n_classes


def matching_aware_d_step(G, D, opt_d, x, y, z, y_wrong):
    """One GAN-CLS update of D (Reed et al., 2016, Algorithm 1):

        θ_D ← θ_D − η ∇θ_D L_D(t(x, y), t(G(z, y), y), t(x, ŷ))

    x, y: a real minibatch and its labels; z: noise; y_wrong: ŷ ≠ y.
    Returns L_D and G(z, y), still attached to G for g_step.
    """
    fake = G(z, y)  # (B, ...)
    real_logits = D(x, y)  # (B,): real image, right label
    fake_logits = D(fake.detach(), y)  # (B,): fake image, right label
    mismatch_logits = D(x, y_wrong)  # (B,): real image, wrong label
    loss = losses.matching_aware_d_loss(real_logits, fake_logits, mismatch_logits)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return loss, fake


def train_cgan(G: nn.Module, D: nn.Module, x: Tensor, y: Tensor, config: TrainConfig, *,
               matching_aware: bool = False, progress: bool = False) -> History:
    """Train a conditional G(z, y) against D(x, y) (chapter 8); return the History.

    The loop of :func:`ganlib.train.train_gan` with labels (fakes get the real batch's
    labels; G's step reuses D's last fake batch), with D's update either the ordinary
    :func:`ganlib.train.d_step` (``matching_aware=False``) or GAN-CLS's
    :func:`matching_aware_d_step`. Uses ``config``'s steps, z_dim, batch_size, loss
    (``matching_aware`` needs a cross-entropy loss), d_steps, learning rates, betas,
    optimizer, latent, seed, log_every and ema (``history.G_ema``).
    """
    checks.module(G, "G")
    checks.module(D, "D")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    n_classes = checks.positive_int(getattr(G, "n_classes", 0) or 0, "G.n_classes (G must be conditional)")
    x = _check_data(x, "x")
    y = _check_ids(y, len(x), "y", n_classes)
    checks.boolean(matching_aware, "matching_aware")
    checks.boolean(progress, "progress")
    if matching_aware and config.loss not in ("minimax", "nonsaturating"):
        raise ValueError(f"matching_aware needs config.loss 'minimax' or 'nonsaturating'; got {config.loss!r}")
    device = next(G.parameters()).device
    x, y = x.to(device), y.to(device)
    rng = torch.Generator(device=device).manual_seed(config.seed)
    batches = _Batches(x, config.batch_size, rng)
    opt_g = make_optimizer(G.parameters(), config.optimizer, config.lr_g, config.betas)
    opt_d = make_optimizer(D.parameters(), config.optimizer, config.lr_d, config.betas)
    d_loss = partial(losses.d_loss, config.loss)
    g_loss = partial(losses.g_loss, config.g_loss_kind or config.loss)
    history = History(G=G, D=D, G_ema=copy.deepcopy(G).requires_grad_(False) if config.ema else None)
    t0 = time.perf_counter()
    for step in tqdm(range(1, config.steps + 1), disable=not progress, leave=False):
        for _ in range(config.d_steps):
            idx = batches.next_indices()
            xb, yb = x[idx], y[idx]
            z = sample_latent(config.batch_size, config.z_dim, kind=config.latent, device=device, generator=rng)
            if matching_aware:
                loss_d, fake = matching_aware_d_step(G, D, opt_d, xb, yb, z, wrong_labels(yb, n_classes, generator=rng))
            else:
                loss_d, _, _, fake = d_step(G, D, opt_d, xb, z, d_loss=d_loss, cond=(yb,))
        loss_g = g_step(D, opt_g, fake, g_loss=g_loss, cond=(yb,))
        if history.G_ema is not None:
            update_ema(history.G_ema, G, config.ema)
        if step % config.log_every == 0 or step == config.steps:
            _log_losses(history, step, {"d_loss": loss_d, "g_loss": loss_g})
    history.seconds = time.perf_counter() - t0
    return history


def _log_losses(history: History, step: int, values: dict[str, Tensor]) -> None:
    history.log.setdefault("step", []).append(step)
    for key, value in values.items():
        value = float(value.detach()) if isinstance(value, Tensor) else float(value)
        if not math.isfinite(value):
            raise FloatingPointError(f"{key} became {value} at step {step}: training diverged")
        history.log.setdefault(key, []).append(value)


# --- two conditions at once: colour × digit ---------------------------------------------------

COLOURS = ("red", "green", "blue")


def colourise(x: Tensor, colour: Tensor) -> Tensor:
    """Digits in colour: image i's ink in channel colour[i] only (0 red, 1 green, 2 blue), black elsewhere.

    x: (N, 1, H, W) in [-1, 1] (background −1); colour: int64 (N,) in 0..2.
    Returns (N, 3, H, W) in [-1, 1]. :func:`decolourise` undoes it.
    """
    x = checks.tensor(x, "x", dims=4, shape="(N, 1, H, W)")
    if x.shape[1] != 1:
        raise ValueError(f"x must be grey digits of shape (N, 1, H, W); got {tuple(x.shape)}")
    colour = _check_ids(colour, len(x), "colour", len(COLOURS))
    mask = F.one_hot(colour, len(COLOURS)).to(x)[:, :, None, None]  # (N, 3, 1, 1)
    return mask * x + (1 - mask) * -1.0  # (N, 3, H, W)


def decolourise(x: Tensor) -> Tensor:
    """The grey digit of a colour image, (N, 3, H, W) → (N, 1, H, W): the brightest channel at each pixel."""
    x = checks.tensor(x, "x", dims=4, shape="(N, 3, H, W)")
    if x.shape[1] != 3:
        raise ValueError(f"x must be colour images of shape (N, 3, H, W); got {tuple(x.shape)}")
    return x.amax(1, keepdim=True)


def colour_of(x: Tensor) -> Tensor:
    """The dominant colour of each image, int64 (N,): the channel with the most ink (mean of x + 1)."""
    x = checks.tensor(x, "x", dims=4, shape="(N, 3, H, W)")
    if x.shape[1] != 3:
        raise ValueError(f"x must be colour images of shape (N, 3, H, W); got {tuple(x.shape)}")
    return (x + 1).mean((2, 3)).argmax(1)


# --- InfoGAN ---------------------------------------------------------------------------------


def sample_codes(n: int, n_cat: int, n_cont: int, *, device=None,
                 generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """InfoGAN's codes: c_cat ~ Uniform{0..n_cat−1}, shape (n,); c_cont ~ U[−1, 1]^n_cont, shape (n, n_cont)."""
    n, n_cat = checks.positive_int(n, "n"), checks.positive_int(n_cat, "n_cat")
    n_cont = checks.nonnegative_int(n_cont, "n_cont")
    c_cat = torch.randint(0, n_cat, (n,), device=device, generator=generator)
    c_cont = torch.rand(n, n_cont, device=device, generator=generator) * 2 - 1
    return c_cat, c_cont


def code_entropy(n_cat: int, n_cont: int) -> float:
    """H(c) in nats of InfoGAN's prior: log n_cat + n_cont · log 2 (U[−1, 1] has differential entropy log 2)."""
    n_cat, n_cont = checks.positive_int(n_cat, "n_cat"), checks.nonnegative_int(n_cont, "n_cont")
    return math.log(n_cat) + n_cont * math.log(2.0)


def infogan_input(z: Tensor, c_cat: Tensor, c_cont: Tensor, n_cat: int) -> Tensor:
    """G's input [z, onehot(c_cat), c_cont], shape (N, z_dim + n_cat + n_cont)."""
    z = checks.tensor(z, "z", dims=2, shape="(N, z_dim)")
    n_cat = checks.positive_int(n_cat, "n_cat")
    c_cat = _check_ids(c_cat, len(z), "c_cat", n_cat)
    c_cont = checks.tensor(c_cont, "c_cont", dims=2, shape=f"({len(z)}, n_cont)", nonempty=False)
    if len(c_cont) != len(z):
        raise ValueError(f"c_cont must have {len(z)} rows, like z; got {tuple(c_cont.shape)}")
    return torch.cat([z, F.one_hot(c_cat, n_cat).to(z), c_cont.to(z)], dim=1)


def info_nll(DQ: nn.Module, x: Tensor, c_cat: Tensor, c_cont: Tensor, *, lam_cont: float = 1.0,
             fixed_std: float | None = None) -> tuple[Tensor, Tensor]:
    """(t(x), NLL): D's logits and Q's weighted negative log-likelihood of the codes, one pass of DQ.heads.

    NLL = −E log Q(c_cat | x) − lam_cont · E log Q(c_cont | x). fixed_std: Q's Gaussian over
    the continuous codes has this standard deviation instead of the one its head predicts
    (the authors' code fixes it at 1, so that term is ½(c − μ)² plus a constant).
    """
    logits, code_logits, mean, log_std = DQ.heads(x)
    nll = losses.info_categorical_nll(code_logits, c_cat)
    if c_cont.shape[1] and lam_cont:
        if fixed_std is not None:
            log_std = torch.full_like(mean, math.log(checks.positive(fixed_std, "fixed_std")))
        nll = nll + lam_cont * losses.info_gaussian_nll(mean, log_std, c_cont)
    return logits, nll


def infogan_step(G, DQ, opt_g, opt_d, x, z, c_cat, c_cont, *, lam=1.0,
                 lam_cont=0.1, lam_g=None, fixed_std=None):
    """One InfoGAN update of D and Q, then of G (Chen et al., 2016):

        θ_D,Q ← θ_D,Q − η ∇ [L_D(t(x), t(G(z, c))) + λ NLL_Q(c | G(z, c))]
        θ_G   ← θ_G   − η ∇ [L_G(t(G(z, c)))      + λ NLL_Q(c | G(z, c))]

    NLL_Q = −E log Q(c | x) = H(c) − L_I: both players *lower* it, i.e. raise
    the mutual-information bound L_I. The continuous codes' NLL is weighted
    by lam_cont (the paper: "a smaller λ" for them). lam_g: G's λ if it
    differs (0: Q learns to read the code, G is not asked to write it).
    fixed_std: see :func:`info_nll`. Returns (L_D, L_G, NLL_Q).
    """
    fake = G(infogan_input(z, c_cat, c_cont, DQ.n_cat))  # (B, 1, 28, 28)
    real_logits = DQ(x)  # (B,)
    fake_logits, nll = info_nll(DQ, fake.detach(), c_cat, c_cont, lam_cont=lam_cont, fixed_std=fixed_std)
    loss_d = losses.bce_d_loss(real_logits, fake_logits) + lam * nll
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    with frozen(DQ):  # G's step: gradients flow through D and Q
        fake_logits, nll = info_nll(DQ, fake, c_cat, c_cont, lam_cont=lam_cont, fixed_std=fixed_std)
    loss_g = losses.nonsaturating_g_loss(fake_logits) + (lam if lam_g is None else lam_g) * nll
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return loss_d, loss_g, nll


def train_infogan(G: nn.Module, DQ: nn.Module, x: Tensor, *, steps: int, z_dim: int, lam: float = 1.0,
                  lam_cont: float = 0.1, lam_g: float | None = None, batch_size: int = 64, lr_g: float = 1e-3,
                  lr_d: float = 2e-4, fixed_std: float | None = None, seed: int = 0, log_every: int = 50,
                  progress: bool = False, callback: Callable[[int, History], None] | None = None) -> History:
    """Train InfoGAN on unlabelled images x (chapter 8); return the History.

    G reads z_dim + DQ.n_cat + DQ.n_cont numbers (noise, one-hot code, continuous codes);
    DQ is an :class:`ganlib.nets.InfoGANDiscriminator`. lam = λ (0: a plain GAN whose G
    still receives the codes); lam_cont weighs the continuous codes inside NLL_Q; lam_g, if
    given, is G's own λ (``lam_g=0``: Q still learns to read the codes, G ignores them). The
    learning rates are the paper's (D 2e-4, G 1e-3). fixed_std: Q's standard deviation for
    the continuous codes, or None to use the one Q predicts (see :func:`info_nll`).
    ``history.log`` holds d_loss, g_loss and nll (NLL_Q, G's side, at the logging steps).
    callback(step, history) is called at every logging step, as in :func:`ganlib.train.train_gan`
    (to measure the code as training goes: ``data/train_infogan.py``); a callback that puts the
    nets in eval mode must put them back in train mode.
    """
    checks.module(G, "G")
    checks.module(DQ, "DQ")
    if not hasattr(DQ, "heads"):
        raise TypeError("DQ must have .heads(x) -> (t, code_logits, mean, log_std), e.g. nets.InfoGANDiscriminator")
    x = _check_data(x, "x")
    steps, z_dim, batch_size = (checks.positive_int(v, n) for v, n in
                                ((steps, "steps"), (z_dim, "z_dim"), (batch_size, "batch_size")))
    lam, lam_cont = checks.nonnegative(lam, "lam"), checks.nonnegative(lam_cont, "lam_cont")
    lam_g = None if lam_g is None else checks.nonnegative(lam_g, "lam_g")
    lr_g, lr_d = checks.positive(lr_g, "lr_g"), checks.positive(lr_d, "lr_d")
    fixed_std = None if fixed_std is None else checks.positive(fixed_std, "fixed_std")
    seed, log_every = checks.nonnegative_int(seed, "seed"), checks.positive_int(log_every, "log_every")
    checks.boolean(progress, "progress")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function (step, history) -> None, or None; got {type(callback).__name__}")
    device = next(G.parameters()).device
    x = x.to(device)
    rng = torch.Generator(device=device).manual_seed(seed)
    batches = _Batches(x, batch_size, rng)
    opt_g = make_optimizer(G.parameters(), "adam", lr_g, (0.5, 0.999))
    opt_d = make_optimizer(DQ.parameters(), "adam", lr_d, (0.5, 0.999))
    history = History(G=G, D=DQ)
    t0 = time.perf_counter()
    for step in tqdm(range(1, steps + 1), disable=not progress, leave=False):
        z = sample_latent(batch_size, z_dim, device=device, generator=rng)
        c_cat, c_cont = sample_codes(batch_size, DQ.n_cat, DQ.n_cont, device=device, generator=rng)
        loss_d, loss_g, nll = infogan_step(G, DQ, opt_g, opt_d, batches.next(), z, c_cat, c_cont,
                                              lam=lam, lam_cont=lam_cont, lam_g=lam_g, fixed_std=fixed_std)
        if step % log_every == 0 or step == steps:
            _log_losses(history, step, {"d_loss": loss_d, "g_loss": loss_g, "nll": nll})
            if callback is not None:
                callback(step, history)
    history.seconds = time.perf_counter() - t0
    return history


INFOGAN_FILE = "infogan_mnist.pt"
INFOGAN_SCRIPT = "data/train_infogan.py"
#: The settings behind the shipped runs: the paper's codes, λs, batch and learning rates;
#: fixed_std None: Q predicts the σ of its Gaussian over the continuous codes.
INFOGAN_CONFIG = {"z_dim": 62, "n_cat": 10, "n_cont": 2, "width": 32, "hidden": 256,
                  "batch_size": 64, "lr_d": 2e-4, "lr_g": 1e-3, "lam": 1.0, "lam_cont": 0.1, "fixed_std": None}


def infogan_nets(z_dim: int = 62, n_cat: int = 10, n_cont: int = 2, *, width: int = 32,
                 hidden: int = 256) -> tuple[nn.Module, nn.Module]:
    """InfoGAN's MNIST pair, narrower than the paper's: (nets.InfoGANGenerator, nets.InfoGANDiscriminator).

    G reads z_dim + n_cat + n_cont numbers; both nets keep PyTorch's default initialisation.
    The defaults are the ones behind the shipped runs (``INFOGAN_CONFIG``): the paper's
    62 noise dimensions and codes, with half its convolution widths and a quarter of its
    fully connected ones (hidden = 256 instead of 1024).
    """
    z_dim = checks.positive_int(z_dim, "z_dim")
    G = nets.InfoGANGenerator(z_dim + checks.positive_int(n_cat, "n_cat") + checks.nonnegative_int(n_cont, "n_cont"),
                              width=width, hidden=hidden)
    DQ = nets.InfoGANDiscriminator(n_cat, n_cont, width=width, hidden=hidden)
    return G, DQ


@torch.no_grad()
def q_cluster_accuracy(DQ: nn.Module, x: Tensor, y: Tensor) -> float:
    """Cluster accuracy of Q's categorical code on real images: argmax_c Q(c | x) against labels y.

    DQ is run in eval mode (batch norm's running statistics) and left in the mode it was in.
    """
    x = _check_data(x, "x")
    y = _check_ids(y, len(x), "y")
    was_training = DQ.training
    DQ.eval()
    pred = DQ.heads(x.to(next(DQ.parameters()).device))[1].argmax(dim=1).cpu()  # (N,)
    DQ.train(was_training)
    return metrics.cluster_accuracy(pred, y.cpu())


def infogan_run(x_train: Tensor, x_test: Tensor, y_test: Tensor, *, steps: int, seed: int = 0,
                lam_g: float = 1.0, eval_every: int = 500, device=None, name: str = "",
                progress: bool = False, settings: dict | None = None) -> dict:
    """Train one InfoGAN of :func:`infogan_nets` with ``INFOGAN_CONFIG``, without labels.

    settings: changes to ``INFOGAN_CONFIG`` for this run, e.g. ``{"fixed_std": 1.0,
    "lam_cont": 1.0}`` (the authors' code: Q's σ for the continuous codes fixed at 1, and
    λ = 1 for them too). Seeds torch with ``seed`` before building the nets. Every ``eval_every``
    steps (and at the end) measures :func:`q_cluster_accuracy` on (x_test, y_test), printing
    it when ``name`` is given. Returns {"G", "DQ" (eval mode), "seed", "lam_g", "steps",
    "seconds", "curve": [(step, accuracy)], "cluster_accuracy": the curve's last value}, the
    form of :func:`load_infogan`'s runs. ``data/train_infogan.py`` makes the shipped runs with it.
    """
    unknown = sorted(set(settings or {}) - set(INFOGAN_CONFIG))
    if unknown:
        raise ValueError(f"settings may change only the keys of INFOGAN_CONFIG {sorted(INFOGAN_CONFIG)}; "
                         f"got {unknown}")
    c = {**INFOGAN_CONFIG, **(settings or {})}
    steps, eval_every = checks.positive_int(steps, "steps"), checks.positive_int(eval_every, "eval_every")
    _check_ids(y_test, len(_check_data(x_test, "x_test")), "y_test")
    torch.manual_seed(checks.nonnegative_int(seed, "seed"))
    G, DQ = infogan_nets(c["z_dim"], c["n_cat"], c["n_cont"], width=c["width"], hidden=c["hidden"])
    G, DQ = G.to(device), DQ.to(device)
    curve: list[tuple[int, float]] = []

    def measure(step: int, history: History) -> None:
        if step % eval_every == 0 or step == steps:
            curve.append((step, q_cluster_accuracy(DQ, x_test, y_test)))
            if name:
                print(f"{name}: step {step}, cluster accuracy {curve[-1][1]:.3f}", flush=True)

    h = train_infogan(G, DQ, x_train, steps=steps, z_dim=c["z_dim"], lam=c["lam"], lam_cont=c["lam_cont"],
                      fixed_std=c["fixed_std"], lam_g=lam_g, batch_size=c["batch_size"], lr_g=c["lr_g"],
                      lr_d=c["lr_d"], seed=seed,
                      log_every=math.gcd(eval_every, steps), progress=progress, callback=measure)
    return {"G": G.eval(), "DQ": DQ.eval(), "seed": seed, "lam_g": lam_g, "steps": steps,
            "seconds": h.seconds, "curve": curve, "cluster_accuracy": curve[-1][1]}


def load_infogan(path=None) -> dict:
    """The InfoGAN runs shipped in ``data/infogan_mnist.pt`` (made by ``data/train_infogan.py``).

    Returns {"config": the training settings, "runs": {name: run}}, each run as
    :func:`infogan_run` returns it, with G and DQ in float32, eval mode, on the CPU and frozen;
    "cluster_accuracy" was measured before the weights were stored in float16.
    """
    path = data_dir() / INFOGAN_FILE if path is None else path
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: run `python {INFOGAN_SCRIPT}` to make it") from None
    config = saved["config"]
    runs = {}
    for name, run in saved["runs"].items():
        G, DQ = infogan_nets(config["z_dim"], config["n_cat"], config["n_cont"],
                             width=config["width"], hidden=config["hidden"])
        G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in run["G"].items()})
        DQ.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in run["DQ"].items()})
        runs[name] = {**{k: v for k, v in run.items() if k not in ("G", "DQ")},
                      "G": G.eval().requires_grad_(False), "DQ": DQ.eval().requires_grad_(False)}
    return {"config": config, "runs": runs}


# --- semi-supervised GANs ----------------------------------------------------------------------


def semi_supervised_step(G, D, opt_g, opt_d, x_lab, y_lab, x_unl, z, x_unl_g):
    """One update of the K-class D, then of G by feature matching (Salimans et al., 2016):

        θ_D ← θ_D − η ∇ [CE(l(x_lab), y_lab) + BCE(logsumexp l(x_unl), logsumexp l(G(z)))]
        θ_G ← θ_G − η ∇ ‖mean f(x_unl_g) − mean f(G(z))‖²

    Without G (G=None) only the labelled cross-entropy is descended: the supervised
    baseline. Returns (L_D, L_G or None).
    """
    if G is None:
        loss_d = F.cross_entropy(D(x_lab), y_lab)
    else:
        fake = G(z)  # (B, ...)
        loss_d = losses.semi_supervised_d_loss(D(x_lab), y_lab, D(x_unl), D(fake.detach()))
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    if G is None:
        return loss_d, None
    with frozen(D):
        loss_g = losses.feature_matching_g_loss(D.features(x_unl_g), D.features(fake))
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return loss_d, loss_g


def train_semi_supervised(D: nn.Module, x_lab: Tensor, y_lab: Tensor, x_unl: Tensor | None = None,
                          G: nn.Module | None = None, *, steps: int, batch_size: int = 100, lr: float = 3e-3,
                          seed: int = 0, log_every: int = 50, progress: bool = False) -> History:
    """Train the K-class D of a semi-supervised GAN, or (G=None) the same net on the labels alone.

    x_lab, y_lab: the few labelled images; x_unl: the unlabelled ones (needed with G);
    G: a generator with ``z_dim`` (noise z ~ U[0, 1]^z_dim, as in the paper's code), or None.
    Each step draws batch_size labelled images (with replacement), and with G as many
    unlabelled images for D, another batch for feature matching, and as many fakes.
    Adam with β = (0.5, 0.999) and learning rate lr for both nets (the paper's 3e-3).
    """
    checks.module(D, "D")
    n_classes = checks.positive_int(getattr(D, "n_classes", 0) or 0, "D.n_classes (D must output K class logits)")
    x_lab = _check_data(x_lab, "x_lab")
    y_lab = _check_ids(y_lab, len(x_lab), "y_lab", n_classes)
    if G is not None:
        checks.module(G, "G")
        if x_unl is None:
            raise ValueError("x_unl (the unlabelled images) is required when G is given")
        x_unl = _check_data(x_unl, "x_unl")
        if not hasattr(G, "z_dim"):
            raise ValueError("G must have a z_dim attribute (the length of its noise)")
    steps, batch_size = checks.positive_int(steps, "steps"), checks.positive_int(batch_size, "batch_size")
    lr = checks.positive(lr, "lr")
    seed, log_every = checks.nonnegative_int(seed, "seed"), checks.positive_int(log_every, "log_every")
    checks.boolean(progress, "progress")
    device = next(D.parameters()).device
    rng = torch.Generator(device=device).manual_seed(seed)
    x_lab, y_lab = x_lab.to(device), y_lab.to(device)
    opt_d = make_optimizer(D.parameters(), "adam", lr, (0.5, 0.999))
    opt_g = make_optimizer(G.parameters(), "adam", lr, (0.5, 0.999)) if G is not None else None
    if G is not None:
        x_unl = x_unl.to(device)
    history = History(G=G, D=D)
    t0 = time.perf_counter()

    def draw(data: Tensor) -> Tensor:
        return data[torch.randint(0, len(data), (batch_size,), device=device, generator=rng)]

    for step in tqdm(range(1, steps + 1), disable=not progress, leave=False):
        b = torch.randint(0, len(x_lab), (batch_size,), device=device, generator=rng)
        if G is None:
            loss_d, loss_g = semi_supervised_step(None, D, None, opt_d, x_lab[b], y_lab[b], None, None, None)
        else:
            z = torch.rand(batch_size, G.z_dim, device=device, generator=rng)
            loss_d, loss_g = semi_supervised_step(G, D, opt_g, opt_d, x_lab[b], y_lab[b], draw(x_unl), z, draw(x_unl))
        if step % log_every == 0 or step == steps:
            _log_losses(history, step, {"d_loss": loss_d} | ({} if loss_g is None else {"g_loss": loss_g}))
    history.seconds = time.perf_counter() - t0
    return history
