"""Tests of chapter 9's data: typeset digits, thicken, inpainting_pair (ganlib.data)."""

import time

import pytest
import torch

from ganlib import data
from ganlib.classifier import load_digit_classifier
from ganlib.metrics import label_accuracy

PLAIN = dict(rotation=0.0, scale=(1.0, 1.0), shift=0.0)  # no augmentation: the glyphs themselves


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def ink_of(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> ink in [0, 1]."""
    return (images + 1) / 2


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 2) the (row, column) of each image's centre of ink; pixel i has centre i."""
    ink = ink_of(images)[:, 0]  # (N, H, W)
    mass = ink.sum((1, 2))  # (N,)
    rows = (ink.sum(2) * torch.arange(ink.shape[1])).sum(1) / mass
    cols = (ink.sum(1) * torch.arange(ink.shape[2])).sum(1) / mass
    return torch.stack([rows, cols], 1)


@pytest.fixture(scope="module")
def test_digits():
    return data.load_mnist("test", source="shipped")


@pytest.fixture(scope="module")
def typeset():
    return data.typeset_digits(2000, generator=gen(0))


# ---------------------------------------------------------------------------
# typeset_digits
# ---------------------------------------------------------------------------


def test_typeset_fonts_ship_with_matplotlib():
    assert len(data.TYPESET_FONTS) >= 8 and len(set(data.TYPESET_FONTS)) == len(data.TYPESET_FONTS)
    for name in data.TYPESET_FONTS:
        assert (data._font_dir() / name).is_file(), name


def test_typeset_digits_shape_dtype_range(typeset):
    images, labels = typeset
    assert images.shape == (2000, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (2000,) and labels.dtype == torch.int64
    assert images.min() >= -1 and images.max() <= 1
    assert images.max() == 1 and images.min() == -1  # full ink and bare background occur
    assert set(labels.tolist()) == set(range(10))
    # the field's corners (4 x 4 at each) are background, as in MNIST
    corners = torch.cat([images[..., :4, :4], images[..., :4, -4:], images[..., -4:, :4], images[..., -4:, -4:]])
    assert (corners == -1).float().mean() > 0.99
    # like MNIST: most of the field is background, about a tenth to a fifth is ink
    assert 0.05 < (images > 0).float().mean() < 0.25


@pytest.mark.parametrize("n", [1000, 1003, 7])
def test_typeset_labels_are_balanced(n):
    _, labels = data.typeset_digits(n, generator=gen(1))
    counts = torch.bincount(labels, minlength=10)
    assert counts.min() >= n // 10 and counts.max() <= n // 10 + 1 and counts.sum() == n
    if n % 10 == 0:
        assert (counts == n // 10).all()
    assert not torch.equal(labels, torch.arange(n) % 10)  # shuffled, not in order


def test_typeset_fonts_are_drawn_uniformly():
    # each font alone gives its own glyphs; mixed, each glyph shows up about 1/F of the time
    fonts = data.TYPESET_FONTS

    def glyphs_of(font):  # (10, 1, 28, 28): row d is the digit d
        images, labels = data.typeset_digits(10, fonts=(font,), generator=gen(0), **PLAIN)
        return images[labels.argsort()]

    by_digit = torch.stack([glyphs_of(f) for f in fonts])  # (F, 10, 1, 28, 28)
    images, labels = data.typeset_digits(5000, generator=gen(2), **PLAIN)
    # which font drew each sample: the glyph it equals
    dist = (images.unsqueeze(0) - by_digit[:, labels]).abs().flatten(2).amax(2)  # (F, n)
    assert (dist.min(0).values < 1e-4).all()
    counts = torch.bincount(dist.argmin(0), minlength=len(fonts)).float()
    expected = 5000 / len(fonts)
    assert ((counts - expected).abs() < 5 * expected**0.5).all(), counts  # 5 standard deviations


def test_typeset_digits_are_reproducible(typeset):
    images, labels = data.typeset_digits(2000, generator=gen(0))
    assert torch.equal(images, typeset[0]) and torch.equal(labels, typeset[1])
    other, other_labels = data.typeset_digits(2000, generator=gen(1))
    assert not torch.equal(other_labels, labels)
    assert (other - images).abs().mean() > 0.1
    # and the augmentation is random per sample: two draws of the same font and digit differ
    a, la = data.typeset_digits(20, fonts=("DejaVuSans.ttf",), generator=gen(3))
    first = a[la == 0]
    assert len(first) == 2 and (first[0] - first[1]).abs().max() > 0.1
    # without a generator it still works, on the CPU or the device asked for
    x, y = data.typeset_digits(5, device="cpu")
    assert x.device.type == "cpu" and y.device.type == "cpu"


@pytest.mark.parametrize("font", data.TYPESET_FONTS)
def test_every_font_draws_every_digit_like_mnist(font):
    images, labels = data.typeset_digits(10, fonts=(font,), generator=gen(0), **PLAIN)
    assert sorted(labels.tolist()) == list(range(10))
    assert ((images > 0).flatten(1).sum(1) > 20).all()  # visible ink for each digit
    # MNIST's preprocessing: the ink's longer side is 20 pixels, its centre of mass at (14, 14)
    ink = images[:, 0] > -1  # (10, 28, 28)
    height = ink.any(2).sum(1)
    width = ink.any(1).sum(1)
    assert (torch.maximum(height, width) == 20).all(), (height, width)
    assert (centre_of_mass(images) - 14).abs().max() <= 0.5 + 1e-4  # rounded to whole pixels
    # a font given by its path gives the same glyphs as its name
    by_path = data.typeset_digits(10, fonts=(data._font_dir() / font,), generator=gen(0), **PLAIN)
    assert torch.equal(by_path[0], images)


def test_typeset_augmentation_moves_scales_and_rotates():
    plain, labels = data.typeset_digits(200, fonts=("DejaVuSans.ttf",), generator=gen(4), **PLAIN)
    # a scale of 1/2 about the field's centre (13.5, 13.5) quarters the ink (area ~ s²) and
    # halves the centre of mass's distance from there
    half, half_labels = data.typeset_digits(
        200, fonts=("DejaVuSans.ttf",), rotation=0.0, scale=(0.5, 0.5), shift=0.0, generator=gen(4)
    )
    assert torch.equal(half_labels, labels)
    ratio = ink_of(half).sum((1, 2, 3)) / ink_of(plain).sum((1, 2, 3))
    assert ((ratio - 0.25).abs() < 0.03).all(), ratio
    expected = 13.5 + 0.5 * (centre_of_mass(plain) - 13.5)
    assert (centre_of_mass(half) - expected).abs().max() < 0.1
    # shifts move the centre of mass by at most `shift` pixels along each axis
    moved, _ = data.typeset_digits(
        200, fonts=("DejaVuSans.ttf",), rotation=0.0, scale=(1, 1), shift=1.5, generator=gen(4)
    )
    step = (centre_of_mass(moved) - centre_of_mass(plain)).abs()
    assert step.max() < 1.5 + 0.05 and step.max() > 1.0
    # rotation keeps the ink's mass (up to resampling) and changes the picture
    turned, _ = data.typeset_digits(
        200, fonts=("DejaVuSans.ttf",), rotation=10.0, scale=(1, 1), shift=0.0, generator=gen(4)
    )
    mass_ratio = ink_of(turned).sum((1, 2, 3)) / ink_of(plain).sum((1, 2, 3))
    assert ((mass_ratio - 1).abs() < 0.05).all()
    assert (turned - plain).abs().flatten(1).amax(1).mean() > 0.3


def test_typeset_digits_differ_from_handwritten(typeset, test_digits):
    # the mean typeset digit is farther from the mean handwritten digit than two sets of
    # handwritten digits are from each other: a measurable change of domain
    hand, _ = test_digits
    train, _ = data.load_mnist("train", source="shipped")
    gap = (typeset[0].mean(0) - hand.mean(0)).norm()
    floor = (train[:2000].mean(0) - hand.mean(0)).norm()
    assert gap > 4 * floor, (gap, floor)
    # and their strokes have other edges: the share of half-grey pixels among the ink
    # (measured: 0.47 typeset, 0.32 handwritten, train and test alike to 0.003)
    def grey(x):
        return (((x > -0.5) & (x < 0.5)).float().sum() / (x > -0.5).float().sum()).item()

    assert abs(grey(train) - grey(hand)) < 0.01
    assert abs(grey(typeset[0]) - grey(hand)) > 0.1


def test_typeset_digits_are_fast():
    data.typeset_digits(10, generator=gen(0))  # the glyphs are rendered once and cached
    start = time.perf_counter()
    data.typeset_digits(10_000, generator=gen(0))
    assert time.perf_counter() - start < 5.0


# measured with seed 5, 500 digits per font (torch 2.15, CPU): DejaVuSans .998, -Bold .968,
# -Oblique .998, DejaVuSerif .984, -Bold .994, DejaVuSansMono .998, STIXGeneral .970,
# cmr10 .888 (its thin-tailed 9 is read as a 0), cmss10 .984, cmtt10 .998; the lowest over
# four seeds .870 (cmr10). All fonts together (seed 6, 2 000 digits) .976; plain glyphs 99/100.
@pytest.mark.parametrize("font", data.TYPESET_FONTS)
def test_digit_classifier_reads_typeset_digits(font):
    images, labels = data.typeset_digits(500, fonts=(font,), generator=gen(5))
    assert label_accuracy(images, labels) > 0.8


def test_digit_classifier_reads_typeset_digits_overall():
    images, labels = data.typeset_digits(2000, generator=gen(6))
    assert label_accuracy(images, labels) > 0.93
    plain, plain_labels = data.typeset_digits(100, generator=gen(6), **PLAIN)
    assert label_accuracy(plain, plain_labels) >= 0.95


def test_digit_classifier_reads_thickened_handwritten_digits(test_digits):
    images, labels = test_digits  # the classifier reads 98.65 % of them as they are
    assert label_accuracy(data.thicken(images), labels) > 0.88  # measured: 0.92


def test_typeset_digits_bad_arguments():
    with pytest.raises(ValueError, match="n must be a positive int"):
        data.typeset_digits(0)
    with pytest.raises(TypeError, match="n must be a positive int"):
        data.typeset_digits(10.0)
    with pytest.raises(ValueError, match="fonts must be .*empty"):
        data.typeset_digits(10, fonts=())
    with pytest.raises(TypeError, match="fonts must be"):
        data.typeset_digits(10, fonts="DejaVuSans.ttf")  # a string, not a sequence of names
    with pytest.raises(ValueError, match="fonts must be .*'Comic.ttf'"):
        data.typeset_digits(10, fonts=("DejaVuSans.ttf", "Comic.ttf"))
    with pytest.raises(TypeError, match="fonts must be"):
        data.typeset_digits(10, fonts=(3,))
    with pytest.raises(ValueError, match="rotation must be"):
        data.typeset_digits(10, rotation=-1.0)
    with pytest.raises(ValueError, match="shift must be"):
        data.typeset_digits(10, shift=-0.5)
    with pytest.raises(ValueError, match="scale must be .*0 < low <= high"):
        data.typeset_digits(10, scale=(1.2, 1.0))
    with pytest.raises(ValueError, match="scale must be"):
        data.typeset_digits(10, scale=(0.0, 1.0))
    with pytest.raises(TypeError, match="scale must be"):
        data.typeset_digits(10, scale=1.0)
    with pytest.raises(TypeError, match="generator must be"):
        data.typeset_digits(10, generator=0)


def test_a_file_that_is_not_a_font_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.ttf"
    bad.write_text("not a font")
    with pytest.raises(ValueError, match="fonts: .*notes.ttf is not a font file"):
        data.typeset_digits(10, fonts=(bad,))


# ---------------------------------------------------------------------------
# thicken
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("radius", [1, 2, 3])
def test_thicken_turns_a_pixel_into_a_square(radius):
    x = torch.full((1, 1, 15, 15), -1.0)
    x[0, 0, 7, 7] = 0.6
    y = data.thicken(x, radius=radius)
    expected = torch.full_like(x, -1.0)
    expected[0, 0, 7 - radius : 8 + radius, 7 - radius : 8 + radius] = 0.6  # (2r+1)² pixels
    assert torch.equal(y, expected)
    # at the border the square is cut, not wrapped around
    x = torch.full((1, 1, 6, 6), -1.0)
    x[0, 0, 0, 0] = 1.0
    corner = (torch.arange(6)[:, None] <= radius) & (torch.arange(6)[None, :] <= radius)  # (6, 6)
    assert torch.equal(data.thicken(x, radius=radius)[0, 0] == 1, corner)


def test_thicken_is_a_dilation(test_digits):
    images = test_digits[0][:200]
    thick = data.thicken(images)
    assert thick.shape == images.shape and thick.dtype == images.dtype
    assert (thick >= images).all()  # a dilation never removes ink
    assert (thick > images).any()  # and adds some
    assert (thick > 0).float().mean() > 1.5 * (images > 0).float().mean()
    assert torch.equal(data.thicken(images), thick)  # deterministic
    # square dilations compose: a 3x3 window twice is a 5x5 window once
    assert torch.equal(data.thicken(thick, radius=1), data.thicken(images, radius=2))
    # a blank image stays blank, a constant one constant
    blank = torch.full((2, 1, 28, 28), -1.0)
    assert torch.equal(data.thicken(blank, radius=2), blank)
    # each output pixel is the largest grey level within r pixels (checked by a loop)
    x = torch.rand(1, 1, 7, 9) * 2 - 1
    y = data.thicken(x, radius=1)
    for i in range(7):
        for j in range(9):
            window = x[0, 0, max(i - 1, 0) : i + 2, max(j - 1, 0) : j + 2]
            assert y[0, 0, i, j] == window.max()


def test_thicken_bad_arguments():
    x = torch.zeros(2, 1, 28, 28)
    with pytest.raises(ValueError, match="radius must be an int >= 1"):
        data.thicken(x, radius=0)
    with pytest.raises(TypeError, match="radius must be"):
        data.thicken(x, radius=1.5)
    with pytest.raises(ValueError, match="images must be 4-D"):
        data.thicken(torch.zeros(2, 28, 28))
    with pytest.raises(ValueError, match="images must have shape \\(N, 1, H, W\\)"):
        data.thicken(torch.zeros(2, 3, 28, 28))
    with pytest.raises(TypeError, match="images must be a floating-point"):
        data.thicken(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(TypeError, match="images must be"):
        data.thicken(x.numpy())


# ---------------------------------------------------------------------------
# inpainting_pair
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("keep_rows", [1, 14, 27])
def test_inpainting_pair_hides_the_bottom_rows(test_digits, keep_rows):
    images = test_digits[0][:50]
    before = images.clone()
    inputs, targets = data.inpainting_pair(images, keep_rows=keep_rows)
    assert targets is images and torch.equal(images, before)  # the images are left as they are
    assert inputs.shape == images.shape and inputs.dtype == images.dtype
    assert (inputs[:, :, keep_rows:, :] == -1).all()
    assert torch.equal(inputs[:, :, :keep_rows, :], images[:, :, :keep_rows, :])


def test_inpainting_pair_is_ambiguous(typeset):
    # the top half does not fix the digit: the clean 7 and 9 of DejaVuSans share most of
    # their top half and differ below
    plain, labels = data.typeset_digits(10, fonts=("DejaVuSans.ttf",), generator=gen(0), **PLAIN)
    seven, nine = plain[labels == 7], plain[labels == 9]
    top = lambda x: data.inpainting_pair(x)[0]  # noqa: E731
    assert (top(seven) - top(nine)).abs().mean() < 0.5 * (seven - nine).abs().mean()


def test_inpainting_pair_bad_arguments():
    x = torch.zeros(2, 1, 28, 28)
    for bad in (0, 28, -3):
        with pytest.raises(ValueError, match="keep_rows must be an int in 1 .. 27"):
            data.inpainting_pair(x, keep_rows=bad)
    with pytest.raises(TypeError, match="keep_rows must be"):
        data.inpainting_pair(x, keep_rows=14.0)
    with pytest.raises(ValueError, match="images must be 4-D"):
        data.inpainting_pair(torch.zeros(28, 28))
