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
    force the CPU without editing a notebook. A device this machine does not have is
    an error that says how to get one, never a runtime that fails later.
    """
    name = "prefer"
    if prefer is None and os.environ.get("GANLIB_DEVICE"):
        name, prefer = "GANLIB_DEVICE", os.environ["GANLIB_DEVICE"]
    if prefer is not None:
        return _available(prefer, name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


COLAB_GPU = "in Colab: Runtime → Change runtime type → Hardware accelerator: GPU, then run the notebook again"


def _available(prefer, name: str) -> torch.device:
    """torch.device(prefer) if this machine has it, else a ValueError that names ``name``."""
    if not isinstance(prefer, (str, torch.device)):
        raise TypeError(f"{name} must be a device name such as 'cpu' or 'cuda', or a torch.device; "
                        f"got {type(prefer).__name__}")
    try:
        device = torch.device(prefer)
    except RuntimeError:
        raise ValueError(f"{name} must be a device name such as 'cpu', 'cuda', 'cuda:0' or 'mps'; "
                         f"got {prefer!r}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name}={prefer!r} asks for a CUDA GPU, but this machine has none that PyTorch "
                             f"can use. To get one {COLAB_GPU}; or leave {name} unset to use the CPU.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"{name}={prefer!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s), "
                             f"numbered from 0")
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"{name}={prefer!r} asks for Apple's MPS GPU, which PyTorch cannot use here (it needs "
                             f"an Apple-silicon Mac and a PyTorch build with MPS). For a CUDA GPU {COLAB_GPU}; "
                             f"or leave {name} unset to use the CPU.")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's (CPU and CUDA) random generators."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be a non-negative int; got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def share_cores(jobs: int) -> int:
    """Give each of ``jobs`` processes started from here its share of the CPU cores.

    Sets OMP_NUM_THREADS and MKL_NUM_THREADS to cores // jobs (at least 1) unless they are
    set already, so that child processes (notebook kernels) start that many threads, sets
    this process's PyTorch threads to the same, and returns the number. PyTorch's default,
    all cores per process, oversubscribes the machine when several run at once: two DCGAN
    runs side by side on 2 cores took 15.4 s with 2 threads each, 8.6 s with 1
    (``python -m ganlib.bench --side-by-side 2``, 3 Dec 2026).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"jobs must be an int >= 1; got {jobs!r} ({type(jobs).__name__})")
    if jobs < 1:
        raise ValueError(f"jobs must be an int >= 1; got {jobs!r}")
    threads = max(1, (os.cpu_count() or 1) // jobs)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    return threads


def autocast(device: torch.device) -> ContextManager:
    """Mixed precision where it pays: bfloat16 autocast on CUDA, nothing elsewhere.

    bfloat16 keeps float32's exponent range, so GAN losses need no gradient scaler.
    On a CPU the small models of this book run no faster in bfloat16, so we stay
    in float32 there.
    """
    if not isinstance(device, torch.device):
        raise TypeError(f"device must be a torch.device (e.g. runtime.device); got {device!r}")
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
    """Seed everything, choose the device, read the profile; print and return them.

    device: "cpu", "cuda", "mps" (or a torch.device) to insist on one; an error if this
    machine lacks it (with how to get a GPU in Colab). None: the fastest there is.
    """
    # first: a missing GPU fails before anything else happens
    device = _available(device, "device") if device is not None else get_device()
    seed_everything(seed)
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be True or False; got {verbose!r}")
    if torch.get_num_threads() > (os.cpu_count() or 1):
        torch.set_num_threads(os.cpu_count() or 1)
    rt = Runtime(device=device, profile=profile(), seed=seed)
    if verbose:
        print(rt)
    return rt
