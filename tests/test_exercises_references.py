"""The exercise checkers' own expected values, against hand-derived numbers and ganlib.

tests/test_exercises_registry.py runs every exercise's solution, wrong answers and stub;
this file checks the other direction: that the cases themselves are right (closed
forms, hand computations) and that ganlib's own implementations pass the checkers.
"""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from ganlib import divergences, vae
from ganlib.exercises import ch01, ch02, ch03, ch04


@pytest.mark.parametrize(
    "checker, fn",
    [
        (ch03.check_gaussian_kl, vae.gaussian_kl),
        (ch03.check_reparameterize, vae.reparameterize),
        (ch04.check_kl, divergences.kl),
        (ch04.check_js, divergences.js),
        (ch04.check_w1_1d, divergences.wasserstein1),
    ],
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


def test_ch01_joint_table_matches_a_hand_computation():
    p_x1 = np.array([0.25, 0.75])
    cond = np.array([[0.5, 0.5], [0.1, 0.9]])
    got = ch01._joint_log_likelihood(p_x1, cond, np.array([[1, 1], [0, 1]]))
    assert got == pytest.approx([math.log(0.75 * 0.9), math.log(0.25 * 0.5)])


def test_ch01_affine_flow_expected_values_are_gaussian_log_densities():
    case = ch01._affine_case(3, [2.0], [1.0], 0, note="")
    x = case.args[0]
    # x = 2 z + 1 with z ~ N(0, 1) is N(1, 4): check one entry by the closed form
    x0 = x[0, 0].item()
    closed_form = -0.5 * ((x0 - 1) / 2) ** 2 - math.log(2) - 0.5 * math.log(2 * math.pi)
    assert case.expected[0] == pytest.approx(closed_form)
    assert case.expected[0] == pytest.approx(norm(1, 2).logpdf(x0))


def test_ch02_checkers_do_not_let_the_reader_change_their_cases():
    def in_place(p_data, p_g):  # a careless solution that overwrites its input
        p_data /= p_data + p_g + 1e-300
        p_data[(p_data == 0) & (p_g == 0)] = 0.5
        return p_data

    assert ch02.check_optimal_discriminator(in_place) in (True, False)
    assert ch02.check_optimal_discriminator(ch02.optimal_discriminator) is True  # the cases are intact


def test_ch02_expected_values_match_closed_forms():
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


def test_ch03_expected_values_match_closed_forms():
    """Spot checks of the checkers' own expected values against hand-derived numbers."""
    kl = ch03._gaussian_kl_cases()
    assert kl[1].expected.item() == pytest.approx(0.5)
    assert kl[2].expected.item() == pytest.approx(0.5 * (4 - math.log(4) - 1), rel=1e-6)
    z, g_mu, g_lv = ch03._reparameterize_cases()[1].expected
    torch.testing.assert_close(z, torch.tensor([[3.0, -1.0]]))  # (1 + 2·1, −2 + 1·1)
    torch.testing.assert_close(g_lv, torch.tensor([[1.0, 0.5]]))  # ½ σ ε = (½·2·1, ½·1·1)
    iw = ch03._iwae_cases()
    torch.testing.assert_close(iw[1].expected, torch.full((3,), -2.5))
    lw = iw[3].args.double()
    by_hand = lw.max(0).values + (lw - lw.max(0).values).exp().mean(0).log()  # log-mean-exp, shifted
    torch.testing.assert_close(iw[3].expected.double(), by_hand, atol=1e-4, rtol=0)
