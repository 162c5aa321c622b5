"""ganlib: the small PyTorch library behind *GANs, Question by Question*.

One module per concept; read any of them top to bottom. Start with
:func:`ganlib.setup`, then see ``ganlib.data``, ``ganlib.nets``, ``ganlib.losses``,
``ganlib.train``, ``ganlib.metrics``, ``ganlib.plot``.
"""

import importlib
import os

# PyTorch's CPU threads (OpenMP) spin while they wait for work. When other programs share
# the cores, the spinning threads steal each other's time and small networks train up
# to 30 times slower; sleeping while waiting costs little. This only takes effect if
# ganlib is imported before torch (the setup cell of every chapter does that).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .runtime import PROFILES, Runtime, autocast, budget, get_device, profile, seed_everything, setup

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "Runtime",
    "autocast",
    "budget",
    "get_device",
    "profile",
    "seed_everything",
    "setup",
    "__version__",
]

# Submodules load on first use, so `import ganlib; ganlib.data.ring(...)` works and
# `import ganlib` stays fast (matplotlib and scipy load only when a chapter needs them).
_SUBMODULES = (
    "bench", "checks", "classifier", "conditional", "data", "divergences", "exercises", "games", "losses",
    "metrics", "nets", "plot", "regularizers", "relations", "sampling", "text", "train", "vae", "widgets",
)
_SUBMODULES += ("distributed", "bench_ddp")  # the scaling appendix
_SUBMODULES += ("translation",)  # chapter 9


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ganlib' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
