"""The appendix's training script runs under torchrun: 2 CPU processes, a few steps.

book/appendix_scaling.md shows book/scripts/train_ddp.py and the torchrun commands that
launch it; this runs the one-machine command on CPUs (Gloo) with a tiny DCGAN and checks
rank 0's log and checkpoint. (tests/test_distributed.py checks what the training computes.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def test_torchrun_runs_the_appendix_script(tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    assert torchrun, "torchrun (installed with torch) was not found"
    ckpt = tmp_path / "dcgan_ddp.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [torchrun, "--standalone", "--nproc-per-node=2", str(ROOT / "book" / "scripts" / "train_ddp.py"),
         "--steps", "4", "--width", "4", "--batch-size", "16", "--checkpoint", str(ckpt)],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("step")]
    assert [int(line.split()[1]) for line in lines] == [1, 2, 3, 4], run.stdout  # rank 0 alone prints
    assert "2 process(es)" in run.stdout
    state = torch.load(ckpt)
    assert state["world_size"] == 2 and state["step"] == 4
    assert set(state) >= {"G", "D", "opt_g", "opt_d"}
