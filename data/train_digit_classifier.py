"""Train the digit classifier behind the book's digit FID and Inception Score.

    python data/train_digit_classifier.py    # 1-2 minutes on an idle 2-core CPU

Trains :class:`ganlib.classifier.DigitClassifier` on the shipped training split
(8 000 digits of ``data/mnist10k.npz``), with small random shifts so that its
features do not hinge on exact pixel positions, prints the accuracy on the 2 000
shipped test digits, and saves the weights (a state_dict) to
``data/digit_classifier.pt``. Seeded and run on the CPU, so it gives the same
weights on every run on the same software (checked: two runs wrote byte-identical
files); the printed digest of the weights does not depend on torch's file format.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for ganlib
from ganlib.classifier import DigitClassifier, weights_path
from ganlib.data import load_mnist
from ganlib.runtime import seed_everything

SEED = 0
EPOCHS = 6
BATCH_SIZE = 128
LR = 3e-3
MAX_SHIFT = 2  # pixels


def random_shift(x: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Move every image by its own random (dy, dx) in [-max_shift, max_shift]^2, filling with background -1."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, value=-1.0)  # (N, 1, H + 2s, W + 2s)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)  # (N,), (N,)
    rows = (dy[:, None] + torch.arange(h))[:, :, None]  # (N, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, :]  # (N, 1, W)
    return padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)  # (N, 1, H, W)


def weights_digest(state: dict[str, Tensor]) -> str:
    """sha256 of the names and bytes of the weights: unlike the file's sha256, it does not
    depend on how the installed torch version lays out the file."""
    h = hashlib.sha256()
    for name, tensor in state.items():
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


@torch.no_grad()
def accuracy(net: DigitClassifier, images: Tensor, labels: Tensor) -> float:
    net.eval()
    return (net(images).argmax(dim=1) == labels).float().mean().item()


def main() -> None:
    seed_everything(SEED)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    gen = torch.Generator().manual_seed(SEED)
    x_train, y_train = load_mnist("train", source="shipped")  # (8000, 1, 28, 28) in [-1, 1], (8000,)
    x_test, y_test = load_mnist("test", source="shipped")  # (2000, 1, 28, 28), (2000,)

    net = DigitClassifier()
    opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=1e-4)
    steps_per_epoch = len(x_train) // BATCH_SIZE
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=EPOCHS * steps_per_epoch)
    start = time.perf_counter()
    for epoch in range(EPOCHS):
        net.train()
        order = torch.randperm(len(x_train), generator=gen)
        for i in range(steps_per_epoch):
            idx = order[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
            x = random_shift(x_train[idx], MAX_SHIFT, gen)  # (B, 1, 28, 28)
            loss = F.cross_entropy(net(x), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{EPOCHS}  loss {loss.item():.4f}  "
              f"test accuracy {accuracy(net, x_test, y_test):.4f}  ({time.perf_counter() - start:.0f} s)")

    path = weights_path()
    torch.save(net.state_dict(), path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"test accuracy on the {len(y_test)} shipped test digits: {accuracy(net, x_test, y_test):.4f}")
    print(f"training time {time.perf_counter() - start:.0f} s; saved {path} ({path.stat().st_size / 1024:.0f} KiB)")
    print(f"sha256 of the file {digest}")
    print(f"sha256 of the weights {weights_digest(net.state_dict())}")


if __name__ == "__main__":
    main()
