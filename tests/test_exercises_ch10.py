"""Chapter 10's exercise cases against hand-derived values, and ganlib's own metrics
against the checkers (the registry tests cover solutions, wrong answers and stubs)."""

import numpy as np
import pytest
from prdc import compute_prdc

from ganlib import metrics
from ganlib.exercises import ch10


def test_ganlib_metrics_pass_the_checkers():
    assert ch10.check_precision(lambda r, f, k: metrics.precision_recall(r, f, k)[0])
    assert ch10.check_frechet(metrics.frechet_distance)
    assert ch10.check_inception_score(metrics.inception_score)


def test_precision_cases_by_hand_and_by_prdc():
    cases = ch10._precision_cases()
    assert cases[1].expected == 0.25  # 0.5 inside; 6.0 exactly on the radius 1 of 5.0
    assert cases[2].expected == pytest.approx(2 / 3)  # k = 2: radius 2 at 5: 6.5 in, 7.5 out
    assert cases[3].expected == 0.0
    real, fake, k = cases[0].args
    assert cases[0].expected == pytest.approx(compute_prdc(real, fake, k)["precision"], abs=1e-12)


def test_frechet_cases_by_hand():
    cases = ch10._frechet_cases()
    assert cases[0].expected == pytest.approx(25.0)
    assert cases[1].expected == pytest.approx(5.0)
    assert cases[3].expected == pytest.approx(0.0, abs=1e-8)
    mu1, s1, mu2, s2 = cases[2].args
    # a second independent path: the eigenvalues of S1 S2 are real and positive
    lam = np.linalg.eigvals(s1 @ s2).real
    closed = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * np.sqrt(lam).sum()
    assert cases[2].expected == pytest.approx(closed, rel=1e-9)


def test_inception_cases_by_hand_and_by_ganlib():
    cases = ch10._is_cases()
    assert cases[0].expected == pytest.approx(4.0)
    assert cases[1].expected == pytest.approx(1.0)
    for case in cases:
        assert case.expected == pytest.approx(metrics.inception_score(case.args), rel=1e-9)
