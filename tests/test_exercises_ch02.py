"""Chapter 2's exercise checkers: they accept right answers, reject wrong ones, never raise.

The right answers here are written the way a reader would write them; the checkers'
expected values come from SciPy and NumPy (an independent path), so these tests fail
both ways: a checker with a wrong expected value rejects the right answers below.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib.exercises import ch02


def not_written(*args):
    raise NotImplementedError


# --- right answers --------------------------------------------------------------------


def optimal_discriminator(p_data, p_g):
    total = p_data + p_g
    return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)


def nonsaturating_g_loss(fake_logits):
    return F.softplus(-fake_logits).mean()


def js_from_value(v):
    return (v + math.log(4)) / 2


RIGHT = [
    (ch02.check_optimal_discriminator, optimal_discriminator),
    (ch02.check_nonsaturating_g_loss, nonsaturating_g_loss),
    (ch02.check_nonsaturating_g_loss, lambda t: -F.logsigmoid(t).mean()),
    (ch02.check_js_from_value, js_from_value),
]


@pytest.mark.parametrize("checker, fn", RIGHT)
def test_right_answers_pass(checker, fn, capsys):
    assert checker(fn) is True
    assert "all" in capsys.readouterr().out


# --- wrong answers, each caught by a named case ----------------------------------------

WRONG = [
    # 0/0 = NaN where both densities vanish
    (ch02.check_optimal_discriminator, lambda p, q: p / (p + q), "both densities are 0"),
    # the discriminator of the *generator's* samples
    (ch02.check_optimal_discriminator, lambda p, q: q / (p + q), "N(-1, 1)"),
    # the textbook formula in probability space: -log(sigmoid(-200)) = inf in float32
    (ch02.check_nonsaturating_g_loss, lambda t: -torch.log(torch.sigmoid(t)).mean(), "extreme logits"),
    # log(1 + e^{-t}) overflows for t = -200
    (ch02.check_nonsaturating_g_loss, lambda t: torch.log1p(torch.exp(-t)).mean(), "extreme logits"),
    # the minimax (saturating) cost instead of the non-saturating one
    (ch02.check_nonsaturating_g_loss, lambda t: -F.softplus(t).mean(), "log 2"),
    # the sum over the batch instead of the mean
    (ch02.check_nonsaturating_g_loss, lambda t: F.softplus(-t).sum(), "log 2"),
    # forgot the factor 1/2
    (ch02.check_js_from_value, lambda v: v + math.log(4), "three points"),
    # log 2 instead of log 4
    (ch02.check_js_from_value, lambda v: (v + math.log(2)) / 2, "JS = 0"),
]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the 0/0 of a wrong answer
@pytest.mark.parametrize("checker, fn, case_note", WRONG)
def test_wrong_answers_fail_on_the_case_that_shows_the_bug(checker, fn, case_note, capsys):
    assert checker(fn) is False
    out = capsys.readouterr().out
    assert "fails" in out and case_note in out


@pytest.mark.parametrize(
    "checker", [ch02.check_optimal_discriminator, ch02.check_nonsaturating_g_loss, ch02.check_js_from_value]
)
def test_unwritten_exercise_reports_and_does_not_raise(checker, capsys):
    assert checker(not_written) is False
    assert "not written yet" in capsys.readouterr().out


def test_checkers_do_not_let_the_reader_change_their_cases():
    def in_place(p_data, p_g):  # a careless solution that overwrites its input
        p_data /= p_data + p_g + 1e-300
        p_data[(p_data == 0) & (p_g == 0)] = 0.5
        return p_data

    assert ch02.check_optimal_discriminator(in_place) in (True, False)
    assert ch02.check_optimal_discriminator(optimal_discriminator) is True  # the cases are intact


def test_expected_values_match_closed_forms():
    """Spot checks of the checkers' own expected values against hand-derived numbers."""
    js_cases = ch02._js_cases()
    assert js_cases[0].args == pytest.approx(-math.log(4)) and js_cases[0].expected == pytest.approx(0.0, abs=1e-12)
    assert js_cases[2].args == pytest.approx(0.0) and js_cases[2].expected == pytest.approx(math.log(2))
    extreme = ch02._nonsaturating_cases()[2]
    # softplus(200) + softplus(30) + log 2 + softplus(-30) + softplus(-200), over 5
    by_hand = (200 + 30 + math.log1p(math.exp(-30)) + math.log(2) + math.log1p(math.exp(-30))) / 5
    assert extreme.expected.item() == pytest.approx(by_hand, rel=1e-6)
    d_star = ch02._optimal_discriminator_cases()[0]
    x = np.linspace(-4.0, 4.0, 9)
    pd = np.exp(-0.5 * (x + 1) ** 2) / math.sqrt(2 * math.pi)
    pg = np.exp(-0.5 * ((x - 1.5) / 0.7) ** 2) / (0.7 * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(d_star.expected, pd / (pd + pg), rtol=1e-10)
