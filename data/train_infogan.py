"""Train the InfoGAN runs that chapter 8 loads: three seeds, and the ablation without G's term.

    python data/train_infogan.py              # 54 minutes on an idle 2-core CPU (3 Dec 2026)
    python data/train_infogan.py --jobs 1     # one run at a time, about twice as long
    python data/train_infogan.py --fixed-std --jobs 4 --out /tmp/infogan_fixed_std.pt
        # the variant of the authors' code (below), not shipped: 67 minutes, four at a time

Each run is :func:`ganlib.conditional.infogan_run`: InfoGAN's MNIST networks at half the
paper's convolution widths and a quarter of its fully connected widths
(:func:`~ganlib.conditional.infogan_nets`), trained by :func:`~ganlib.conditional.train_infogan`
on the 8 000 shipped training digits, without labels, for STEPS steps with the paper's
settings (``ganlib.conditional.INFOGAN_CONFIG``): batch 64, Adam (D 2e-4, G 1e-3,
β₁ = 0.5), λ = 1 for the 10-way categorical code and 0.1 for the two continuous codes, 62
noise dimensions. Every EVAL_EVERY steps it measures Q's cluster accuracy on the 2 000
shipped test digits (the curve the chapter plots). Runs:

* "λ_G = 1, seed s" for s in SEEDS: InfoGAN;
* "λ_G = 0, seed 0": the ablation, G not asked to write the code (Q still learns to read it).

Q predicts a mean and a standard deviation σ for each continuous code. The authors' code
(``launchers/run_mnist_exp.py``: ``Uniform(1, fix_std=True)``, ``info_reg_coeff=1.0``) fixes
σ at 1 and weighs all codes with λ = 1; ``--fixed-std`` trains that variant, which the
chapter reports beside the shipped runs.

The weights are stored in float16 (half the size) in ``data/infogan_mnist.pt``; the
chapter measures the cluster accuracy again from them. Each run uses one thread and is
seeded, so a run repeats bit for bit on the same software and machine (another CPU can
sum in another order: data/README.md).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for ganlib
from ganlib import conditional
from ganlib.data import data_dir, load_mnist

STEPS = 20_000
EVAL_EVERY = 500
SEEDS = (0, 1, 2)


def train_one(job: tuple[str, int, float, int, dict]) -> tuple[str, dict]:
    name, seed, lam_g, steps, settings = job
    torch.set_num_threads(1)
    x_train, _ = load_mnist("train")
    x_test, y_test = load_mnist("test")
    run = conditional.infogan_run(x_train, x_test, y_test, steps=steps, seed=seed, lam_g=lam_g,
                                  eval_every=EVAL_EVERY, name=name, settings=settings)
    print(f"{name}: {steps} steps in {run['seconds']:.0f} s", flush=True)
    half = lambda net: {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    return name, {**run, "G": half(run["G"]), "DQ": half(run["DQ"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at once, one thread each")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--out", type=Path, default=data_dir() / conditional.INFOGAN_FILE)
    parser.add_argument("--fixed-std", action="store_true",
                        help="as the authors' code: Q's σ for the continuous codes fixed at 1, and λ = 1 for them")
    args = parser.parse_args()
    settings = {"fixed_std": 1.0, "lam_cont": 1.0} if args.fixed_std else {}
    jobs = [(f"λ_G = 1, seed {s}", s, 1.0, args.steps, settings) for s in SEEDS]
    jobs += [("λ_G = 0, seed 0", 0, 0.0, args.steps, settings)]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        runs = dict(pool.map(train_one, jobs, chunksize=1))
    config = {**conditional.INFOGAN_CONFIG, **settings, "steps": args.steps, "torch": str(torch.__version__)}
    torch.save({"config": config, "runs": runs}, args.out)
    for name, run in runs.items():
        print(f"{name}: cluster accuracy {run['cluster_accuracy']:.3f} ({run['seconds']:.0f} s)")
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
