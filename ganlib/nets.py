"""The networks of the book, each built bottom-up and readable in one screen.

* :class:`MLPGenerator`, :class:`MLPDiscriminator` — fully connected nets for toy
  2-D data and for flattened digits (chapter 2).
* :class:`DCGANGenerator`, :class:`DCGANDiscriminator` — the all-convolutional
  architecture of Radford et al. (2016) for 28×28 (MNIST) and 32×32 (CIFAR-sized)
  images (chapter 5 explains every rule they follow):

  - no pooling: G upsamples with strided transposed convolutions, D downsamples
    with strided convolutions;
  - batch norm everywhere except G's output layer and D's input layer;
  - ReLU in G with tanh at the output (images live in [-1, 1]); LeakyReLU(0.2) in D;
  - D returns a *logit*: no sigmoid at the end (losses take logits, see
    :mod:`ganlib.losses`).

Every discriminator returns one logit per sample, shape ``(N,)``.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from .checks import as_shape as _as_shape


def _mlp(in_dim: int, hidden: Sequence[int], out_dim: int, activation: Callable[[], nn.Module]) -> nn.Sequential:
    """Linear → act → … → Linear, with the hidden widths given."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), activation()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """G: z ∈ R^{z_dim} ↦ x of shape ``out_shape`` through a fully connected net."""

    def __init__(
        self,
        z_dim: int,
        out_shape: int | Sequence[int],
        *,
        hidden: Sequence[int] = (256, 256),
        activation: Callable[[], nn.Module] = nn.ReLU,
        out_activation: nn.Module | None = None,
    ):
        super().__init__()
        (self.z_dim,) = _as_shape(z_dim, "z_dim")
        self.out_shape = _as_shape(out_shape, "out_shape")
        self.net = _mlp(self.z_dim, hidden, math.prod(self.out_shape), activation)
        self.out_activation = out_activation or nn.Identity()

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (N, {self.z_dim}); got {tuple(z.shape)}")
        x = self.out_activation(self.net(z))  # (N, prod(out_shape))
        return x.view(len(z), *self.out_shape)  # (N, *out_shape)


class MLPDiscriminator(nn.Module):
    """D: x of shape ``in_shape`` ↦ one logit t(x); D(x) = σ(t(x))."""

    def __init__(
        self,
        in_shape: int | Sequence[int],
        *,
        hidden: Sequence[int] = (256, 256),
        activation: Callable[[], nn.Module] = lambda: nn.LeakyReLU(0.2),
    ):
        super().__init__()
        self.in_shape = _as_shape(in_shape, "in_shape")
        self.net = _mlp(math.prod(self.in_shape), hidden, 1, activation)

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.in_shape:
            raise ValueError(f"x must have shape (N, {', '.join(map(str, self.in_shape))}); got {tuple(x.shape)}")
        return self.net(x.flatten(1)).squeeze(1)  # (N,)


def _check_image_size(image_size: int) -> None:
    if image_size not in (28, 32):
        raise ValueError(f"image_size must be 28 or 32; got {image_size!r}")


class DCGANGenerator(nn.Module):
    """The DCGAN generator: project z to a small feature map, then double its size.

    28×28: z → 7×7×4w → 14×14×2w → 28×28×C.
    32×32: z → 4×4×8w → 8×8×4w → 16×16×2w → 32×32×C.
    """

    def __init__(self, z_dim: int = 64, *, channels: int = 1, image_size: int = 28, width: int = 64):
        super().__init__()
        _check_image_size(image_size)
        self.z_dim, self.channels, self.image_size = z_dim, channels, image_size

        def up(c_in: int, c_out: int) -> list[nn.Module]:  # doubles H and W
            return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]

        if image_size == 28:
            start, widths = 7, [4 * width, 2 * width]
        else:
            start, widths = 4, [8 * width, 4 * width, 2 * width]
        layers: list[nn.Module] = [  # (N, z, 1, 1) -> (N, widths[0], start, start)
            nn.ConvTranspose2d(z_dim, widths[0], start, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += up(c_in, c_out)
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Tanh()]  # no BN at G's output
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (N, {self.z_dim}); got {tuple(z.shape)}")
        return self.net(z[:, :, None, None])  # (N, C, H, W) in [-1, 1]


class DCGANDiscriminator(nn.Module):
    """The DCGAN discriminator: strided convolutions halve the size down to 4×4 or 7×7.

    28×28: C → 14×14×w → 7×7×2w → logit.   32×32: C → 16×16×w → 8×8×2w → 4×4×4w → logit.
    """

    def __init__(self, *, channels: int = 1, image_size: int = 28, width: int = 64):
        super().__init__()
        _check_image_size(image_size)
        self.channels, self.image_size = channels, image_size

        def down(c_in: int, c_out: int) -> list[nn.Module]:  # halves H and W
            return [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True)]

        widths = [width, 2 * width] if image_size == 28 else [width, 2 * width, 4 * width]
        end = 7 if image_size == 28 else 4
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1), nn.LeakyReLU(0.2, True)]  # no BN at D's input
        for c_in, c_out in zip(widths, widths[1:]):
            layers += down(c_in, c_out)
        layers.append(nn.Conv2d(widths[-1], 1, end, 1, 0))  # (N, 1, 1, 1): one logit, no sigmoid
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"x must have shape (N, {', '.join(map(str, expected))}); got {tuple(x.shape)}")
        return self.net(x).flatten()  # (N,)


@torch.no_grad()
def init_dcgan_weights(module: nn.Module, std: float = 0.02) -> nn.Module:
    """Radford et al.'s initialisation: conv weights ~ N(0, 0.02²); BN scale ~ N(1, 0.02²), shift 0.

    Chooses layers by type (``isinstance``), never by matching class names.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
    return module
