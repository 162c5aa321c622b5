"""Benchmark: the DCGAN's training throughput on 1 process and on several (DDP).

Run ``python -m ganlib.bench_ddp`` (``--help`` for options). For each setting it starts
the processes itself (``torch.multiprocessing``, the Gloo backend on CPUs, NCCL on GPUs,
the environment variables ``torchrun`` would set), trains the DCGAN of
:mod:`ganlib.nets` on the shipped digits with :func:`ganlib.distributed.train_gan_ddp`
for a few warm-up steps and then ``--steps`` timed ones, and prints images per second.
The global batch is the same in every setting (strong scaling): with W processes each
computes ``batch / W`` images per step and DDP averages the gradients.

On CPUs the settings share the machine's cores: ``--threads`` in all, divided among the
processes (1 process x 2 threads against 2 processes x 1 thread on 2 cores), so the
comparison shows what DDP's communication and the smaller per-process batches cost,
not extra hardware. On a machine with W GPUs each process has its own GPU.
Batch norm keeps per-rank statistics on CPUs (SyncBatchNorm needs GPUs).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics

import torch
import torch.multiprocessing as mp

from . import data, distributed, nets, train


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, threads: int, args: dict, out) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(threads)
    env = distributed.init_from_env(device=args["device"])
    try:
        images, _ = data.load_mnist("train", source="shipped")
        real = distributed.shard(images, env.rank, env.world_size)
        torch.manual_seed(0)
        G = nets.init_dcgan_weights(nets.DCGANGenerator(args["z_dim"], width=args["width"]))
        D = nets.init_dcgan_weights(nets.DCGANDiscriminator(width=args["width"]))
        sync = env.device.type == "cuda"
        common = dict(z_dim=args["z_dim"], batch_size=args["batch_size"], log_every=10**6)
        distributed.train_gan_ddp(G, D, real, train.TrainConfig(steps=args["warmup"], **common), env,
                                  sync_batchnorm=sync, progress=False)
        seconds = []
        for _ in range(args["repeats"]):
            history = distributed.train_gan_ddp(G, D, real, train.TrainConfig(steps=args["steps"], **common), env,
                                                sync_batchnorm=sync, progress=False)
            seconds.append(history.seconds)
        if env.is_main:
            out.put(seconds)
    finally:
        distributed.cleanup(env)


def _measure(world: int, threads: int, args: dict) -> float:
    """Images per second (the median of the repeats) of ``world`` processes with ``threads`` threads each."""
    ctx = mp.get_context("spawn")
    out = ctx.SimpleQueue()
    mp.start_processes(_worker, args=(world, _free_port(), threads, args, out), nprocs=world, join=True,
                       start_method="spawn")
    seconds = out.get()
    return args["steps"] * args["batch_size"] / statistics.median(seconds)


def main(argv: list[str] | None = None) -> dict:
    """The command line: images/s for each number of processes, and the speed-up over one process."""
    parser = argparse.ArgumentParser(prog="python -m ganlib.bench_ddp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--processes", default="1,2", help="comma-separated numbers of processes (default 1,2)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads in all (default: all cores)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--z-dim", type=int, default=64)
    a = parser.parse_args(argv)
    worlds = [int(w) for w in a.processes.split(",")]
    args = dict(device=a.device, steps=a.steps, warmup=a.warmup, repeats=a.repeats, batch_size=a.batch_size,
                width=a.width, z_dim=a.z_dim)
    print(f"DCGAN 28x28, width {a.width}, global batch {a.batch_size}, {a.steps} steps x {a.repeats} repeats, "
          f"{a.device}, {a.threads} threads in all")
    result = {}
    for world in worlds:
        threads = max(1, a.threads // world)
        result[world] = _measure(world, threads, args)
        print(f"  {world} process(es) x {threads} thread(s): {result[world]:8.1f} images/s   "
              f"speed-up {result[world] / result[worlds[0]]:.2f}")
    return result


if __name__ == "__main__":
    main()
