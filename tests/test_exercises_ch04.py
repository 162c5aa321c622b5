"""Chapter 4's exercise checkers: they accept right answers, reject wrong ones, never raise.

The right answers are written as a reader would write them; the checkers' expected
values come from SciPy, so a checker with a wrong expected value rejects them.
"""

import math

import numpy as np
import pytest

from ganlib import divergences
from ganlib.exercises import ch04


def not_written(*args):
    raise NotImplementedError


# --- right answers --------------------------------------------------------------------


def kl(p, q):
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def js(p, q):
    m = (p + q) / 2
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def w1_1d(x, y):
    return float(np.mean(np.abs(np.sort(x) - np.sort(y))))


RIGHT = [
    (ch04.check_kl, kl),
    (ch04.check_kl, divergences.kl),
    (ch04.check_js, js),
    (ch04.check_js, divergences.js),
    (ch04.check_w1_1d, w1_1d),
    (ch04.check_w1_1d, divergences.wasserstein1),
]


@pytest.mark.parametrize("checker, fn", RIGHT)
def test_right_answers_pass(checker, fn, capsys):
    assert checker(fn) is True
    assert "all" in capsys.readouterr().out


# --- wrong answers, each caught by a named case ----------------------------------------


def kl_naive(p, q):  # 0 * log(0) = NaN
    return float(np.sum(p * np.log(p / q)))


def kl_clipped(p, q):  # an epsilon hides the infinity
    return float(np.sum(p * np.log((p + 1e-12) / (q + 1e-12))))


WRONG = [
    (ch04.check_kl, kl_naive, "0·log 0 = 0"),
    (ch04.check_kl, kl_clipped, "KL is +inf"),
    (ch04.check_kl, lambda p, q: kl(q, p), "fair coin"),  # the reverse KL
    (ch04.check_kl, lambda p, q: kl(p, q) / math.log(2), "fair coin"),  # bits, not nats
    (ch04.check_js, lambda p, q: 0.5 * kl(p, (p + q) / 2), "three points"),  # the notes' half formula
    (ch04.check_js, lambda p, q: kl(p, (p + q) / 2) + kl(q, (p + q) / 2), "three points"),  # forgot ½
    (ch04.check_js, lambda p, q: js(p, q) / math.log(2), "three points"),  # bits
    (ch04.check_w1_1d, lambda x, y: float(np.mean(np.abs(x - y))), "unsorted"),  # forgot to sort
    (ch04.check_w1_1d, lambda x, y: abs(float(np.mean(x) - np.mean(y))), "N(0, 1)"),  # the means only
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN of a wrong answer
@pytest.mark.parametrize("checker, fn, case_note", WRONG)
def test_wrong_answers_fail_on_the_case_that_shows_the_bug(checker, fn, case_note, capsys):
    assert checker(fn) is False
    out = capsys.readouterr().out
    assert "fails" in out and case_note in out


@pytest.mark.parametrize("checker", [ch04.check_kl, ch04.check_js, ch04.check_w1_1d])
def test_unwritten_exercise_reports_and_does_not_raise(checker, capsys):
    assert checker(not_written) is False
    assert "not written yet" in capsys.readouterr().out


def test_expected_values_match_closed_forms():
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
