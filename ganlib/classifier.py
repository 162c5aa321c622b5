"""A small digit classifier: the feature extractor behind FID and IS on MNIST (chapter 10).

FID and the Inception Score were defined with Inception-v3, a network trained on
ImageNet photographs. On 28x28 handwritten digits its features mean little, and
its weights cannot be downloaded where this book is built. The usual substitute,
a *domain* FID, swaps Inception for a classifier trained on the domain itself:

* :meth:`DigitClassifier.features` plays the part of Inception's 2048-d ``pool3``
  layer: the 128 numbers from which the last layer reads the class, on which FID
  and KID compare Gaussians and kernels;
* the softmax of :meth:`DigitClassifier.forward` plays the part of Inception's
  class probabilities :math:`p(y \\mid x)`, from which the Inception Score is made.

Scores computed with this network are comparable with each other, never with
published Inception-based numbers. The weights ship in ``data/digit_classifier.pt``;
``data/train_digit_classifier.py`` makes them in a minute or two on a CPU.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import checks
from .data import data_dir

WEIGHTS_FILE = "digit_classifier.pt"
TRAIN_SCRIPT = "data/train_digit_classifier.py"


class DigitClassifier(nn.Module):
    """Three conv blocks (conv 3x3, batch norm, ReLU, max-pool), then two linear layers.

    images (N, 1, 28, 28) in [-1, 1]  ->  features (N, 128)  ->  ReLU  ->  logits (N, 10).

    The features are the 128 pre-activations of the penultimate layer. Taken before
    the ReLU, no feature is stuck at 0 for every digit (after it, about a fifth
    are), so their covariance has full rank, as the Fréchet distance wants.
    About 130 000 parameters (0.5 MB).
    Its forward passes check the input's type, dtype and shape (no values: NaN in gives
    NaN out; an empty batch gives an empty output).
    """

    def __init__(self, *, width: int = 32, feature_dim: int = 128, n_classes: int = 10) -> None:
        super().__init__()
        width = checks.positive_int(width, "width")
        feature_dim = checks.positive_int(feature_dim, "feature_dim")
        n_classes = checks.positive_int(n_classes, "n_classes")

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()
            )

        self.body = nn.Sequential(
            block(1, width),  # (N, 32, 28, 28)
            nn.MaxPool2d(2),  # (N, 32, 14, 14)
            block(width, 2 * width),  # (N, 64, 14, 14)
            nn.MaxPool2d(2),  # (N, 64, 7, 7)
            block(2 * width, 2 * width),  # (N, 64, 7, 7)
            nn.MaxPool2d(2),  # (N, 64, 3, 3)
            nn.Flatten(),  # (N, 576)
            nn.Linear(2 * width * 9, feature_dim),  # (N, 128): the features, before their ReLU
        )
        self.head = nn.Linear(feature_dim, n_classes)

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer, before its ReLU: (N, 1, 28, 28) -> (N, feature_dim)."""
        checks.batch(x, "x", (1, 28, 28))
        return self.body(x)  # (N, 128)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits: (N, 1, 28, 28) -> (N, n_classes)."""
        return self.head(torch.relu(self.features(x)))  # (N, 10)


def weights_path() -> Path:
    """Where the shipped weights live: ``ganlib.data.data_dir() / "digit_classifier.pt"``."""
    return data_dir() / WEIGHTS_FILE


def load_digit_classifier(device: str | torch.device | None = None) -> DigitClassifier:
    """The trained :class:`DigitClassifier` in eval mode, frozen, on ``device`` (default: CPU).

    Loaded once per device and cached: every call with the same device returns the
    same module, so do not train or modify it.
    """
    if device is not None and not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a str or torch.device such as 'cpu' or 'cuda'; got {type(device).__name__}")
    try:
        device = torch.device(device) if device is not None else torch.device("cpu")
    except RuntimeError:
        raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda:0'; got {device!r}") from None
    return _load(weights_path(), str(device))


@lru_cache(maxsize=None)
def _load(path: Path, device: str) -> DigitClassifier:
    if not path.is_file():
        raise FileNotFoundError(
            f"the digit classifier's weights {path} are missing; make them with "
            f"`python {TRAIN_SCRIPT}` (a minute or two on a CPU)"
        )
    net = DigitClassifier()
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    net.requires_grad_(False)
    return net.eval().to(device)


def train_classifier(x: Tensor, y: Tensor, *, n_classes: int, steps: int = 300, batch_size: int = 128,
                     lr: float = 3e-3, width: int = 16, seed: int = 0) -> DigitClassifier:
    """A :class:`DigitClassifier` trained on (x, y) from scratch, returned in eval mode and frozen.

    For the referees a chapter needs besides the shipped digit classifier, e.g. which
    of k image domains a translated digit looks like (chapter 9, "Three domains of
    digits, made offline"). Adam with a one-cycle learning-rate schedule, ``steps``
    minibatches of ``batch_size`` drawn with a seeded generator, on x's device.
    x: (N, 1, 28, 28) images in [-1, 1]; y: int64 (N,) classes in 0..n_classes−1.
    """
    n_classes = checks.integer(n_classes, "n_classes", low=2, what="an int >= 2")
    x = checks.batch(x, "x", (1, 28, 28), nonempty=True)
    if not isinstance(y, Tensor) or y.dtype != torch.long or y.shape != (len(x),):
        got = f"{tuple(y.shape)} {y.dtype}" if isinstance(y, Tensor) else type(y).__name__
        raise ValueError(f"y must be an int64 tensor of shape ({len(x)},), one class per image; got {got}")
    if int(y.min()) < 0 or int(y.max()) >= n_classes:
        raise ValueError(f"y must hold classes in 0..{n_classes - 1}; got {int(y.min())}..{int(y.max())}")
    steps = checks.positive_int(steps, "steps")
    batch_size = checks.positive_int(batch_size, "batch_size")
    lr = checks.positive(lr, "lr")
    seed = checks.nonnegative_int(seed, "seed")
    gen = torch.Generator(device=x.device).manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the initial weights
        net = DigitClassifier(width=width, n_classes=n_classes).to(x.device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    net.train()
    for _ in range(steps):
        idx = torch.randint(0, len(x), (min(batch_size, len(x)),), device=x.device, generator=gen)  # (B,)
        loss = F.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    net.requires_grad_(False)
    return net.eval()
