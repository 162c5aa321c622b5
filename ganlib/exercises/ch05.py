r"""Exercises of chapter 5, "DCGAN: convolutional GANs that train".

See :mod:`.registry`.

The expected values are computed *independently* of the formula the reader is asked
to write (NumPy float64 for the spherical interpolation, PyTorch's own
``ConvTranspose2d`` for output sizes):

* ``check_slerp``: spherical interpolation
  slerp(z₀, z₁; t) = sin((1−t)ω)/sin ω · z₀ + sin(tω)/sin ω · z₁,  cos ω = ⟨z₀, z₁⟩/(‖z₀‖‖z₁‖),
  falling back to linear interpolation when z₀ and z₁ are (nearly) parallel.
* ``check_conv_transpose_out``: the output size of a transposed convolution,
  (n − 1)·s − 2p + k + output_padding.
* ``check_up_block``: a DCGAN generator block (transposed conv 4×4, stride 2, no bias;
  batch norm; ReLU) that doubles the height and width.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .core import Case, Mistake
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_conv_transpose_out", "check_slerp", "check_up_block"]


# --- exercise 1: spherical interpolation --------------------------------------------------


def slerp_single(z0, z1, t):
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1, 1))  # rounding can push |cos| past 1
    if torch.sin(omega) < 1e-6:  # (nearly) parallel: the arc is the line
        return (1 - t) * z0 + t * z1
    a, b = torch.sin((1 - t) * omega), torch.sin(t * omega)
    return (a * z0 + b * z1) / torch.sin(omega)


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


def _slerp_no_fallback(z0, z1, t):  # 0/0 for parallel vectors
    omega = torch.arccos(torch.dot(z0, z1) / (z0.norm() * z1.norm()))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


SLERP = Exercise(
    "slerp", label="ex-ch05-slerp", title="Spherical interpolation",
    task=r"""Write `slerp(z0, z1, t)` for two 1-D tensors `z0`, `z1` of the same length and a float
$t \in [0, 1]$, following {eq}`eq-ch05-slerp`. When `z0` and `z1` point the same way,
$\sin\omega = 0$: return the linear interpolation there instead of `nan`.""",
    solution=slerp_single, cases=_slerp_cases, atol=1e-6, rtol=1e-6,
    wrong=(
        Wrong(lambda z0, z1, t: (1 - t) * z0 + t * z1, says="differ"),  # linear is not slerp
        # interpolates the directions only: loses the norms
        Wrong(lambda z0, z1, t: slerp_single(z0 / z0.norm(), z1 / z1.norm(), t), says="case 2 of 6"),
        Wrong(_slerp_no_fallback, says="parallel"),
        Wrong(lambda z0, z1, t: slerp_single(z1, z0, t), says="differ"),  # t and 1 - t swapped
        Wrong(lambda z0, z1, t: None, says="return"),
    ),
)


# --- exercise 2: the output size of a transposed convolution -----------------------------


def conv_transpose_out(size, kernel, stride, padding, output_padding=0):
    return (size - 1) * stride - 2 * padding + kernel + output_padding


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


CONV_TRANSPOSE_OUT = Exercise(
    "conv_transpose_out", label="ex-ch05-transposed-size", title="The size of a transposed convolution's output",
    task="""Write `conv_transpose_out(size, kernel, stride, padding, output_padding=0)`, the side
length of the output of `nn.ConvTranspose2d` on a `size`×`size` input. The checker asks
PyTorch itself. Then use it: which kernel size makes a stride-1 transposed convolution
with no padding turn DCGAN's 1×1 latent "image" into the 7×7 map?""",
    solution=conv_transpose_out, cases=_conv_transpose_cases, atol=0, rtol=0,
    wrong=(
        # the *convolution* formula
        Wrong(lambda size, k, s, p, output_padding=0: (size + 2 * p - k) // s + 1, says="case 1"),
        Wrong(lambda size, k, s, p, output_padding=0: size * s, says="1×1"),
        Wrong(lambda size, k, s, p, output_padding=0: (size - 1) * s - 2 * p + k, says="output_padding"),
    ),
    follow_up="""print("1x1 -> 7x7 with stride 1, no padding: kernel",
      [k for k in range(1, 10) if conv_transpose_out(1, k, 1, 0) == 7])""",
)


# --- exercise 3: a DCGAN generator block --------------------------------------------------


def up_block(c_in, c_out):
    return nn.Sequential(
        # BN's shift replaces a bias
        nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


def _output_shape(fn: Callable[[int, int], nn.Module]) -> Callable[[int, int, int], tuple[int, ...]]:
    """Builds ``fn(c_in, c_out)``, checks it is a DCGAN up-block, returns its output shape.

    What is wrong is raised as a :class:`Mistake`, in words.
    """

    def up_block_output_shape(c_in: int, c_out: int, size: int) -> tuple[int, ...]:
        block = fn(c_in, c_out)
        if not isinstance(block, nn.Module):
            raise Mistake(f"fn({c_in}, {c_out}) returned a {type(block).__name__}; return an nn.Module "
                          "(e.g. nn.Sequential(...))")
        modules = list(block.modules())
        convs = [m for m in modules if isinstance(m, nn.ConvTranspose2d)]
        if len(convs) != 1:
            raise Mistake(f"expected one nn.ConvTranspose2d in the block; found {len(convs)}")
        conv = convs[0]
        if (conv.in_channels, conv.out_channels) != (c_in, c_out):
            raise Mistake(f"the transposed conv maps {conv.in_channels} → {conv.out_channels} channels; "
                          f"expected {c_in} → {c_out}")
        if conv.bias is not None:
            raise Mistake("the transposed conv has a bias: batch norm subtracts the mean right after, "
                          "so use bias=False")
        bns = [m for m in modules if isinstance(m, nn.BatchNorm2d)]
        if len(bns) != 1 or bns[0].num_features != c_out:
            raise Mistake(f"expected one nn.BatchNorm2d({c_out}) after the convolution; "
                          f"found {[m.num_features for m in bns]}")
        if any(isinstance(m, (nn.LeakyReLU, nn.Tanh, nn.Sigmoid)) for m in modules):
            raise Mistake("a hidden generator block uses ReLU (LeakyReLU is for D; tanh only at G's output)")
        if not any(isinstance(m, nn.ReLU) for m in modules):
            raise Mistake("no nn.ReLU in the block: the generator's hidden layers use ReLU")
        block.train()
        x = torch.randn(4, c_in, size, size, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            y = block(x)
        if not isinstance(y, torch.Tensor) or tuple(y.shape) != (4, c_out, 2 * size, 2 * size):
            got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
            raise Mistake(f"input (4, {c_in}, {size}, {size}) gave {got}; expected (4, {c_out}, {2 * size}, "
                          f"{2 * size}): kernel 4, stride 2, padding 1 doubles the size")
        if (y < 0).any():
            raise Mistake("the output has negative values: end the block with ReLU (after the batch norm)")
        if not (y == 0).any():
            raise Mistake("no output is exactly 0: is the ReLU applied last, after the batch norm?")
        n_params = sum(p.numel() for p in block.parameters())
        expected = c_in * c_out * 16 + 2 * c_out
        if n_params != expected:
            raise Mistake(f"the block has {n_params} parameters; expected {c_in}·{c_out}·4·4 + 2·{c_out} = {expected}")
        return tuple(y.shape)

    return up_block_output_shape


def _up_block_cases() -> list[Case]:
    return [
        Case((c_in, c_out, size), (4, c_out, 2 * size, 2 * size), note=f"{c_in} → {c_out} channels, {size}×{size} input")
        for c_in, c_out, size in [(8, 4, 7), (3, 5, 4), (16, 16, 14)]
    ]


def _block(*layers: Callable[[int, int], nn.Module]) -> Callable[[int, int], nn.Module]:
    """A wrong answer: nn.Sequential of the given layer makers, each called with (c_in, c_out)."""
    return lambda c_in, c_out: nn.Sequential(*(make(c_in, c_out) for make in layers))


def _conv(c_in: int, c_out: int, k: int = 4, bias: bool = False) -> nn.Module:
    return nn.ConvTranspose2d(c_in, c_out, k, 2, 1, bias=bias)


def _bn(c_in: int, c_out: int) -> nn.Module:
    return nn.BatchNorm2d(c_out)


def _relu(c_in: int, c_out: int) -> nn.Module:
    return nn.ReLU()


def _raise_value_error(c_in: int, c_out: int) -> nn.Module:
    raise ValueError("oops")


UP_BLOCK = Exercise(
    "up_block", label="ex-ch05-up-block", title="A DCGAN generator block",
    task="""Write `up_block(c_in, c_out)` returning an `nn.Module` that doubles the height and width
of a `(N, c_in, H, W)` input and returns `(N, c_out, 2H, 2W)`, following the DCGAN rules
for G's hidden layers: a 4×4 transposed convolution with stride 2 and padding 1, then batch
norm, then ReLU. Should the convolution have a bias?""",
    solution=up_block, cases=_up_block_cases, adapt=_output_shape, atol=0, rtol=0,
    wrong=(
        Wrong(_block(lambda i, o: _conv(i, o, bias=True), _bn, _relu), says="bias=False"),
        Wrong(_block(_conv, _bn, lambda i, o: nn.LeakyReLU(0.2)), says="LeakyReLU is for D"),
        Wrong(_block(_conv, _relu), says="BatchNorm2d"),
        Wrong(_block(lambda i, o: _conv(i, o, k=3), _bn, _relu), says="doubles the size"),
        Wrong(_block(_conv, _relu, _bn), says="negative"),
        Wrong(lambda c_in, c_out: [_conv(c_in, c_out), _bn(c_in, c_out), nn.ReLU()], says="nn.Module"),
        Wrong(_block(lambda i, o: nn.Upsample(scale_factor=2), lambda i, o: nn.Conv2d(i, o, 3, 1, 1, bias=False),
                     _bn, _relu), says="ConvTranspose2d"),
        Wrong(lambda c_in, c_out: up_block(c_out, c_in), says="channels"),
        Wrong(lambda c_in, c_out: None, says="nn.Module"),
        Wrong(_raise_value_error, says="raised ValueError: oops"),
    ),
)


CHAPTER = Chapter("05_dcgan", (SLERP, CONV_TRANSPOSE_OUT, UP_BLOCK), call_as="ch05")
check_slerp = SLERP.checker()
check_conv_transpose_out = CONV_TRANSPOSE_OUT.checker()
check_up_block = UP_BLOCK.checker()
