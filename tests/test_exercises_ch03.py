"""Chapter 3's exercise checkers: they accept right answers, reject wrong ones, never raise.

The right answers are written the way a reader would write them; the checkers' expected
values come from torch.distributions, NumPy and SciPy (an independent path), so these
tests fail both ways: a checker with a wrong expected value rejects the right answers.
"""

import math

import pytest
import torch

from ganlib import vae
from ganlib.exercises import ch03


def not_written(*args):
    raise NotImplementedError


# --- right answers --------------------------------------------------------------------


def gaussian_kl(mu, logvar):
    return 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(dim=1)


def reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


def iwae_from_log_weights(log_w):
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


RIGHT = [
    (ch03.check_gaussian_kl, gaussian_kl),
    (ch03.check_gaussian_kl, vae.gaussian_kl),  # the library's version
    (ch03.check_reparameterize, reparameterize),
    (ch03.check_reparameterize, lambda mu, logvar, eps: mu + logvar.exp().sqrt() * eps),
    (ch03.check_reparameterize, vae.reparameterize),
    (ch03.check_iwae_from_log_weights, iwae_from_log_weights),
]


@pytest.mark.parametrize("checker, fn", RIGHT)
def test_right_answers_pass(checker, fn, capsys):
    assert checker(fn) is True
    assert "all" in capsys.readouterr().out


# --- wrong answers, each caught by a named case ----------------------------------------

WRONG = [
    # forgot the ½
    (ch03.check_gaussian_kl, lambda mu, lv: (mu**2 + lv.exp() - lv - 1).sum(1), "shifted mean"),
    # treated logvar as log σ
    (ch03.check_gaussian_kl, lambda mu, lv: 0.5 * (mu**2 + (2 * lv).exp() - 2 * lv - 1).sum(1), "not log σ"),
    # one number for the batch instead of one per sample
    (ch03.check_gaussian_kl, lambda mu, lv: 0.5 * (mu**2 + lv.exp() - lv - 1).sum(), "one KL per sample"),
    # the variance instead of the standard deviation
    (ch03.check_reparameterize, lambda mu, lv, eps: mu + lv.exp() * eps, "∂Σz/∂logvar"),
    # a fresh sample that ignores the given eps and cuts the gradient
    (ch03.check_reparameterize, lambda mu, lv, eps: torch.normal(mu, (0.5 * lv).exp()).detach(), "μ = 0"),
    # right value, but σ detached: no gradient reaches logvar
    (ch03.check_reparameterize, lambda mu, lv, eps: mu + (0.5 * lv).exp().detach() * eps, "μ = 0"),
    # the naive formula: exp underflows for digit-sized log-weights
    (ch03.check_iwae_from_log_weights, lambda lw: lw.exp().mean(0).log(), "-150"),
    # the ELBO (mean of the log-weights), not the IWAE bound
    (ch03.check_iwae_from_log_weights, lambda lw: lw.mean(0), "k = 8"),
    # forgot the −log k
    (ch03.check_iwae_from_log_weights, lambda lw: torch.logsumexp(lw, 0), "equal weights"),
]


@pytest.mark.parametrize("checker, fn, case_note", WRONG)
def test_wrong_answers_fail_on_the_case_that_shows_the_bug(checker, fn, case_note, capsys):
    assert checker(fn) is False
    out = capsys.readouterr().out
    assert "fails" in out and case_note in out


def test_a_detached_sample_gets_a_message_about_gradients(capsys):
    assert ch03.check_reparameterize(lambda mu, lv, eps: (mu + (0.5 * lv).exp() * eps).detach()) is False
    assert "no gradient" in capsys.readouterr().out


CHECKERS = [ch03.check_gaussian_kl, ch03.check_reparameterize, ch03.check_iwae_from_log_weights]


@pytest.mark.parametrize("checker", CHECKERS)
def test_unwritten_exercise_reports_and_does_not_raise(checker, capsys):
    assert checker(not_written) is False
    assert "not written yet" in capsys.readouterr().out


def test_expected_values_match_closed_forms():
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
