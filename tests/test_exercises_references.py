"""The exercise checkers' own expected values, against hand-derived numbers and ganlib.

tests/test_exercises_registry.py runs every exercise's solution, wrong answers and stub;
this file checks the other direction: that the cases themselves are right (closed
forms, hand computations) and that ganlib's own implementations pass the checkers.
"""

import math

import pytest

from ganlib import divergences
from ganlib.exercises import ch04


@pytest.mark.parametrize(
    "checker, fn",
    [(ch04.check_kl, divergences.kl), (ch04.check_js, divergences.js), (ch04.check_w1_1d, divergences.wasserstein1)],
)
def test_ganlib_implementations_pass_the_checkers(checker, fn):
    assert checker(fn) is True


def test_ch04_expected_values_match_closed_forms():
    kl_cases = ch04._kl_cases()
    coin = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert kl_cases[0].expected == pytest.approx(coin, rel=1e-12)
    assert kl_cases[3].expected == math.inf and kl_cases[4].expected == 0.0
    js_cases = ch04._js_cases()
    assert js_cases[2].expected == pytest.approx(math.log(2), rel=1e-12)
    assert js_cases[3].expected == pytest.approx(0.0, abs=1e-15)
    w1_cases = ch04._w1_cases()
    assert w1_cases[0].expected == pytest.approx(5.0)
    assert w1_cases[1].expected == pytest.approx((0 + 0 + 1) / 3)  # sorted: (0,1,3) vs (0,1,4)
    assert w1_cases[3].expected == pytest.approx((1 + 1 + 1 + 3) / 4)
