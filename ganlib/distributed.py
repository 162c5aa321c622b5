"""Training on several processes (GPUs) with PyTorch's own engine (appendix "Scaling up").

The book's loop (:func:`ganlib.train.train_gan`) runs on one device. Here it runs on
``world_size`` processes launched by ``torchrun``, one per GPU, with
:class:`torch.nn.parallel.DistributedDataParallel` (DDP) averaging the gradients of G
and of D across processes after every backward pass. The updates are
:func:`ganlib.train.d_step` and :func:`ganlib.train.g_step`, unchanged; this module only
adds what several processes need:

* :func:`init_from_env`: the process group from ``torchrun``'s environment variables
  (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``), NCCL on
  GPUs, Gloo on CPUs; without ``torchrun`` a single process and no group;
* :func:`shard`: each process keeps its own 1/``world_size`` of the device-resident data;
* :func:`rank_seed`: each process draws its own noise and minibatches (per-rank seeds);
* :func:`wrap`: DDP for G and for D, batch norm turned into
  :class:`torch.nn.SyncBatchNorm` (statistics of the global batch, on GPUs);
* :func:`train_gan_ddp`: the loop, with logging, progress, snapshots and checkpoints on
  rank 0 only.

Traps particular to GANs (the appendix explains them):

* DDP expects every parameter of a wrapped network to get a gradient in each backward
  pass. A discriminator with a head that some passes leave out (InfoGAN's Q head, a
  classifier head) stops at the next step with "Expected to have finished reduction in
  the prior iteration"; :func:`wrap` takes ``find_unused_parameters=True`` for such nets.
  G's step needs no gradient for D at all: D is frozen there and called as
  ``D.module``, the plain network (its weights are the same on every rank), so no
  gradient of D is computed, averaged or thrown away.
* A gradient penalty differentiates D twice (``create_graph=True``). DDP averages the
  parameters' gradients once, in the final backward pass, which holds both the loss's
  and the penalty's terms; tests/test_distributed.py checks that this equals a single
  process on the global batch.
* Every rank must make the same collective calls in the same order: the same number of
  steps and D-steps, no rank-dependent early stop. A NaN on one rank is seen by all at
  the next logging step (the losses are averaged across ranks there), so all stop.
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel as DDP
from tqdm.auto import tqdm

from . import checks, losses, regularizers, train
from .runtime import get_device

BACKENDS = ("gloo", "nccl")
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


@dataclass(frozen=True)
class DistEnv:
    """Where this process stands: its rank, the number of processes, its device.

    ``local_rank`` is the rank among the processes of this machine (node): the GPU
    index it uses. ``initialized`` is False for a single process without a group.
    """

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    initialized: bool

    @property
    def is_main(self) -> bool:
        """True on rank 0, the process that logs, shows progress and writes files."""
        return self.rank == 0


def init_from_env(backend: str | None = None, *, device: str | None = None) -> DistEnv:
    """Join the process group that ``torchrun`` describes in the environment.

    ``torchrun --nproc-per-node=N script.py`` starts N processes and sets ``RANK``,
    ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` in each. This
    reads them, picks GPU ``LOCAL_RANK`` when there are GPUs, and calls
    :func:`torch.distributed.init_process_group`. Without ``WORLD_SIZE`` (a plain
    ``python script.py``) it returns rank 0 of 1 and starts no group, so the same script
    runs on one device.

    backend: ``"nccl"`` (GPUs) or ``"gloo"`` (CPUs; also works with GPUs); default:
    NCCL when the device is a GPU, else Gloo.

    device: ``"cpu"`` or ``"cuda"`` to override the choice (default: GPUs if present).
    """
    if backend is not None:
        checks.choice(backend, "backend", BACKENDS)
    if device is not None:
        checks.choice(device, "device", ("cpu", "cuda"))
    if "WORLD_SIZE" not in os.environ:
        return DistEnv(0, 1, 0, get_device(device), False)
    try:
        rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        local_rank = int(os.environ.get("LOCAL_RANK", rank))
    except (KeyError, ValueError) as err:
        raise ValueError(f"the environment must set RANK and WORLD_SIZE as integers, as torchrun does; {err}") from None
    if not 0 <= rank < world_size:
        raise ValueError(f"RANK must be in [0, WORLD_SIZE={world_size}); got {rank}")
    use_cuda = torch.cuda.is_available() if device is None else device == "cuda"
    if use_cuda:
        if not torch.cuda.is_available():
            raise ValueError("device='cuda' but this machine has no CUDA GPU")
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
        dev = torch.device("cuda", torch.cuda.current_device())
    else:
        dev = torch.device("cpu")
    if backend is None:
        backend = "nccl" if use_cuda else "gloo"
    if backend == "nccl" and not use_cuda:
        raise ValueError("backend='nccl' needs GPUs; use backend='gloo' on CPUs")
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=rank, world_size=world_size)
    return DistEnv(rank, world_size, local_rank, dev, True)


def shard(data: Tensor, rank: int, world_size: int) -> Tensor:
    """Rank ``rank``'s share of the rows of ``data``: rows rank, rank + W, rank + 2W, ...

    Every rank keeps only its shard on its device (a 1/W of the memory) and draws its
    minibatches from it; the W shards are disjoint and together hold every row. The
    rows are dealt round-robin, so a dataset sorted by class gives every rank every class.
    """
    if not isinstance(data, Tensor):
        raise TypeError(f"data must be a torch.Tensor of samples (N, ...); got {type(data).__name__}")
    if data.dim() == 0:
        raise ValueError("data must have a batch dimension (N, ...); got a 0-d tensor")
    world_size = checks.positive_int(world_size, "world_size")
    rank = checks.integer(rank, "rank", low=0, what=f"an int in [0, world_size={world_size})")
    if rank >= world_size:
        raise ValueError(f"rank must be an int in [0, world_size={world_size}); got {rank}")
    if len(data) < world_size:
        raise ValueError(f"data must have at least world_size={world_size} rows, one per rank; got {len(data)}")
    return data[rank::world_size]


def rank_seed(seed: int, rank: int) -> int:
    """An independent seed for rank ``rank``'s noise and minibatches, from the run's ``seed``.

    Derived with NumPy's :class:`~numpy.random.SeedSequence` (seed, rank), so the ranks'
    streams do not overlap and a run is reproducible from ``seed`` and the world size.
    """
    seed = checks.nonnegative_int(seed, "seed")
    rank = checks.nonnegative_int(rank, "rank")
    return int(np.random.SeedSequence([seed, rank]).generate_state(1, dtype=np.uint64)[0] >> 1)


def has_batch_norm(module: nn.Module) -> bool:
    """True if ``module`` holds a batch-norm layer (whose statistics are per rank under DDP)."""
    checks.module(module, "module")
    return any(isinstance(m, _BATCH_NORMS) for m in module.modules())


def wrap(module: nn.Module, env: DistEnv, *, sync_batchnorm: bool = True,
         find_unused_parameters: bool = False) -> nn.Module:
    """``module`` on ``env.device``, inside DDP when there are several processes.

    DDP copies rank 0's weights to every rank now and averages the gradients after each
    backward pass. sync_batchnorm: batch norm computes its statistics over the global
    batch (:class:`torch.nn.SyncBatchNorm`, GPUs only), as one process would; False keeps
    each rank's own statistics (then the run differs from a one-process run). On CPUs a
    network with batch norm needs ``sync_batchnorm=False`` (an error says so).
    find_unused_parameters: True for a network some of whose parameters a forward pass
    may leave out (e.g. an auxiliary head); it costs a graph traversal per step.
    With one process the module is returned on its device, unwrapped.
    """
    checks.module(module, "module")
    if not isinstance(env, DistEnv):
        raise TypeError(f"env must be a DistEnv (from init_from_env); got {type(env).__name__}")
    checks.boolean(sync_batchnorm, "sync_batchnorm")
    checks.boolean(find_unused_parameters, "find_unused_parameters")
    module = module.to(env.device)
    if env.world_size == 1:
        return module
    if sync_batchnorm and has_batch_norm(module):
        if env.device.type != "cuda":
            raise ValueError("sync_batchnorm=True needs GPUs (PyTorch's SyncBatchNorm runs on CUDA only); "
                             "on CPUs pass sync_batchnorm=False: each rank then uses its own batch statistics")
        module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
    device_ids = [env.device.index] if env.device.type == "cuda" else None
    return DDP(module, device_ids=device_ids, find_unused_parameters=find_unused_parameters)


def unwrap(module: nn.Module) -> nn.Module:
    """The network inside a DDP wrapper (the module itself if it is not wrapped)."""
    checks.module(module, "module")
    return module.module if isinstance(module, DDP) else module


def _mean_over_ranks(values: Tensor, env: DistEnv) -> Tensor:
    if env.world_size > 1:
        values = values.clone()
        dist.all_reduce(values)
        values /= env.world_size
    return values


def train_gan_ddp(
    G: nn.Module,
    D: nn.Module,
    real: Tensor,
    config: train.TrainConfig,
    env: DistEnv,
    *,
    d_penalty: Callable[[nn.Module, Tensor, Tensor], Tensor] | None = None,
    sync_batchnorm: bool = True,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
) -> train.History:
    """Train G against D on ``env.world_size`` processes; call it on every rank.

    real: this rank's rows of the training set (:func:`shard`); moved to ``env.device`` once.
    config: as for :func:`ganlib.train.train_gan`; ``config.batch_size`` is the *global*
    batch, split evenly: each rank draws ``batch_size // world_size`` real rows from its
    shard and as many noise vectors, with its own seed (:func:`rank_seed`). Conditional
    nets (labels) are not supported here.
    d_penalty(D, real, fake): a term added to D's loss, e.g. ``regularizers.r1_d_penalty()``.
    sync_batchnorm: see :func:`wrap`.
    checkpoint: a file rank 0 writes at the end (G's, D's and the optimisers' states).

    Returns the :class:`~ganlib.train.History` on every rank; its ``log`` (losses averaged
    over the ranks), snapshots and ``G``/``D`` (the plain networks) are filled on rank 0;
    the other ranks' ``log`` stays empty. After the call G and D hold the trained weights
    on every rank.
    """
    checks.module(G, "G")
    checks.module(D, "D")
    if not isinstance(config, train.TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    if not isinstance(env, DistEnv):
        raise TypeError(f"env must be a DistEnv (from init_from_env); got {type(env).__name__}")
    if not isinstance(real, Tensor) or not real.is_floating_point():
        raise TypeError(f"real must be a floating-point torch.Tensor of samples; got "
                        f"{real.dtype if isinstance(real, Tensor) else type(real).__name__}")
    checks.boolean(progress, "progress")
    if d_penalty is not None:
        checks.function(d_penalty, "d_penalty", "a callable d_penalty(D, real, fake)")
    if getattr(G, "n_classes", 0) or getattr(D, "n_classes", 0):
        raise ValueError("G and D must be unconditional (n_classes=0): train_gan_ddp takes no labels")
    if config.batch_size % env.world_size:
        raise ValueError(f"batch_size of config (the global batch, {config.batch_size}) must be a multiple of "
                         f"world_size={env.world_size}")
    local_batch = config.batch_size // env.world_size
    if checkpoint is not None:
        train._check_checkpoint_path(checkpoint)
    real = real.to(env.device)
    train._check_finite_data(real)
    if len(real) < local_batch:
        raise ValueError(f"real must hold at least batch_size // world_size = {local_batch} rows on each rank; "
                         f"got {len(real)}")

    G_ddp = wrap(G, env, sync_batchnorm=sync_batchnorm)
    D_ddp = wrap(D, env, sync_batchnorm=sync_batchnorm)
    G_net, D_net = unwrap(G_ddp), unwrap(D_ddp)  # the plain networks (SyncBatchNorm inside if converted)
    rng = torch.Generator(device=env.device).manual_seed(rank_seed(config.seed, env.rank))
    batches = train._Batches(real, local_batch, rng)
    G_ema = copy.deepcopy(G_net).requires_grad_(False) if config.ema > 0 else None
    opt_g = train.make_optimizer(G_ddp.parameters(), config.optimizer, config.lr_g, config.betas)
    opt_d = train.make_optimizer(D_ddp.parameters(), config.optimizer, config.lr_d, config.betas)
    g_kind = config.g_loss_kind or config.loss
    history = train.History(G=G_net, D=D_net, G_ema=G_ema)
    if env.is_main:  # the snapshots' noise: the same whatever the world size
        fixed = torch.Generator(device=env.device).manual_seed(config.seed)
        history.fixed_z = train.sample_latent(config.n_fixed, config.z_dim, kind=config.latent,
                                              device=env.device, generator=fixed)
        train._snapshot(G_net, history.fixed_z, 0, history)

    def noisy(x: Tensor) -> Tensor:
        if not config.instance_noise:
            return x
        return x + config.instance_noise * torch.randn(x.shape, device=x.device, generator=rng, dtype=x.dtype)

    def d_loss_of(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        if config.label_smoothing:
            return regularizers.one_sided_smoothed_bce_d_loss(
                real_logits, fake_logits, real_target=1 - config.label_smoothing)
        return losses.d_loss(config.loss, real_logits, fake_logits)

    t0 = time.perf_counter()
    bar = tqdm(total=config.steps, disable=not (progress and env.is_main), desc="training", leave=False)
    for step in range(1, config.steps + 1):
        if config.lr_schedule != "constant":
            factor = train.lr_factor(config.lr_schedule, step, config.steps)
            for opt, lr in ((opt_d, config.lr_d), (opt_g, config.lr_g)):
                for group in opt.param_groups:
                    group["lr"] = lr * factor
        for _ in range(config.d_steps):  # every rank: the same number of D steps
            x = real[batches.next_indices()]  # (b, ...), b = batch_size / world_size
            z = train.sample_latent(local_batch, config.z_dim, kind=config.latent, device=env.device, generator=rng)
            loss_d, real_logits, fake_logits, fake = train.d_step(
                G_ddp, D_ddp, opt_d, x, z, d_loss=d_loss_of, see=noisy, penalty=d_penalty)
        # D_net = D.module: D is frozen in G's step and needs no DDP bookkeeping there.
        # G's gradients are averaged by G_ddp: fake came from G_ddp's forward pass.
        loss_g = train.g_step(D_net, opt_g, fake, g_loss=partial(losses.g_loss, g_kind), see=noisy)
        if G_ema is not None:
            train.update_ema(G_ema, G_net, config.ema)
        if step % config.log_every == 0 or step == config.steps:  # every rank: a collective call
            stats = torch.stack([loss_d.detach().float(), loss_g.detach().float(),
                                 torch.sigmoid(real_logits.detach().float()).mean(),
                                 torch.sigmoid(fake_logits.detach().float()).mean()])
            stats = _mean_over_ranks(stats, env)
            if not bool(torch.isfinite(stats[:2]).all()):
                raise FloatingPointError(f"a loss became {stats[:2].tolist()} (mean over ranks) by step {step}: "
                                         "training diverged on at least one rank")
            if env.is_main:
                log = history.log
                for k, v in zip(("d_loss", "g_loss", "d_real", "d_fake"), stats.tolist()):
                    log[k].append(v)
                log["step"].append(step)
                log["grad_d"].append(train.grad_norm(D_net))
                log["grad_g"].append(train.grad_norm(G_net))
                bar.set_postfix(d_loss=f"{stats[0]:.3f}", g_loss=f"{stats[1]:.3f}")
        if env.is_main and ((config.snapshot_every and step % config.snapshot_every == 0) or step == config.steps):
            train._snapshot(G_net, history.fixed_z, step, history)
        bar.update(1)
    bar.close()
    if checkpoint is not None and env.is_main:
        torch.save({"step": config.steps, "G": G_net.state_dict(), "D": D_net.state_dict(),
                    "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "world_size": env.world_size},
                   checkpoint)
    if env.world_size > 1:
        dist.barrier()  # no rank leaves (and, say, destroys the group) while rank 0 still writes
    history.seconds = time.perf_counter() - t0
    return history


def cleanup(env: DistEnv) -> None:
    """Leave the process group (at the end of a script); nothing for a single process."""
    if not isinstance(env, DistEnv):
        raise TypeError(f"env must be a DistEnv (from init_from_env); got {type(env).__name__}")
    if env.initialized and dist.is_initialized():
        dist.destroy_process_group()


__all__ = ["BACKENDS", "DistEnv", "init_from_env", "shard", "rank_seed", "has_batch_norm", "wrap", "unwrap",
           "train_gan_ddp", "cleanup"]
