"""Benchmark: ganlib's training loop vs a plain reference loop, same DCGAN, same batches.

Run ``python -m ganlib.bench`` (``--help`` for options). Both loops train the DCGAN of
:mod:`ganlib.nets` on the shipped digits with the non-saturating loss and Adam; the
runs are interleaved (ganlib, reference, ganlib, ...) so that both see the same machine
state, and the medians of ``--repeats`` runs are compared.

The reference follows the PyTorch DCGAN example (``pytorch/examples/dcgan/main.py``):
a ``DataLoader`` over a ``TensorDataset`` on the CPU, each batch copied to the device,
float32 throughout, ``BCEWithLogitsLoss`` with label tensors, D's real and fake
halves back-propagated separately, and G's step reusing the fake batch of D's step.

ganlib's loop differs in what makes it fast on a GPU: the data stay on the device
and are indexed there, bfloat16 autocast on CUDA, and D is frozen during G's step
(no gradients for D's weights that would be thrown away), and D's real and fake
losses go back in one backward pass.

``python -m ganlib.bench --side-by-side 2`` measures something else: the threads each of
``make book``'s notebook kernels should get when two run at once (:func:`side_by_side`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from . import data, nets, train
from .runtime import get_device, seed_everything


def make_models(z_dim: int, width: int, device: torch.device, seed: int) -> tuple[nn.Module, nn.Module]:
    """The DCGAN pair (G, D) of :mod:`ganlib.nets`, DCGAN-initialised from ``seed``, on ``device``."""
    seed_everything(seed)
    G = nets.init_dcgan_weights(nets.DCGANGenerator(z_dim, width=width)).to(device)
    D = nets.init_dcgan_weights(nets.DCGANDiscriminator(width=width)).to(device)
    return G, D


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def run_ganlib(images: torch.Tensor, *, steps: int, batch_size: int, z_dim: int, width: int, device) -> float:
    """Steps per second of :func:`ganlib.train.train_gan` (after one warm-up step)."""
    G, D = make_models(z_dim, width, device, seed=0)
    real = images.to(device)
    warm = train.TrainConfig(steps=1, z_dim=z_dim, batch_size=batch_size, log_every=1)
    train.train_gan(G, D, real, warm, progress=False)
    cfg = train.TrainConfig(steps=steps, z_dim=z_dim, batch_size=batch_size, log_every=max(1, steps // 10))
    _sync(device)
    t0 = time.perf_counter()
    train.train_gan(G, D, real, cfg, progress=False)
    _sync(device)
    return steps / (time.perf_counter() - t0)


def run_reference(images: torch.Tensor, *, steps: int, batch_size: int, z_dim: int, width: int, device) -> float:
    """Steps per second of a loop written like the PyTorch DCGAN example."""
    netG, netD = make_models(z_dim, width, device, seed=0)
    loader = DataLoader(TensorDataset(images.cpu()), batch_size=batch_size, shuffle=True, drop_last=True)
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def batches():
        while True:
            yield from loader

    it = batches()
    done, t0 = -1, 0.0  # step 0 is the warm-up, not timed
    while done < steps:
        if done == 0:
            _sync(device)
            t0 = time.perf_counter()
        (x,) = next(it)
        x = x.to(device)
        b = x.size(0)
        # (1) update D: maximise log D(x) + log(1 - D(G(z)))
        netD.zero_grad()
        label = torch.full((b,), 1.0, device=device)
        errD_real = criterion(netD(x), label)
        errD_real.backward()
        fake = netG(torch.randn(b, z_dim, device=device))
        label.fill_(0.0)
        errD_fake = criterion(netD(fake.detach()), label)
        errD_fake.backward()
        optD.step()
        # (2) update G: maximise log D(G(z))
        netG.zero_grad()
        label.fill_(1.0)
        errG = criterion(netD(fake), label)
        errG.backward()
        optG.step()
        if done % max(1, steps // 10) == 0:
            _ = errD_real.item() + errD_fake.item() + errG.item()  # the example prints these: a sync
        done += 1
    _sync(device)
    return steps / (time.perf_counter() - t0)


_CHILD = """
import sys, time, torch
from ganlib import bench, data, train
images, _ = data.load_mnist("train", source="shipped")
steps, width = int(sys.argv[1]), int(sys.argv[2])
G, D = bench.make_models(64, width, torch.device("cpu"), seed=0)
config = train.TrainConfig(steps=steps, z_dim=64, batch_size=64, seed=0, log_every=steps)
t0 = time.perf_counter()
train.train_gan(G, D, images, config, progress=False)
print(time.perf_counter() - t0)
"""


def side_by_side(jobs: int = 2, *, steps: int = 200, width: int = 16, repeats: int = 3) -> dict[int, float]:
    """Median seconds until all of ``jobs`` copies of one CPU training run, started together
    in separate processes, have finished, for each thread count t per process: the
    machine's cores // jobs and PyTorch's default, all cores (``OMP_NUM_THREADS=t``).

    Each copy trains chapter 5's DCGAN (width ``width``, batch 64) for ``steps`` steps with
    :func:`ganlib.train.train_gan`; a copy's time excludes its start-up. Returns {t: seconds}.
    """
    cores = os.cpu_count() or 1
    counts = sorted({max(1, cores // jobs), cores})
    times: dict[int, list[float]] = {t: [] for t in counts}
    for r in range(repeats):
        for t in counts:  # interleaved, so both see the same machine state
            env = dict(os.environ, OMP_NUM_THREADS=str(t), MKL_NUM_THREADS=str(t))
            procs = [subprocess.Popen([sys.executable, "-c", _CHILD, str(steps), str(width)], env=env,
                                      stdout=subprocess.PIPE, text=True) for _ in range(jobs)]
            times[t].append(max(float(p.communicate()[0].split()[-1]) for p in procs))
            print(f"  repeat {r + 1}: {jobs} processes x {t} thread(s): {times[t][-1]:.1f} s", flush=True)
    result = {t: statistics.median(v) for t, v in times.items()}
    print(f"median seconds, {jobs} runs of {steps} steps side by side on {cores} cores: "
          + ", ".join(f"{t} thread(s) each {s:.1f} s" for t, s in result.items()))
    return result


def main(argv: list[str] | None = None) -> dict:
    """The command line: run both loops, print steps/s, return the medians and their ratio."""
    parser = argparse.ArgumentParser(prog="python -m ganlib.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per run (default: 40 on CPU, 400 on GPU)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=None, help="DCGAN width (default: 32 on CPU, 64 on GPU)")
    parser.add_argument("--z-dim", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side-by-side", type=int, default=0, metavar="JOBS",
                        help="instead: time JOBS CPU runs at once, at cores/JOBS and at all cores' threads each")
    args = parser.parse_args(argv)
    if args.side_by_side:
        return side_by_side(args.side_by_side, steps=args.steps or 200, width=args.width or 16,
                            repeats=args.repeats)

    device = get_device(args.device)
    on_gpu = device.type != "cpu"
    steps = args.steps or (400 if on_gpu else 40)
    width = args.width or (64 if on_gpu else 32)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # for both loops alike
    images, _ = data.load_mnist("train", source="shipped")
    kw = dict(steps=steps, batch_size=args.batch_size, z_dim=args.z_dim, width=width, device=device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"DCGAN 28x28, width {width}, batch {args.batch_size}, {steps} steps x {args.repeats} repeats on {device} ({name})")

    ours, ref = [], []
    for r in range(args.repeats):
        ours.append(run_ganlib(images, **kw))
        ref.append(run_reference(images, **kw))
        print(f"  repeat {r + 1}: ganlib {ours[-1]:7.2f} steps/s   reference {ref[-1]:7.2f} steps/s")
    result = {"ganlib": statistics.median(ours), "reference": statistics.median(ref)}
    result["ratio"] = result["ganlib"] / result["reference"]
    print(f"median steps/s: ganlib {result['ganlib']:.2f}   reference {result['reference']:.2f}   "
          f"ratio ganlib/reference {result['ratio']:.2f}")
    return result


if __name__ == "__main__":
    main()
