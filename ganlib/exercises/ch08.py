r"""Exercises of chapter 8, "Conditional GANs".

The expected values are computed here independently of :mod:`ganlib` and of the
reference solutions below:

* ``check_cluster_accuracy_3``: the accuracy under the best one-to-one renaming of three
  clusters, from SciPy's Hungarian solver (``linear_sum_assignment``) on the
  contingency table, where the reader tries all 3! = 6 renamings by hand.
* ``check_matching_aware_d_loss``: GAN-CLS's discriminator loss, from
  ``torch.nn.functional.binary_cross_entropy`` on probabilities computed in float64
  (and by hand where a logit is too large for float32's sigmoid).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

from .core import Case
from .registry import Chapter, Exercise, Wrong

__all__ = ["CHAPTER", "check_cluster_accuracy_3", "check_matching_aware_d_loss"]


# --- exercise 1: cluster accuracy by brute force --------------------------------------


def cluster_accuracy_3(pred, labels):
    best = 0.0
    for names in itertools.permutations(range(3)):  # c is renamed names[c]
        renamed = np.array(names)[pred]
        best = max(best, float(np.mean(renamed == labels)))
    return best


def _hungarian(pred: np.ndarray, labels: np.ndarray) -> float:
    table = np.zeros((3, 3))
    np.add.at(table, (pred, labels), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(pred))


def _cluster_cases() -> list[Case]:
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 3, 30)
    noisy = np.where(rng.random(30) < 0.3, rng.integers(0, 3, 30), (labels + 1) % 3)
    cases = [
        (np.array([1, 1, 2, 2, 0, 0]), np.array([0, 0, 1, 1, 2, 2]), "renamed clusters: accuracy 1"),
        (np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 0, 0, 1, 2]), "two clusters may not share a label"),
        (np.array([0, 0, 0, 0, 1, 2]), np.array([0, 0, 1, 1, 2, 2]),
         "cluster 0 holds two labels: only one of them counts"),
        (noisy, labels, "30 points, a relabelled copy of the labels with 30 % noise"),
        (np.array([2, 2, 2, 2]), np.array([1, 1, 1, 1]), "one cluster, one label: 1"),
    ]
    return [Case((p, y), _hungarian(p, y), note=note) for p, y, note in cases]


def _no_renaming(pred, labels):
    return float(np.mean(pred == labels))


def _majority_vote(pred, labels):  # each cluster takes its most common label: many-to-one
    hits = 0
    for c in range(3):
        members = labels[pred == c]
        if len(members):
            hits += np.bincount(members).max()
    return hits / len(pred)


CLUSTER = Exercise(
    "cluster_accuracy_3",
    label="ex-ch08-cluster",
    title="Cluster accuracy by brute force",
    task=r"""Write `cluster_accuracy_3(pred, labels)` for two NumPy integer arrays of the
same length with values in $\{0, 1, 2\}$: try every one-to-one renaming of the three
clusters (there are $3! = 6$), and return the largest fraction of points whose renamed
cluster equals their label, eq. {eq}`eq-ch08-cluster-accuracy`. `itertools.permutations`
lists the renamings. Do not use `ganlib.metrics`.""",
    solution=cluster_accuracy_3,
    cases=_cluster_cases,
    atol=1e-12,
    rtol=0,
    hints=("A renaming is a tuple `names` with `names[c]` the label given to cluster `c`; "
           "`np.array(names)[pred]` renames every point at once.",),
    wrong=(
        Wrong(_no_renaming, says="renamed clusters"),
        Wrong(_majority_vote, says="may not share"),
    ),
)


# --- exercise 2: GAN-CLS's matching-aware discriminator loss ----------------------------


def matching_aware_d_loss(real_logits, fake_logits, mismatch_logits):
    real = F.softplus(-real_logits).mean()  # -log D(x, y)
    fake = F.softplus(fake_logits).mean()  # -log(1 - D(G(z, y), y))
    mismatch = F.softplus(mismatch_logits).mean()  # -log(1 - D(x, y_wrong))
    return real + 0.5 * (fake + mismatch)


def _bce(logits: torch.Tensor, target: float) -> float:
    p = torch.sigmoid(logits.double())
    return float(F.binary_cross_entropy(p, torch.full_like(p, target)))


def _ma_ref(t_real, t_fake, t_mis) -> float:
    return _bce(t_real, 1.0) + 0.5 * (_bce(t_fake, 0.0) + _bce(t_mis, 0.0))


def _ma_cases() -> list[Case]:
    g = torch.Generator().manual_seed(8)
    t = [torch.randn(16, generator=g) * 2 for _ in range(3)]
    zero = torch.zeros(4)
    # real logits 80: -log σ(80) = log(1 + e^-80) ≈ 1.8e-35; fake logits (60, -80):
    # -log(1 - σ) = softplus = 60 + 8.8e-27 and 1.8e-35, mean 30; mismatch logits -80:
    # ≈ 1.8e-35. Loss = 0.5 · 30 = 15 to float64 precision, by hand.
    big = (torch.full((2,), 80.0), torch.tensor([60.0, -80.0]), torch.full((2,), -80.0))
    cases = [
        ((zero, zero, zero), 2 * math.log(2), "all logits 0: D = 1/2 everywhere, loss 2 log 2"),
        ((zero, zero, zero + 3.0), _ma_ref(zero, zero, zero + 3.0),
         "D calls mismatched pairs real: the mismatch term must count, with weight 1/2"),
        (tuple(t), _ma_ref(*t), "16 random logits of each kind"),
        (big, 15.0, "logits of 60 and ±80: log(sigmoid(t)) overflows; softplus does not"),
    ]
    return [Case(args, float(expected), note=note) for args, expected, note in cases]


MATCHING = Exercise(
    "matching_aware_d_loss",
    label="ex-ch08-matching",
    title="The matching-aware discriminator loss",
    task=r"""Write `matching_aware_d_loss(real_logits, fake_logits, mismatch_logits)`, the
GAN-CLS discriminator loss {eq}`eq-ch08-gan-cls`, for three float tensors of D's logits
(shape $(N,)$ each): $t(x, y)$ on real images with their labels, $t(G(z, y), y)$ on fakes,
and $t(x, \hat y)$ on real images with wrong labels. Return a scalar tensor. Use the stable
forms $-\log \sigma(t) = \operatorname{softplus}(-t)$ and $-\log(1 - \sigma(t)) =
\operatorname{softplus}(t)$; do not use `ganlib.losses`.""",
    solution=matching_aware_d_loss,
    cases=_ma_cases,
    atol=1e-6,
    rtol=1e-5,
    wrong=(
        Wrong(lambda r, f, m: F.softplus(-r).mean() + F.softplus(f).mean(), says="mismatch term"),
        Wrong(lambda r, f, m: F.softplus(-r).mean() + F.softplus(f).mean() + F.softplus(m).mean(),
              says="2 log 2"),
        Wrong(lambda r, f, m: -(torch.log(torch.sigmoid(r)).mean()
                                + 0.5 * torch.log(1 - torch.sigmoid(f)).mean()
                                + 0.5 * torch.log(1 - torch.sigmoid(m)).mean()), says="overflows"),
    ),
)


CHAPTER = Chapter("08_conditional", (CLUSTER, MATCHING), call_as="ch08")
check_cluster_accuracy_3, check_matching_aware_d_loss = CLUSTER.checker(), MATCHING.checker()
