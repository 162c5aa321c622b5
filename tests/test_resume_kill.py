"""Fault injection: a training process killed (SIGKILL) at random moments resumes exactly.

A forked child process trains a tiny GAN on the CPU with a checkpoint after every step (lazy R1
and weight averaging switched on, so their state must survive too). We kill it several
times at random moments — often in the middle of writing a checkpoint — restart it each
time, and compare the end result with a run that was never interrupted: it must be the
same bit for bit. Checkpoints are written to a temporary file and renamed, so a kill
during a save leaves the previous checkpoint intact.
"""

import os
import random
import signal
import multiprocessing
import time

import pytest
import torch

from ganlib import nets, regularizers, train

STEPS = 80



def train_run(checkpoint, result):
    """The child: a tiny GAN, a checkpoint after every step; its end state goes to ``result``."""
    torch.set_num_threads(1)
    # fsync guards a checkpoint against the machine losing power, not against a killed process
    # (the kernel keeps what was written); at tens of ms a save it would dominate this test.
    os.fsync = lambda fd: None  # in this forked child only
    torch.manual_seed(0)
    G = nets.MLPGenerator(2, 2, hidden=(16,))
    D = nets.MLPDiscriminator(2, hidden=(16,))
    x = torch.randn(512, 2, generator=torch.Generator().manual_seed(0))
    cfg = train.TrainConfig(steps=STEPS, z_dim=2, batch_size=32, log_every=5, snapshot_every=20,
                            checkpoint_every=1, ema=0.9)
    h = train.train_gan(G, D, x, cfg, checkpoint=checkpoint, progress=False,
                        d_penalty=regularizers.r1_d_penalty(every=3))
    torch.save(dict(G=G.state_dict(), D=D.state_dict(), G_ema=h.G_ema.state_dict(), log=h.log,
                    snapshots=h.snapshots), result)


def start(checkpoint, result):
    """A forked child (it starts in milliseconds: torch is already imported)."""
    child = multiprocessing.get_context("fork").Process(target=train_run, args=(str(checkpoint), str(result)))
    child.start()
    return child


def saved_step(path):
    return torch.load(path, weights_only=True)["step"] if os.path.exists(path) else 0


@pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not hasattr(os, "fork"), reason="needs POSIX")
def test_sigkill_at_random_moments_then_resume_is_exact(tmp_path):
    reference = start(tmp_path / "straight.pt", tmp_path / "straight.out")
    ckpt, rng, kills = tmp_path / "killed.pt", random.Random(0), []
    while len(kills) < 3:
        mtime = os.path.getmtime(ckpt) if ckpt.exists() else None
        child = start(ckpt, tmp_path / "killed.out")
        deadline = time.monotonic() + 30
        while (os.path.getmtime(ckpt) if ckpt.exists() else None) == mtime:  # until it saves again
            assert child.is_alive(), f"the child died: exit code {child.exitcode}"
            assert time.monotonic() < deadline, "the child made no checkpoint in 30 s"
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))  # then a random moment later: mid-step or mid-save
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        if child.exitcode != -signal.SIGKILL:  # it had finished: start the count again
            pytest.fail(f"the run ended before the kill; lower the delays (kills so far at steps {kills})")
        kills.append(saved_step(ckpt))
    assert kills == sorted(kills) and kills[-1] < STEPS  # each restart resumed and got further
    child = start(ckpt, tmp_path / "killed.out")  # the last restart runs to the end
    for proc in (child, reference):
        proc.join(timeout=60)
        assert proc.exitcode == 0, f"exit code {proc.exitcode}"
    a = torch.load(tmp_path / "straight.out", weights_only=True)
    b = torch.load(tmp_path / "killed.out", weights_only=True)
    for net in ("G", "D", "G_ema"):
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), (net, key)
    assert a["log"] == b["log"]
    assert [s for s, _ in a["snapshots"]] == [s for s, _ in b["snapshots"]] == [0, 20, 40, 60, 80]
    assert all(torch.equal(x, y) for (_, x), (_, y) in zip(a["snapshots"], b["snapshots"]))
