"""Chapter 5's exercise checkers: they accept right answers, reject wrong ones, never raise.

The right answers are written as a reader would write them; the checkers' expected
values come from NumPy and from PyTorch's own ConvTranspose2d.
"""

import math

import pytest
import torch
from torch import nn

from ganlib.exercises import ch05


def not_written(*args):
    raise NotImplementedError


# --- right answers --------------------------------------------------------------------


def slerp(z0, z1, t):
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1, 1))
    if torch.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def conv_transpose_out(size, kernel, stride, padding, output_padding=0):
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def up_block(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True))


class UpBlock(nn.Module):  # a hand-written module passes too
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class UpBlockWithReLUModule(UpBlock):
    def __init__(self, c_in, c_out):
        super().__init__(c_in, c_out)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


RIGHT = [
    (ch05.check_slerp, slerp),
    (ch05.check_conv_transpose_out, conv_transpose_out),
    (ch05.check_up_block, up_block),
    (ch05.check_up_block, UpBlockWithReLUModule),
]


@pytest.mark.parametrize("checker, fn", RIGHT)
def test_right_answers_pass(checker, fn, capsys):
    assert checker(fn) is True
    assert "all" in capsys.readouterr().out


# --- wrong answers, each caught with a helpful message -----------------------------------


def slerp_linear(z0, z1, t):  # linear interpolation is not slerp
    return (1 - t) * z0 + t * z1


def slerp_normalised(z0, z1, t):  # interpolates directions only: loses the norms
    return slerp(z0 / z0.norm(), z1 / z1.norm(), t)


def slerp_no_fallback(z0, z1, t):  # 0/0 for parallel vectors
    omega = torch.arccos(torch.dot(z0, z1) / (z0.norm() * z1.norm()))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def slerp_swapped(z0, z1, t):  # t and 1 - t swapped
    return slerp(z1, z0, t)


def conv_out(size, kernel, stride, padding, output_padding=0):  # the *convolution* formula
    return (size + 2 * padding - kernel) // stride + 1


def times_stride(size, kernel, stride, padding, output_padding=0):
    return size * stride


def no_output_padding(size, kernel, stride, padding, output_padding=0):
    return (size - 1) * stride - 2 * padding + kernel


def block_with_bias(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), nn.BatchNorm2d(c_out), nn.ReLU())


def block_leaky(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))


def block_no_bn(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.ReLU())


def block_wrong_kernel(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 3, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


def block_relu_first(c_in, c_out):
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(c_out))


def block_not_module(c_in, c_out):
    return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def block_conv_pool(c_in, c_out):
    return nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


def block_swapped_channels(c_in, c_out):
    return up_block(c_out, c_in)


def returns_none(*args):
    return None


def raises_value_error(*args):
    raise ValueError("oops")


WRONG = [
    (ch05.check_slerp, slerp_linear, "differ"),
    (ch05.check_slerp, slerp_normalised, "case 2 of 6"),
    (ch05.check_slerp, slerp_no_fallback, "parallel"),
    (ch05.check_slerp, slerp_swapped, "differ"),
    (ch05.check_slerp, returns_none, "return"),
    (ch05.check_conv_transpose_out, conv_out, "case 1"),
    (ch05.check_conv_transpose_out, times_stride, "1×1"),
    (ch05.check_conv_transpose_out, no_output_padding, "output_padding"),
    (ch05.check_up_block, block_with_bias, "bias=False"),
    (ch05.check_up_block, block_leaky, "LeakyReLU is for D"),
    (ch05.check_up_block, block_no_bn, "BatchNorm2d"),
    (ch05.check_up_block, block_wrong_kernel, "doubles the size"),
    (ch05.check_up_block, block_relu_first, "negative"),
    (ch05.check_up_block, block_not_module, "nn.Module"),
    (ch05.check_up_block, block_conv_pool, "ConvTranspose2d"),
    (ch05.check_up_block, block_swapped_channels, "channels"),
    (ch05.check_up_block, returns_none, "nn.Module"),
    (ch05.check_up_block, raises_value_error, "raised ValueError: oops"),
]


@pytest.mark.parametrize("checker, fn, message", WRONG)
def test_wrong_answers_are_rejected_with_a_reason(checker, fn, message, capsys):
    assert checker(fn) is False
    out = capsys.readouterr().out
    assert message in out, out


@pytest.mark.parametrize("checker", [ch05.check_slerp, ch05.check_conv_transpose_out, ch05.check_up_block])
def test_not_written_yet(checker, capsys):
    assert checker(not_written) is False
    assert "not written yet" in capsys.readouterr().out


@pytest.mark.parametrize("checker", [ch05.check_slerp, ch05.check_conv_transpose_out, ch05.check_up_block])
@pytest.mark.parametrize("bad", [None, 3, "slerp", lambda: 1])
def test_checkers_never_raise(checker, bad, capsys):
    assert checker(bad) is False


def test_slerp_reference_keeps_gaussian_norms():
    # the property the chapter relies on: slerp between two typical Gaussian latents keeps a typical norm
    g = torch.Generator().manual_seed(0)
    d = 64
    z0, z1 = torch.randn(d, generator=g, dtype=torch.float64), torch.randn(d, generator=g, dtype=torch.float64)
    mid_lin, mid_sph = (z0 + z1) / 2, slerp(z0, z1, 0.5)
    assert mid_lin.norm() < 0.85 * math.sqrt(d) < mid_sph.norm()
