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
"""

from __future__ import annotations

import argparse
import statistics
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


def main(argv: list[str] | None = None) -> dict:
    """The command line: run both loops, print steps/s, return the medians and their ratio."""
    parser = argparse.ArgumentParser(prog="python -m ganlib.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per run (default: 40 on CPU, 400 on GPU)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=None, help="DCGAN width (default: 32 on CPU, 64 on GPU)")
    parser.add_argument("--z-dim", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

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
