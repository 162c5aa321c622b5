"""Which names of a ganlib module are public: one rule for the tests that sweep them.

tests/test_api_pages.py checks that each public name has an entry in the API appendix;
tests/test_bad_input.py checks that each public callable rejects bad input clearly.
"""

from __future__ import annotations

import inspect


def public_names(module) -> list[str]:
    """The module's public callables, sorted: its ``__all__`` if it has one, else the
    functions and classes it defines whose names do not start with ``_``."""
    if hasattr(module, "__all__"):
        names = list(module.__all__)
    else:
        names = [
            n for n, obj in vars(module).items()
            if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == module.__name__
        ]
    return sorted(n for n in names if callable(getattr(module, n)))
