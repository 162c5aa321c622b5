"""Two processes with DDP train exactly what one process trains on the global batch.

The test launches 2 CPU processes (torch.multiprocessing, the Gloo backend, the
environment variables torchrun would set), runs ganlib.distributed.train_gan_ddp for a
few steps on a toy 2-D task, and checks that

* both ranks end with identical weights (DDP averaged the same gradients on both), and
* these weights equal a single process that trains on the *global* batch, the
  concatenation of the two ranks' minibatches and noise, with the plain
  ganlib.train.d_step / g_step and no DDP, within float tolerance (the sums run in
  another order).

Once with the non-saturating loss, once with the R1 gradient penalty, whose double
backward passes through D's DDP wrapper. The comparison can fail: a single process on
rank 0's half-batch alone ends far outside the tolerance.

A third run shows the batch-norm trap: with per-rank batch statistics (SyncBatchNorm
needs GPUs) the two ranks agree with each other but not with the one-process run.
"""

from __future__ import annotations

import os
import socket
from functools import partial

import pytest
import torch
import torch.multiprocessing as mp

from ganlib import data, distributed, losses, nets, regularizers, train

WORLD = 2
STEPS = 15
CONFIG = dict(steps=STEPS, z_dim=2, batch_size=32, lr_g=1e-3, lr_d=1e-3, log_every=5, seed=3)
PENALTIES = {"none": None, "r1": lambda: regularizers.r1_d_penalty(weight=1.0), "bn": None}


def models(run: str = "none"):
    torch.manual_seed(0)
    if run != "bn":
        return nets.MLPGenerator(2, 2, hidden=(16,)), nets.MLPDiscriminator(2, hidden=(16,))
    # "bn": D normalises with its batch's statistics (per rank under DDP on CPUs)
    D = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.BatchNorm1d(16), torch.nn.LeakyReLU(0.2),
                            torch.nn.Linear(16, 1))
    return nets.MLPGenerator(2, 2, hidden=(16,)), D


def dataset():
    return data.ring(512, generator=torch.Generator().manual_seed(1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(WORLD), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    env = distributed.init_from_env(device="cpu")
    try:
        for penalty, make in PENALTIES.items():  # all runs in one launch: starting processes is slow
            G, D = models(penalty)
            real = distributed.shard(dataset(), env.rank, env.world_size)
            history = distributed.train_gan_ddp(G, D, real, train.TrainConfig(**CONFIG), env,
                                                d_penalty=None if make is None else make(), progress=False,
                                                sync_batchnorm=False)
            torch.save({"G": G.state_dict(), "D": D.state_dict(), "log": history.log},
                       f"{out}/{penalty}_rank{rank}.pt")
    finally:
        distributed.cleanup(env)


def single_process(penalty: str, ranks=range(WORLD)):
    """The reference: one process, the global batch = the ranks' minibatches side by side."""
    G, D = models(penalty)
    full = dataset()
    local = CONFIG["batch_size"] // WORLD
    streams = []
    for r in ranks:  # each rank's shard, generator and batch order, rebuilt here
        rng = torch.Generator().manual_seed(distributed.rank_seed(CONFIG["seed"], r))
        shard = full[r::WORLD]
        streams.append((shard, rng, train._Batches(shard, local, rng)))
    opt_g = train.make_optimizer(G.parameters(), "adam", CONFIG["lr_g"], (0.5, 0.999))
    opt_d = train.make_optimizer(D.parameters(), "adam", CONFIG["lr_d"], (0.5, 0.999))
    make = PENALTIES[penalty]
    pen = None if make is None else make()
    for _ in range(STEPS):
        xs, zs = [], []
        for shard, rng, batches in streams:
            xs.append(shard[batches.next_indices()])
            zs.append(train.sample_latent(local, CONFIG["z_dim"], generator=rng))
        _, _, _, fake = train.d_step(G, D, opt_d, torch.cat(xs), torch.cat(zs),
                                     d_loss=partial(losses.d_loss, "nonsaturating"), penalty=pen)
        train.g_step(D, opt_g, fake, g_loss=partial(losses.g_loss, "nonsaturating"))
    return G.state_dict(), D.state_dict()


def max_diff(a: dict, b: dict) -> float:
    return max((a[k] - b[k]).abs().max().item() for k in a)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    mp.spawn(worker, args=(free_port(), str(out)), nprocs=WORLD, join=True)
    return out


@pytest.mark.parametrize("penalty", ["none", "r1"])
def test_two_ranks_equal_one_process_on_the_global_batch(runs, penalty):
    ranks = [torch.load(runs / f"{penalty}_rank{r}.pt") for r in range(WORLD)]
    for net in ("G", "D"):
        for k in ranks[0][net]:
            assert torch.equal(ranks[0][net][k], ranks[1][net][k]), f"{net}.{k} differs between the ranks"
    assert ranks[0]["log"]["step"] == [5, 10, 15] and ranks[1]["log"]["step"] == []  # rank 0 logs

    G_ref, D_ref = single_process(penalty)
    tol = 1e-5
    for net, ref in (("G", G_ref), ("D", D_ref)):
        diff = max_diff(ranks[0][net], ref)
        print(f"{penalty} {net}: max |DDP - one process| = {diff:.2e}")
        assert diff < tol, f"{net}: DDP vs one process on the global batch differ by {diff:.2e}"
        moved = max_diff(ranks[0][net], models(penalty)[0 if net == "G" else 1].state_dict())
        assert moved > 100 * tol, f"{net} barely trained ({moved:.1e}): the comparison would prove nothing"

    # The comparison can fail: one process on rank 0's half-batch only is far off.
    G_half, _ = single_process(penalty, ranks=[0])
    assert max_diff(ranks[0]["G"], G_half) > 100 * tol


def test_per_rank_batch_norm_is_not_the_one_process_run(runs):
    """The trap the appendix describes: with batch norm and per-rank statistics (no
    SyncBatchNorm, which needs GPUs) the ranks still agree with each other, but no longer
    with one process on the global batch."""
    ranks = [torch.load(runs / f"bn_rank{r}.pt") for r in range(WORLD)]
    for k in ranks[0]["D"]:
        same = torch.equal(ranks[0]["D"][k], ranks[1]["D"][k])
        # the weights agree; the running statistics are each rank's own since the last
        # forward pass (DDP copies rank 0's buffers at the start of the next one)
        assert same == ("running" not in k), f"D.{k}: equal on both ranks is {same}"
    G_ref, D_ref = single_process("bn")
    diff = max(max_diff(ranks[0]["G"], G_ref), max_diff(ranks[0]["D"], D_ref))
    print(f"bn: max |DDP - one process| = {diff:.2e}")
    assert diff > 100 * 1e-5, f"per-rank batch statistics changed nothing ({diff:.1e})"
