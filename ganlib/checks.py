"""Argument checks shared by the modules: errors that name the argument and what was expected."""

from __future__ import annotations

import operator


def positive_int(value: object, name: str) -> int:
    """``value`` as an int if it is a positive integer, else a ValueError/TypeError naming ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive int; got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be a positive int; got {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be a positive int; got {number}")
    return number


def as_shape(shape: object, name: str) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of positive ints, else a ValueError naming ``name``."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s <= 0 for s in shape):
        raise ValueError(f"{name} must be a positive int or a tuple of positive ints; got {shape!r}")
    return shape
