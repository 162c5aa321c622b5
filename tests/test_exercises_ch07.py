"""Chapter 7's exercise checkers: they accept right answers, reject wrong ones, never raise.

The right answers are written as a reader would write them (and, where one exists, the
library's own function); the checkers' expected values are computed independently.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib import games, metrics, regularizers
from ganlib.exercises import ch07


def not_written(*args):
    raise NotImplementedError


# --- right answers --------------------------------------------------------------------


def sigmoid(t):
    return 1 / (1 + math.exp(-t))


def dirac_step(theta, psi, lr, mode):
    new_psi = psi + lr * theta * sigmoid(-psi * theta)
    if mode == "alternating":
        psi = new_psi
    return theta - lr * psi * sigmoid(-psi * theta), new_psi


def dirac_step_with_games(theta, psi, lr, mode):
    path = games.simulate(theta, psi, steps=1, lr=lr, mode=mode)
    return float(path[1, 0]), float(path[1, 1])


def mode_coverage(samples, centers, std):
    d = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)  # (N, M)
    good = d.min(axis=1) <= 3 * std
    return len(np.unique(d.argmin(axis=1)[good])), good.mean()


def smoothed_d_loss(real_logits, fake_logits, alpha):
    real = (1 - alpha) * F.softplus(-real_logits) + alpha * F.softplus(real_logits)
    return real.mean() + F.softplus(fake_logits).mean()


def smoothed_with_regularizers(real_logits, fake_logits, alpha):
    return regularizers.one_sided_smoothed_bce_d_loss(real_logits, fake_logits, real_target=1 - alpha)


def keep_probability(t, q):
    return np.minimum(1.0, np.exp(t - np.quantile(t, q)))


def keep_probability_torch(t, q):
    t = torch.as_tensor(t, dtype=torch.float64)
    return torch.exp(t - torch.quantile(t, q)).clamp(max=1.0).numpy()


RIGHT = [
    (ch07.check_dirac_step, dirac_step),
    (ch07.check_dirac_step, dirac_step_with_games),
    (ch07.check_mode_coverage, mode_coverage),
    (ch07.check_mode_coverage, metrics.mode_coverage),
    (ch07.check_smoothed_d_loss, smoothed_d_loss),
    (ch07.check_smoothed_d_loss, smoothed_with_regularizers),
    (ch07.check_keep_probability, keep_probability),
    (ch07.check_keep_probability, keep_probability_torch),
]


@pytest.mark.parametrize("checker, fn", RIGHT)
def test_right_answers_pass(checker, fn, capsys):
    assert checker(fn) is True
    assert "all" in capsys.readouterr().out


# --- wrong answers, each caught by a named case ----------------------------------------


def dirac_stale_psi(theta, psi, lr, mode):  # alternating, but G reads the old ψ
    return dirac_step(theta, psi, lr, "simultaneous")


def dirac_g_ascends(theta, psi, lr, mode):  # G climbs L instead of descending
    t, p = dirac_step(theta, psi, lr, mode)
    return 2 * theta - t, p


def dirac_wrong_slope(theta, psi, lr, mode):  # f'(t) = σ(t) instead of σ(−t)
    new_psi = psi + lr * theta * sigmoid(psi * theta)
    if mode == "alternating":
        psi = new_psi
    return theta - lr * psi * sigmoid(psi * theta), new_psi


def coverage_any_nearest(samples, centers, std):  # counts modes without the 3σ test
    d = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    good = d.min(axis=1) <= 3 * std
    return len(np.unique(d.argmin(axis=1))), good.mean()


def coverage_two_sigma(samples, centers, std):
    return mode_coverage(samples, centers, 2 * std / 3)


def coverage_count(samples, centers, std):  # a count, not a fraction
    m, q = mode_coverage(samples, centers, std)
    return m, q * len(samples)


def smoothed_two_sided(real_logits, fake_logits, alpha):  # the fake target moves to α too
    fake = (1 - alpha) * F.softplus(fake_logits) + alpha * F.softplus(-fake_logits)
    return smoothed_d_loss(real_logits, fake_logits, alpha) - F.softplus(fake_logits).mean() + fake.mean()


def smoothed_wrong_target(real_logits, fake_logits, alpha):  # real target α instead of 1 − α
    return smoothed_d_loss(real_logits, fake_logits, 1 - alpha)


def smoothed_unstable(real_logits, fake_logits, alpha):
    d_real, d_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    real = -((1 - alpha) * torch.log(d_real) + alpha * torch.log(1 - d_real))
    return real.mean() - torch.log(1 - d_fake).mean()


def keep_uncapped(t, q):  # exp(t − M) without the cap at 1
    return np.exp(t - np.quantile(t, q))


def keep_mean_bound(t, q):  # M = the mean logit
    return np.minimum(1.0, np.exp(t - t.mean()))


def keep_overflows(t, q):  # exp(t) / exp(M): inf / inf for large logits
    with np.errstate(over="ignore", invalid="ignore"):
        return np.minimum(1.0, np.exp(t) / np.exp(np.quantile(t, q)))


def keep_max_only(t, q):  # ignores q
    return np.exp(t - t.max())


WRONG = [
    (ch07.check_dirac_step, dirac_stale_psi, "new* ψ"),
    (ch07.check_dirac_step, dirac_g_ascends, "from (1, 1)"),
    (ch07.check_dirac_step, dirac_wrong_slope, "from (1, 1)"),
    (ch07.check_mode_coverage, coverage_any_nearest, "not within 3σ"),
    (ch07.check_mode_coverage, coverage_two_sigma, "collapse onto two modes"),
    (ch07.check_mode_coverage, coverage_count, "collapse onto two modes"),
    (ch07.check_smoothed_d_loss, smoothed_two_sided, "α = 0.1"),
    (ch07.check_smoothed_d_loss, smoothed_wrong_target, "α = 0.1"),
    (ch07.check_smoothed_d_loss, smoothed_unstable, "±60"),
    (ch07.check_keep_probability, keep_uncapped, "top 10 %"),
    (ch07.check_keep_probability, keep_mean_bound, "q = 1"),
    (ch07.check_keep_probability, keep_overflows, "near 1000"),
    (ch07.check_keep_probability, keep_max_only, "top 10 %"),
]


@pytest.mark.parametrize("checker, fn, case_note", WRONG)
def test_wrong_answers_fail_on_the_case_that_shows_the_bug(checker, fn, case_note, capsys):
    assert checker(fn) is False
    out = capsys.readouterr().out
    assert "fails" in out and case_note in out


@pytest.mark.parametrize(
    "checker", [ch07.check_dirac_step, ch07.check_mode_coverage, ch07.check_smoothed_d_loss, ch07.check_keep_probability]
)
def test_unwritten_exercise_reports_and_does_not_raise(checker, capsys):
    assert checker(not_written) is False
    assert "not written yet" in capsys.readouterr().out


def test_expected_values_match_closed_forms():
    c = ch07._dirac_cases()
    # from (1, 1) with h = 0.1: f'(1) = σ(−1); simultaneous: θ = 1 − 0.1 σ(−1), ψ = 1 + 0.1 σ(−1)
    s = 1 / (1 + math.e)
    assert c[0].expected == pytest.approx((1 - 0.1 * s, 1 + 0.1 * s), rel=1e-12)
    assert c[4].expected == pytest.approx((0.0 - 0.1 * 1.0 * 0.5, 1.0), rel=1e-12)  # θ = 0: ψ stays, G moves
    cov = ch07._coverage_cases()
    assert cov[0].expected[0] == 2 and cov[0].expected[1] > 0.99
    assert cov[2].expected == (2, pytest.approx(0.2))
    assert cov[3].expected == (2, pytest.approx(2 / 3))  # (0, -2) is a centre itself
    sm = ch07._smoothed_cases()
    plain = F.softplus(-sm[1].args[0]).mean() + F.softplus(sm[1].args[1]).mean()  # α = 0
    assert float(sm[1].expected) == pytest.approx(float(plain), rel=1e-6)
    assert torch.isfinite(sm[3].expected)


def test_keep_probability_expected_values_by_hand():
    k = ch07._keep_cases()
    # [0, 1, 2, 3] with q = 0.5: M = 1.5, so p = [e^-1.5, e^-0.5, 1, 1]
    assert k[2].expected == pytest.approx([math.exp(-1.5), math.exp(-0.5), 1.0, 1.0], rel=1e-12)
    assert (k[1].expected == 1.0).mean() == pytest.approx(0.1, abs=0.01)  # the top 10 % kept for sure
    assert np.isfinite(k[4].expected).all()
    np.testing.assert_allclose(k[4].expected, k[1].expected, rtol=1e-9)  # a shift of every logit changes nothing
