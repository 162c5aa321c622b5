r"""Exercise checkers for chapter 5, "DCGAN".

Each checker runs the reader's function on a few cases whose answers are computed here
*independently* of the formula the reader is asked to write (NumPy float64 for the
spherical interpolation, PyTorch's own ``ConvTranspose2d`` for output sizes), prints a
report and returns True when every case passes. None of them raises, so a notebook keeps
running while an exercise is still ``raise NotImplementedError``.

* :func:`check_slerp`: spherical interpolation
  slerp(z₀, z₁; t) = sin((1−t)ω)/sin ω · z₀ + sin(tω)/sin ω · z₁,  cos ω = ⟨z₀, z₁⟩/(‖z₀‖‖z₁‖),
  falling back to linear interpolation when z₀ and z₁ are (nearly) parallel.
* :func:`check_conv_transpose_out`: the output size of a transposed convolution,
  (n − 1)·s − 2p + k + output_padding.
* :func:`check_up_block`: a DCGAN generator block (transposed conv 4×4, stride 2, no bias;
  batch norm; ReLU) that doubles the height and width.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .core import GREEN, RESET, Case, _fail, check

__all__ = ["check_conv_transpose_out", "check_slerp", "check_up_block"]


# --- exercise 1: spherical interpolation --------------------------------------------------


def _slerp_reference(z0: np.ndarray, z1: np.ndarray, t: float) -> np.ndarray:
    """slerp in float64 NumPy; linear interpolation where sin ω is ~0."""
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return np.sin((1 - t) * omega) / np.sin(omega) * z0 + np.sin(t * omega) / np.sin(omega) * z1


def _slerp_cases() -> list[Case]:
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    c = rng.standard_normal(8)
    cases = [
        (np.array([1.0, 0.0]), np.array([0.0, 1.0]), 0.5, "orthogonal unit vectors: the midpoint is (1/√2, 1/√2), norm 1"),
        (a, b, 0.3, "two Gaussian vectors in 16 dimensions, t = 0.3"),
        (a, b, 0.0, "t = 0 gives z0"),
        (a, b, 1.0, "t = 1 gives z1"),
        (np.array([2.0, 0.0, 0.0]), np.array([0.0, 0.0, 3.0]), 0.5, "unequal norms: interpolate the vectors, do not normalise them"),
        (c, c * (1 + 1e-12), 0.4,
         "z1 parallel to z0: sin ω = 0, so fall back to linear interpolation (no 0/0 = NaN); "
         "clamp cos ω to [-1, 1] before arccos"),
    ]
    return [
        Case((torch.from_numpy(z0), torch.from_numpy(z1), t), torch.from_numpy(_slerp_reference(z0, z1, t)), note=note)
        for z0, z1, t, note in cases
    ]


def check_slerp(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(z0, z1, t) -> z``: two (d,) tensors and a float t ∈ [0, 1] in, a (d,) tensor out."""
    return check(fn, _slerp_cases(), name="slerp", atol=1e-6, rtol=1e-6)


# --- exercise 2: the output size of a transposed convolution -----------------------------


def _conv_transpose_reference(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> int:
    """Ask PyTorch: run a ConvTranspose2d on a size×size input and read the output size."""
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding=output_padding)
    with torch.no_grad():
        return int(layer(torch.zeros(1, 1, size, size)).shape[-1])


def _conv_transpose_cases() -> list[Case]:
    cases = [
        ((1, 7, 1, 0), "DCGAN's first layer: z as a 1×1 map → 7×7"),
        ((7, 4, 2, 1), "a DCGAN block: 7×7 → 14×14 (kernel 4, stride 2, padding 1)"),
        ((14, 4, 2, 1), "the output block: 14×14 → 28×28"),
        ((1, 4, 1, 0), "the 32×32 generator's first layer: 1×1 → 4×4"),
        ((5, 3, 2, 1), "kernel 3, stride 2, padding 1: 9, not 10 (the usual off-by-one)"),
        ((5, 3, 2, 1, 1), "output_padding = 1 adds one row and column: 10"),
        ((6, 5, 3, 2), "kernel 5, stride 3, padding 2"),
    ]
    return [Case(args, _conv_transpose_reference(*args), note=note) for args, note in cases]


def check_conv_transpose_out(fn: Callable[..., int]) -> bool:
    """Check ``fn(size, kernel, stride, padding, output_padding=0) -> output size`` (ints)."""
    return check(fn, _conv_transpose_cases(), name="conv_transpose_out", atol=0, rtol=0)


# --- exercise 3: a DCGAN generator block --------------------------------------------------


def _block_problem(fn: Callable[[int, int], nn.Module], c_in: int, c_out: int, size: int) -> str | None:
    """What is wrong with ``fn(c_in, c_out)`` as a DCGAN up-block, or None."""
    block = fn(c_in, c_out)
    if not isinstance(block, nn.Module):
        return f"fn({c_in}, {c_out}) returned a {type(block).__name__}; return an nn.Module (e.g. nn.Sequential(...))"
    modules = list(block.modules())
    convs = [m for m in modules if isinstance(m, nn.ConvTranspose2d)]
    if len(convs) != 1:
        return f"expected one nn.ConvTranspose2d in the block; found {len(convs)}"
    conv = convs[0]
    if (conv.in_channels, conv.out_channels) != (c_in, c_out):
        return f"the transposed conv maps {conv.in_channels} → {conv.out_channels} channels; expected {c_in} → {c_out}"
    if conv.bias is not None:
        return "the transposed conv has a bias: batch norm subtracts the mean right after, so use bias=False"
    bns = [m for m in modules if isinstance(m, nn.BatchNorm2d)]
    if len(bns) != 1 or bns[0].num_features != c_out:
        return f"expected one nn.BatchNorm2d({c_out}) after the convolution; found {[m.num_features for m in bns]}"
    if any(isinstance(m, (nn.LeakyReLU, nn.Tanh, nn.Sigmoid)) for m in modules):
        return "a hidden generator block uses ReLU (LeakyReLU is for D; tanh only at G's output)"
    if not any(isinstance(m, nn.ReLU) for m in modules):
        return "no nn.ReLU in the block: the generator's hidden layers use ReLU"
    block.train()
    x = torch.randn(4, c_in, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = block(x)
    if not isinstance(y, torch.Tensor) or tuple(y.shape) != (4, c_out, 2 * size, 2 * size):
        got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        return (f"input (4, {c_in}, {size}, {size}) gave {got}; expected (4, {c_out}, {2 * size}, {2 * size}): "
                "kernel 4, stride 2, padding 1 doubles the size")
    if (y < 0).any():
        return "the output has negative values: end the block with ReLU (after the batch norm)"
    if not (y == 0).any():
        return "no output is exactly 0: is the ReLU applied last, after the batch norm?"
    n_params = sum(p.numel() for p in block.parameters())
    expected = c_in * c_out * 16 + 2 * c_out
    if n_params != expected:
        return f"the block has {n_params} parameters; expected {c_in}·{c_out}·4·4 + 2·{c_out} = {expected}"
    return None


def check_up_block(fn: Callable[[int, int], nn.Module]) -> bool:
    """Check ``fn(c_in, c_out) -> nn.Module``: transposed conv (4, 2, 1, no bias) → BatchNorm2d → ReLU."""
    name = "up_block"
    cases = [(8, 4, 7), (3, 5, 4), (16, 16, 14)]
    try:
        for i, (c_in, c_out, size) in enumerate(cases, start=1):
            try:
                problem = _block_problem(fn, c_in, c_out, size)
            except NotImplementedError:
                return _fail(name, "not written yet: replace the `raise NotImplementedError` with your code.")
            except Exception as e:  # the reader's bug: report it, do not raise
                return _fail(name, f"case {i} of {len(cases)} (c_in={c_in}, c_out={c_out}, {size}×{size} input) "
                                   f"raised {type(e).__name__}: {e}")
            if problem:
                return _fail(name, f"case {i} of {len(cases)} (c_in={c_in}, c_out={c_out}, {size}×{size} input): {problem}")
        print(f"{GREEN}✓ {name}: all {len(cases)} cases pass{RESET}")
        return True
    except Exception as e:  # a problem in the checker itself must not stop the notebook
        return _fail(name, f"the checker itself failed ({type(e).__name__}: {e}); please report this")
