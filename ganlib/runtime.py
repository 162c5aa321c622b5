"""Where the code runs and how long it may take: device, seeds, profiles, budgets.

Every chapter starts with ``ganlib.setup()``. It

1. picks the fastest device there is (CUDA, then Apple's MPS, then the CPU),
2. seeds Python, NumPy and PyTorch so that a chapter gives the same figures each run,
3. reads the *profile* from the environment variable ``GANLIB_PROFILE``:

   ========  ===========================================================
   profile   meant for
   ========  ===========================================================
   quick     the test suite: every notebook runs in seconds on a CPU
   full      the published book (the default): minutes a chapter on a CPU
   long      a GPU (Colab, a workstation): more steps, wider models
   ========  ===========================================================

A notebook never tests the profile by name. It asks :func:`budget` for a number,
giving one value per profile, so every size that a profile changes is visible at
the line that uses it::

    steps = ganlib.budget(quick=50, full=3_000, long=20_000)
"""

from __future__ import annotations

import os
import random
from contextlib import nullcontext
from dataclasses import dataclass
from typing import ContextManager, TypeVar

import numpy as np
import torch

PROFILES = ("quick", "full", "long")
PROFILE_ENV = "GANLIB_PROFILE"

T = TypeVar("T")


def profile() -> str:
    """The active profile: ``GANLIB_PROFILE`` if set, else ``"full"``."""
    name = os.environ.get(PROFILE_ENV, "full").strip().lower() or "full"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_ENV} must be one of {PROFILES}; got {name!r}")
    return name


def budget(*, quick: T, full: T, long: T | None = None) -> T:
    """The value for the active profile; ``long`` defaults to ``full``.

    >>> os.environ[PROFILE_ENV] = "quick"; budget(quick=10, full=1000)
    10
    """
    return {"quick": quick, "full": full, "long": full if long is None else long}[profile()]


def get_device(prefer: str | None = None) -> torch.device:
    """CUDA if present, else MPS, else CPU. ``prefer`` (e.g. ``"cpu"``) overrides.

    The environment variable ``GANLIB_DEVICE`` overrides as well, so a reader can
    force the CPU without editing a notebook.
    """
    prefer = prefer or os.environ.get("GANLIB_DEVICE")
    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's (CPU and CUDA) random generators."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def autocast(device: torch.device) -> ContextManager:
    """Mixed precision where it pays: bfloat16 autocast on CUDA, nothing elsewhere.

    bfloat16 keeps float32's exponent range, so GAN losses need no gradient scaler.
    On a CPU the small models of this book run no faster in bfloat16, so we stay
    in float32 there.
    """
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


@dataclass(frozen=True)
class Runtime:
    """What :func:`setup` decided: the device, the profile and the seed."""

    device: torch.device
    profile: str
    seed: int

    def __str__(self) -> str:
        gpu = f" ({torch.cuda.get_device_name(self.device)})" if self.device.type == "cuda" else ""
        return f"ganlib: device={self.device}{gpu}  profile={self.profile}  seed={self.seed}  torch={torch.__version__}"


def setup(seed: int = 0, *, device: str | None = None, verbose: bool = True) -> Runtime:
    """Seed everything, choose the device, read the profile; print and return them."""
    seed_everything(seed)
    if torch.get_num_threads() > (os.cpu_count() or 1):
        torch.set_num_threads(os.cpu_count() or 1)
    rt = Runtime(device=get_device(device), profile=profile(), seed=seed)
    if verbose:
        print(rt)
    return rt
