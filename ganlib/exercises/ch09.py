r"""Exercises of chapter 9, "Image-to-image translation".

The expected values are computed here independently of :mod:`ganlib` and of the
reference solutions below:

* ``check_cycle_consistency_loss``: CycleGAN's cycle-consistency loss, in NumPy (float64)
  on the arrays of the inputs, with NumPy twins of the maps G and F the cases use
  (x ↦ 2x, x ↦ x/2, x ↦ −x, a left–right mirror, a fixed 3×3 box blur written as a
  sum of shifted arrays); the reader's function gets the torch versions.
* ``check_receptive_field``: the receptive field by brute force: a stack of
  ``torch.nn.Conv1d`` layers with those kernels and strides (weights all 1, no bias, no
  padding, float64) on a long input; the gradient of the first output unit is nonzero
  exactly on the input positions it sees, and they are counted (the reference solution
  uses the formula r = 1 + Σ_l (k_l − 1) Π_{i<l} s_i).
"""

from __future__ import annotations

import numpy as np
import torch

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_cycle_consistency_loss", "check_receptive_field"]


# --- exercise 1: the cycle-consistency loss ----------------------------------------------


def cycle_consistency_loss(a, b, G, F):
    forward = (F(G(a)) - a).abs().mean()  # a → G(a) → F(G(a)), back in X
    backward = (G(F(b)) - b).abs().mean()  # b → F(b) → G(F(b)), back in Y
    return forward + backward


# The maps of the cases: torch versions for the reader, NumPy twins for the expected values.
def double(x):
    return 2 * x


def halve(x):
    return x / 2


def negate(x):
    return -x


def identity(x):
    return x


def mirror(x):  # flips each image left–right
    return torch.flip(x, dims=[-1])


def box_blur(x):  # a fixed 3×3 convolution: the mean of each pixel's 3×3 neighbourhood
    kernel = torch.full((1, 1, 3, 3), 1 / 9, dtype=x.dtype)
    return torch.nn.functional.conv2d(x, kernel, padding=1)


def _np_box_blur(x: np.ndarray) -> np.ndarray:
    h, w = x.shape[-2:]
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    return sum(padded[..., i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9


_NUMPY_TWIN = {
    double: lambda x: 2 * x,
    halve: lambda x: x / 2,
    negate: lambda x: -x,
    identity: lambda x: x,
    mirror: lambda x: x[..., ::-1],
    box_blur: _np_box_blur,
}


def _cycle_ref(a: torch.Tensor, b: torch.Tensor, G, F) -> float:
    g, f = _NUMPY_TWIN[G], _NUMPY_TWIN[F]
    x, y = a.numpy().astype(np.float64), b.numpy().astype(np.float64)
    return float(np.mean(np.abs(f(g(x)) - x)) + np.mean(np.abs(g(f(y)) - y)))


def _cycle_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(9)

    def images(n, h, w):  # images in [−1, 1], as a tanh generator makes them
        return torch.rand(n, 1, h, w, generator=gen) * 2 - 1

    cases = [
        (images(4, 8, 8), images(4, 8, 8), double, halve,
         "G and F inverse to each other (x ↦ 2x, x ↦ x/2): every round trip is exact, loss 0, "
         "whatever b is"),
        (images(4, 8, 8), images(4, 8, 8), double, double,
         "G = F = x ↦ 2x: both round trips give 4x; each direction's mean |4x − x| counts"),
        (images(3, 6, 6), images(3, 6, 6), negate, identity, "G = x ↦ −x, F = identity"),
        (images(2, 8, 8), images(2, 8, 8), mirror, identity, "G mirrors each image left–right, F = identity"),
        (images(2, 8, 8), images(2, 8, 8), box_blur, double, "G a fixed 3×3 box blur, F = x ↦ 2x"),
        (images(5, 8, 8), images(2, 4, 4), box_blur, halve,
         "a batch of 5 images 8×8 from X, of 2 images 4×4 from Y: each direction is its own mean"),
    ]
    return [Case((a, b, G, F), _cycle_ref(a, b, G, F), note=note) for a, b, G, F, note in cases]


CYCLE = Exercise(
    "cycle_consistency_loss",
    label="ex-ch09-cycle",
    title="The cycle-consistency loss",
    task=r"""Write `cycle_consistency_loss(a, b, G, F)`, CycleGAN's cycle-consistency loss
for one minibatch from each domain. $G: X \to Y$ and $F: Y \to X$ are the two
generators (here any callables from tensors to tensors of the same shape), `a` is a
float tensor $(N, 1, H, W)$ of images of domain $X$ and `b` one $(M, 1, H', W')$ of
domain $Y$ (the sizes may differ). Return the scalar tensor

$$\mathcal L_{\text{cyc}} = \operatorname{mean}\,\lvert F(G(a)) - a\rvert
+ \operatorname{mean}\,\lvert G(F(b)) - b\rvert,$$

where each mean is over all the elements of its tensor (batch, channel and pixels): the
$L_1$ error of the round trip $X \to Y \to X$ plus that of $Y \to X \to Y$. Do not use
`ganlib.losses`.""",
    solution=cycle_consistency_loss,
    cases=_cycle_cases,
    atol=1e-6,
    rtol=1e-5,
    hints=("`(F(G(a)) - a).abs().mean()` is the first direction; add the second, "
           "from `b`, with `G` and `F` swapped.",),
    wrong=(
        Wrong(lambda a, b, G, F: (F(G(a)) - a).abs().mean(), says="each direction's mean"),  # one direction
        Wrong(lambda a, b, G, F: ((F(G(a)) - a) ** 2).mean() + ((G(F(b)) - b) ** 2).mean(),
              says="each direction's mean"),  # L2 instead of L1
        Wrong(lambda a, b, G, F: (F(G(a)) - a).abs().sum() + (G(F(b)) - b).abs().sum(),
              says="each direction's mean"),  # sum instead of mean
        Wrong(lambda a, b, G, F: (G(a) - b).abs().mean() + (F(b) - a).abs().mean(),
              says="inverse to each other"),  # a paired loss: G(a) against b
        Wrong(lambda a, b, G, F: torch.cat([(F(G(a)) - a).flatten(), (G(F(b)) - b).flatten()]).abs().mean(),
              says="each direction's mean"),  # one mean over both directions' elements
    ),
)


# --- exercise 2: the receptive field of a stack of convolutions ----------------------------


def receptive_field(kernel_sizes, strides):
    r, jump = 1, 1  # jump: input pixels between neighbouring units
    for k, s in zip(kernel_sizes, strides):
        r += (k - 1) * jump  # layer l widens the window by k − 1 units
        jump *= s  # of its input; its own stride acts above it
    return r


def _brute_force_field(kernel_sizes, strides) -> int:
    """Count the input positions the first output unit of a Conv1d stack depends on."""
    length = 1 + sum(k * int(np.prod(strides[:i])) for i, k in enumerate(kernel_sizes)) + 16
    x = torch.ones(1, 1, length, dtype=torch.float64, requires_grad=True)
    h = x
    for k, s in zip(kernel_sizes, strides):
        conv = torch.nn.Conv1d(1, 1, kernel_size=k, stride=s, bias=False).double()
        torch.nn.init.ones_(conv.weight)
        h = conv(h)
    h[0, 0, 0].backward()
    return int((x.grad != 0).sum())


VGG16 = (  # VGG-16's 13 convolutions 3×3/1 and 5 max-pools 2×2/2, up to pool5
    (3, 3, 2, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2),
    (1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2),
)


def _rf_cases() -> list[Case]:
    cases = [
        ((7,), (1,), "one layer: it sees k = 7 pixels"),
        ((3, 3, 3), (1, 1, 1), "three 3-wide layers of stride 1: each adds k − 1 = 2 pixels"),
        ((4,), (2,), "one layer 4-wide of stride 2: its own stride does not widen its own window"),
        ((4, 4, 4, 4, 4), (2, 2, 2, 1, 1), "pix2pix's 70×70 PatchGAN (3 layers 4×4/2, 2 layers 4×4/1)"),
        ((4, 4, 4, 4), (2, 2, 1, 1), "the 34×34 PatchGAN (2 layers 4×4/2, 2 layers 4×4/1)"),
        ((3, 3, 2, 3, 3, 2), (1, 1, 2, 1, 1, 2), "two VGG blocks: conv 3/1, conv 3/1, pool 2/2, twice"),
        (*VGG16, "VGG-16 up to pool5: 13 convs 3/1 and 5 pools 2/2"),
        ((5, 1, 3), (3, 1, 2), "a 1×1 layer adds nothing; strides 3 then 1"),
    ]
    return [Case((ks, ss), _brute_force_field(ks, ss), note=note) for ks, ss, note in cases]


def _receptive_backwards(kernel_sizes, strides):  # from the output down: r ← s (r − 1) + k
    r = 1
    for k, s in zip(reversed(kernel_sizes), reversed(strides)):
        r = s * (r - 1) + k
    return r


def _rf_own_stride(kernel_sizes, strides):  # Π_{i ≤ l}: the layer's own stride counted
    r, jump = 1, 1
    for k, s in zip(kernel_sizes, strides):
        jump *= s
        r += (k - 1) * jump
    return r


RECEPTIVE = Exercise(
    "receptive_field",
    label="ex-ch09-receptive",
    title="The receptive field of a PatchGAN",
    task=r"""Write `receptive_field(kernel_sizes, strides)` for a stack of $L$ convolutions
(layer $l = 1, \dots, L$ counted from the input, with kernel side $k_l$ = `kernel_sizes[l-1]`
and stride $s_l$ = `strides[l-1]`; no dilation; a pooling layer counts as a convolution
with its window and stride): return the side $r$ of the input window that one unit of
the last layer sees, an `int`,

$$r = 1 + \sum_{l=1}^{L} (k_l - 1) \prod_{i<l} s_i$$

(the empty product is 1). Layer $l$ widens the window by $k_l - 1$ of its input units,
and neighbouring units of its input lie $\prod_{i<l} s_i$ input pixels apart. Padding
moves the window but does not change its size. Do not use `ganlib.nets`.""",
    solution=receptive_field,
    cases=_rf_cases,
    atol=0,
    rtol=0,
    hints=("Keep a running product `jump` of the strides of the layers *below* the current one: "
           "add `(k - 1) * jump` first, then multiply `jump` by `s`.",),
    wrong=(
        Wrong(_rf_own_stride, says="its own stride"),
        Wrong(lambda ks, ss: receptive_field(ks, ss) - 1, says="it sees k = 7"),  # forgot the + 1
        Wrong(lambda ks, ss: sum(ks), says="each adds k − 1"),  # summed the kernel sizes
    ),
    right=(_receptive_backwards,),
)


CHAPTER = Chapter("09_translation", (CYCLE, RECEPTIVE), call_as="ch09")
check_cycle_consistency_loss, check_receptive_field = CYCLE.checker(), RECEPTIVE.checker()
