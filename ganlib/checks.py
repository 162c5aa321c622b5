"""Argument checks shared by the modules: errors that name the argument and what was expected.

One implementation per kind of check. The contract, everywhere in ganlib:

* a value of the wrong *type* (a string for a number, a NumPy array where a tensor is
  needed, an int tensor where a float one is needed) raises ``TypeError``;
* a value of the right type but the wrong *value or shape* (a negative size, a
  probability above 1, a NaN where a metric needs a number) raises ``ValueError``;
* the message starts with the argument's name and says what was expected and what came.

Checks that would read a tensor's values (NaN, range) force a host–device sync on a GPU;
the hot paths of training (losses, penalties) therefore check only shapes and dtypes and
let NaN in give NaN out. Metrics and divergences, which run once per evaluation, check values.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor


def _got(value: object) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '...' if len(text) > 60 else text}"


# --- integers -------------------------------------------------------------------------


def integer(value: object, name: str, *, low: int | None = None, what: str | None = None) -> int:
    """``value`` as an int (>= ``low`` if given); TypeError for a non-integer, ValueError below ``low``."""
    what = what or ("an int" if low is None else f"an int >= {low}")
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name} must be {what}; got {_got(value)}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be {what}; got {_got(value)}") from None
    if low is not None and number < low:
        raise ValueError(f"{name} must be {what}; got {number}")
    return number


def positive_int(value: object, name: str) -> int:
    """``value`` as an int if it is a positive integer, else a ValueError/TypeError naming ``name``."""
    return integer(value, name, low=1, what="a positive int")


def nonnegative_int(value: object, name: str) -> int:
    """``value`` as an int if it is an integer >= 0, else a ValueError/TypeError naming ``name``."""
    return integer(value, name, low=0, what="an int >= 0")


def as_shape(shape: object, name: str) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of positive ints.

    TypeError when it is not an int or a sequence of ints, ValueError when a size is <= 0
    or the sequence is empty.
    """
    what = "a positive int or a tuple of positive ints"
    if isinstance(shape, (str, bytes)) or not (isinstance(shape, (numbers.Integral, Sequence, torch.Size))):
        raise TypeError(f"{name} must be {what}; got {_got(shape)}")
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in shape):
        raise TypeError(f"{name} must be {what}; got {shape!r}")
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"{name} must be {what}; got {shape!r}")
    return tuple(int(s) for s in shape)


def widths(value: object, name: str) -> tuple[int, ...]:
    """Hidden-layer widths: a tuple/list of positive ints (possibly empty: no hidden layer)."""
    what = "a tuple of positive ints (one width per hidden layer), e.g. (256, 256)"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be {what}; got {_got(value)}")
    if any(isinstance(w, bool) or not isinstance(w, numbers.Integral) for w in value):
        raise TypeError(f"{name} must be {what}; got {tuple(value)!r}")
    if any(w <= 0 for w in value):
        raise ValueError(f"{name} must be {what}; got {tuple(value)!r}")
    return tuple(int(w) for w in value)


# --- real numbers ---------------------------------------------------------------------


def number(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
    what: str | None = None,
) -> float:
    """``value`` as a float, a finite real in the given interval.

    TypeError for a string, a bool, a tensor with more than one element, or anything not
    real; ValueError for NaN/inf (when ``finite``) or a value outside [low, high] (the
    bounds excluded with ``low_open``/``high_open``).
    """
    if what is None:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high}")
        what = ("a finite number" if finite else "a number") + (" " + " and ".join(parts) if parts else "")
    if isinstance(value, (Tensor, np.ndarray)) and value.ndim == 0 and value.dtype != bool and value.dtype != torch.bool:
        value = value.item()  # a 0-d tensor or array holding one number
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}; got {_got(value)}")
    x = float(value)
    if math.isnan(x) or (finite and math.isinf(x)):
        raise ValueError(f"{name} must be {what}; got {x}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{name} must be {what}; got {x}")
    if high is not None and (x >= high if high_open else x > high):
        raise ValueError(f"{name} must be {what}; got {x}")
    return x


def positive(value: object, name: str) -> float:
    """A finite number > 0."""
    return number(value, name, low=0, low_open=True)


def nonnegative(value: object, name: str) -> float:
    """A finite number >= 0."""
    return number(value, name, low=0)


def probability(value: object, name: str, *, open_low: bool = False, open_high: bool = False) -> float:
    """A number in [0, 1] (ends excluded on request)."""
    return number(value, name, low=0, high=1, low_open=open_low, high_open=open_high)


def boolean(value: object, name: str) -> bool:
    """A bool (numpy's bool too); TypeError otherwise (``"False"`` is true in Python, so refuse it)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {_got(value)}")
    return bool(value)


def choice(value: object, name: str, choices: Sequence[Any]) -> Any:
    """``value`` if it is one of ``choices``; TypeError for an unhashable/non-string kind, else ValueError."""
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        options = ", ".join(map(repr, choices))
        if all(isinstance(c, str) for c in choices) and not isinstance(value, str) and value is not None:
            raise TypeError(f"{name} must be one of {options}; got {_got(value)}")
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def function(value: object, name: str, what: str = "a callable") -> Callable:
    """A callable (a function or an nn.Module); TypeError otherwise."""
    if not callable(value):
        raise TypeError(f"{name} must be {what}; got {_got(value)}")
    return value  # type: ignore[return-value]


def module(value: object, name: str) -> torch.nn.Module:
    """A torch.nn.Module; TypeError otherwise."""
    if not isinstance(value, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module; got {_got(value)}")
    return value


def generator(value: object, name: str = "generator") -> torch.Generator | None:
    """None or a torch.Generator (the random stream); TypeError otherwise."""
    if value is not None and not isinstance(value, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None; got {_got(value)}")
    return value


# --- tensors --------------------------------------------------------------------------


def _dims_text(dims: int | tuple[int, ...]) -> str:
    if isinstance(dims, int):
        return f"{dims}-D"
    return " or ".join(f"{d}-D" for d in dims)


def tensor(
    x: object,
    name: str,
    *,
    dims: int | tuple[int, ...] | None = None,
    floating: bool = True,
    convert: bool = False,
    nonempty: bool = True,
    shape: str | None = None,
) -> Tensor:
    """``x`` as a tensor: the type, dtype and number of dimensions checked (never the values).

    ``floating``: the dtype must be a floating-point one. ``convert``: accept a NumPy array
    (or nested lists) and an integer/bool tensor too, converted to the default float dtype
    (an integer tensor to float, keeping its device); otherwise those raise a TypeError.
    ``dims``: the allowed numbers of dimensions (ValueError). ``nonempty``: refuse 0 rows.
    ``shape``: how to describe the expected shape in messages, e.g. "(N, 2)".
    This check reads only metadata: it never synchronises with the GPU.
    """
    want = f"a {'floating-point ' if floating else ''}torch.Tensor" + (f" of shape {shape}" if shape else "")
    if not isinstance(x, Tensor):
        if convert and isinstance(x, (np.ndarray, list, tuple)) and not isinstance(x, str):
            try:
                arr = np.asarray(x)
            except (ValueError, TypeError):
                raise TypeError(f"{name} must be {want}; got {_got(x)}") from None
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{name} must be {want}; got {_got(x)}")
            x = torch.as_tensor(arr)
        else:
            hint = " (convert it with torch.as_tensor)" if isinstance(x, np.ndarray) else ""
            raise TypeError(f"{name} must be {want}; got {_got(x)}{hint}")
    if floating and not (x.is_floating_point()):
        if convert and x.dtype in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64):
            x = x.to(torch.get_default_dtype())
        else:
            raise TypeError(f"{name} must be {want}; got {_got(x)} (convert it with .float())")
    if dims is not None:
        allowed = (dims,) if isinstance(dims, int) else tuple(dims)
        if x.dim() not in allowed:
            raise ValueError(f"{name} must be {_dims_text(dims)}{' ' + shape if shape else ''}; got shape {tuple(x.shape)}")
    if nonempty and (x.dim() == 0 and dims not in (None, 0) or x.dim() > 0 and x.shape[0] == 0):
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}): at least one sample is needed")
    return x


def image_batch(x: object, name: str, channels: int, *, nonempty: bool = True) -> Tensor:
    """``x`` as a float image batch of shape (N, channels, H, W): TypeError/ValueError naming
    ``name`` otherwise (metadata only, like :func:`tensor`). ``nonempty``: refuse 0 images."""
    tensor(x, name, dims=4, nonempty=nonempty, shape=f"(N, {channels}, H, W)")
    if x.shape[1] != channels:
        raise ValueError(f"{name} must have shape (N, {channels}, H, W), {channels} channel(s); "
                         f"got {tuple(x.shape)}")
    return x


def batch(x: object, name: str, shape: Sequence[int], *, nonempty: bool = False) -> Tensor:
    """A float batch of shape ``(N, *shape)``: type, dtype and shape checked (metadata only).

    TypeError for a non-tensor or a non-float tensor, ValueError for another shape (and
    for N = 0 when ``nonempty``). The message shows the expected shape, e.g. (N, 1, 28, 28).
    """
    expected = "(N, " + ", ".join(map(str, shape)) + ")"
    tensor(x, name, nonempty=False, shape=expected)
    if x.dim() != len(shape) + 1 or tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape {expected}; got {tuple(x.shape)}")
    if nonempty and len(x) == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}): at least one sample is needed")
    return x


def logits(x: object, name: str) -> Tensor:
    """One logit per sample: a float tensor (N,) or (N, 1) with N >= 1, returned as (N,).

    TypeError for a non-tensor or a non-float tensor (an int or uint8 tensor is a mistake,
    not a logit); ValueError for another shape or 0 samples. Metadata only: NaN passes.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of logits; got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor of logits; got dtype {x.dtype}")
    if not (x.dim() == 1 or (x.dim() == 2 and x.shape[1] == 1)):
        raise ValueError(f"{name} must have shape (N,) or (N, 1): one logit per sample; got {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} is empty: a loss needs at least one sample")
    return x.reshape(-1)  # (N,)


def same_shape(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    """ValueError unless the two tensors/arrays have the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{name_a} and {name_b} must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}")


def same_length(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    """ValueError unless the two tensors/arrays have the same number of rows."""
    if len(a) != len(b):
        raise ValueError(f"{name_a} and {name_b} must have the same number of rows; got {len(a)} and {len(b)}")


def finite(x: Tensor | np.ndarray, name: str) -> None:
    """ValueError if ``x`` holds NaN or ±inf (reads the values: a GPU sync; not for hot paths)."""
    bad = (~torch.isfinite(x)).any().item() if isinstance(x, Tensor) else not np.isfinite(x).all()
    if bad:
        raise ValueError(f"{name} must hold finite values; it holds NaN or inf")


def in_range(x: Tensor, name: str, low: float, high: float, what: str = "") -> None:
    """ValueError unless every value of ``x`` lies in [low, high] (reads the values)."""
    if x.numel() and (x.min().item() < low or x.max().item() > high or torch.isnan(x).any().item()):
        lo, hi = x.nan_to_num(float("nan")).min().item(), x.max().item()
        raise ValueError(f"{name} must hold values in [{low}, {high}]{what}; got values in [{lo:.4g}, {hi:.4g}]")


def array(
    x: object,
    name: str,
    *,
    dims: int | tuple[int, ...] | None = None,
    finite_values: bool = True,
    nonempty: bool = True,
    shape: str | None = None,
) -> np.ndarray:
    """``x`` (a tensor, a NumPy array or a nested list of numbers) as a float64 NumPy array.

    TypeError for strings, objects and non-numeric dtypes; ValueError for a wrong number
    of dimensions, an empty array, or NaN/inf (when ``finite_values``).
    """
    want = "an array of numbers (a tensor, NumPy array or list)" + (f" of shape {shape}" if shape else "")
    if isinstance(x, (str, bytes)) or x is None or isinstance(x, dict):
        raise TypeError(f"{name} must be {want}; got {_got(x)}")
    if isinstance(x, Tensor):
        arr = x.detach().cpu().double().numpy() if x.dtype != torch.bool else x.cpu().numpy().astype(float)
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError):
            raise TypeError(f"{name} must be {want}; got {_got(x)}") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be {want}; got {_got(x)}")
        arr = arr.astype(np.float64)
    if dims is not None:
        allowed = (dims,) if isinstance(dims, int) else tuple(dims)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must be {_dims_text(dims)}{' ' + shape if shape else ''}; got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if finite_values and not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite values; it holds NaN or inf")
    return arr


def finite_loss(value: Tensor, what: str, step: int) -> None:
    """FloatingPointError if a training loss (a 0-d tensor) is NaN/inf: "diverged at step ...".

    Reads the value (a GPU sync): call it at logging steps, not every step.
    """
    if not torch.isfinite(value):
        raise FloatingPointError(f"{what} became {value.item()} at step {step}: training diverged; try a smaller lr.")
