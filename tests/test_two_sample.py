"""metrics.classifier_two_sample_accuracy against the Bayes accuracy of two Gaussians.

For N(0, 1) against N(delta, 1) with equal priors the best classifier thresholds at
delta / 2 and is right with probability Phi(delta / 2) (a closed form, scipy's normal
CDF here). A trained discriminator can approach it, never beat it beyond sampling
noise; identical distributions give 1/2 and well-separated ones give 1.
"""

from __future__ import annotations

import pytest
import torch
from scipy import stats

from ganlib import metrics


def gaussians(delta: float, n: int, dim: int = 1, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    shift = torch.zeros(dim)
    shift[0] = delta
    draw = lambda: torch.randn(n, dim, generator=g)  # noqa: E731
    return draw(), draw() + shift, draw(), draw() + shift


@pytest.mark.parametrize("delta", [0.0, 1.0, 6.0])
def test_accuracy_approaches_the_bayes_accuracy(delta: float) -> None:
    real_tr, fake_tr, real_te, fake_te = gaussians(delta, 4000)
    acc = metrics.classifier_two_sample_accuracy(real_tr, fake_tr, real_te, fake_te, steps=600, batch_size=128)
    bayes = stats.norm.cdf(delta / 2)
    se = (bayes * (1 - bayes) / 8000) ** 0.5  # of the held-out accuracy
    assert acc <= bayes + 4 * se + 1e-9, (acc, bayes)
    assert acc >= bayes - 0.03, (acc, bayes)


def test_images_of_one_shape_and_a_seed_that_fixes_the_result() -> None:
    g = torch.Generator().manual_seed(1)
    a = torch.rand(200, 1, 4, 4, generator=g)
    b = torch.rand(200, 1, 4, 4, generator=g) * 0.5
    runs = [metrics.classifier_two_sample_accuracy(a[:100], b[:100], a[100:], b[100:], steps=300, seed=3)
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0] > 0.9  # brighter vs darker images: easy
