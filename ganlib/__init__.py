"""ganlib: the small PyTorch library behind *GANs, Question by Question*.

One module per concept; read any of them top to bottom. Start with
:func:`ganlib.setup`, then see ``ganlib.data``, ``ganlib.nets``, ``ganlib.losses``,
``ganlib.train``, ``ganlib.metrics``, ``ganlib.plot``.
"""

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
