"""Chapter 6's exercise checkers: they accept right answers, reject wrong ones, never raise.

The right answers are written as a reader would write them (and ganlib's own versions are
tried too); the checkers' expected values come from NumPy closed forms and the SVD, so a
checker with a wrong expected value rejects them.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib import losses, regularizers
from ganlib.exercises import ch06


def not_written(*args, **kwargs):
    raise NotImplementedError


# --- right answers --------------------------------------------------------------------


def critic_loss(real_scores, fake_scores):
    return fake_scores.mean() - real_scores.mean()


def gradient_penalty(critic, real, fake, eps, weight=10.0):
    eps = eps.reshape(-1, *[1] * (real.dim() - 1))  # (N, 1, ..., 1)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    norms = grad.flatten(1).norm(dim=1)  # (N,)
    return weight * ((norms - 1) ** 2).mean()


def power_step(W, u):
    v = W.T @ u
    v = v / v.norm()
    u = W @ v
    u = u / u.norm()
    return u, u @ W @ v


def power_step_norm(W, u):  # σ = ‖Wv‖ is the same number
    v = W.T @ u / (W.T @ u).norm()
    Wv = W @ v
    return Wv / Wv.norm(), Wv.norm()


RIGHT = [
    (ch06.check_critic_loss, critic_loss),
    (ch06.check_critic_loss, losses.wasserstein_d_loss),
    (ch06.check_gradient_penalty, gradient_penalty),
    (ch06.check_power_step, power_step),
    (ch06.check_power_step, power_step_norm),
]


@pytest.mark.parametrize("checker, fn", RIGHT)
def test_right_answers_pass(checker, fn, capsys):
    assert checker(fn) is True
    assert "all" in capsys.readouterr().out


def test_ganlib_gradient_penalty_agrees_on_the_linear_case():
    # ganlib draws ε itself; a linear critic has ∇f = w for every ε, so its value is fixed
    critic, real, fake, eps, weight = ch06._gp_cases()[3].args
    got = regularizers.gradient_penalty(critic, real, fake, weight=weight)
    torch.testing.assert_close(got.detach(), ch06._gp_cases()[3].expected[0])


# --- wrong answers, each caught by a named case ----------------------------------------


def gp_batch_norm(critic, real, fake, eps, weight=10.0):  # one norm over the whole batch
    eps = eps.reshape(-1, *[1] * (real.dim() - 1))
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return weight * (grad.norm() - 1) ** 2


def gp_last_dim(critic, real, fake, eps, weight=10.0):  # norm over the last axis only
    eps = eps.reshape(-1, *[1] * (real.dim() - 1))
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return weight * ((grad.norm(dim=-1) - 1) ** 2).mean()


def gp_on_real(critic, real, fake, eps, weight=10.0):  # penalises real points (the labml slip)
    return gradient_penalty(critic, real, fake, torch.ones_like(eps), weight)


def gp_swapped(critic, real, fake, eps, weight=10.0):  # ε x̃ + (1 − ε) x
    return gradient_penalty(critic, fake, real, eps, weight)


def gp_no_square(critic, real, fake, eps, weight=10.0):
    eps = eps.reshape(-1, *[1] * (real.dim() - 1))
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return weight * (grad.flatten(1).norm(dim=1) - 1).abs().mean()


def gp_no_graph(critic, real, fake, eps, weight=10.0):  # forgets create_graph=True
    eps = eps.reshape(-1, *[1] * (real.dim() - 1))
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed)
    return weight * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gp_ignores_weight(critic, real, fake, eps, weight=10.0):
    return gradient_penalty(critic, real, fake, eps, 10.0)


def power_no_normalise(W, u):
    v = W.T @ u
    u = W @ v
    return u, u @ W @ v


def power_transposed(W, u):  # W u instead of Wᵀ u: wrong shapes for non-square W
    v = W @ u
    v = v / v.norm()
    u = W.T @ v
    u = u / u.norm()
    return u, u @ W.T @ v


WRONG = [
    (ch06.check_critic_loss, lambda r, f: r.mean() - f.mean(), "real scores 3"),  # sign flipped
    (ch06.check_critic_loss, lambda r, f: (f - r).mean() if len(f) == len(r) else f.sum() - r.sum(), "3 real and 7"),
    (ch06.check_critic_loss, lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), "real scores 3"),  # BCE
    (ch06.check_critic_loss, lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean(), "real scores 3"),
    (ch06.check_gradient_penalty, gp_batch_norm, "points in the plane"),
    (ch06.check_gradient_penalty, gp_last_dim, "images (N, 1, 3, 3)"),
    (ch06.check_gradient_penalty, gp_on_real, "points in the plane"),
    (ch06.check_gradient_penalty, gp_swapped, "points in the plane"),
    (ch06.check_gradient_penalty, gp_no_square, "points in the plane"),
    (ch06.check_gradient_penalty, gp_ignores_weight, "weight λ = 1"),
    (ch06.check_gradient_penalty, gp_no_graph, "must train w"),
    (ch06.check_power_step, power_no_normalise, "diag(3, 1)"),
    (ch06.check_power_step, power_transposed, "5×3"),
    (ch06.check_power_step, lambda W, u: (u, torch.linalg.norm(W)), "diag(3, 1)"),  # Frobenius norm
]


@pytest.mark.parametrize("checker, fn, case_note", WRONG)
def test_wrong_answers_fail_on_the_case_that_shows_the_bug(checker, fn, case_note, capsys):
    assert checker(fn) is False
    out = capsys.readouterr().out
    assert "fails" in out and case_note in out


def test_missing_create_graph_gets_a_hint(capsys):
    assert ch06.check_gradient_penalty(gp_no_graph) is False
    assert "create_graph=True" in capsys.readouterr().out


@pytest.mark.parametrize("checker", [ch06.check_critic_loss, ch06.check_gradient_penalty, ch06.check_power_step])
def test_unwritten_exercise_reports_and_does_not_raise(checker, capsys):
    assert checker(not_written) is False
    assert "not written yet" in capsys.readouterr().out


@pytest.mark.parametrize("checker", [ch06.check_critic_loss, ch06.check_gradient_penalty, ch06.check_power_step])
def test_garbage_answers_do_not_raise(checker, capsys):
    assert checker(lambda *a, **k: "nonsense") is False
    assert checker(lambda *a, **k: None) is False


def test_expected_values_match_closed_forms():
    loss_cases = ch06._critic_loss_cases()
    assert loss_cases[0].expected.item() == pytest.approx(0.0 - 3.0)
    gp_cases = ch06._gp_cases()
    assert gp_cases[3].expected[0].item() == pytest.approx(160.0)  # 10 (‖(3, 4)‖ − 1)²
    np.testing.assert_allclose(gp_cases[3].expected[1].numpy(), [48.0, 64.0])  # 2·10·4·w/5
    one_step, converged = ch06._power_cases()
    u_new, sigma = one_step[0].expected  # W = diag(3, 1), u = (1, 1): v ∝ (3, 1), Wv ∝ (9, 1)
    np.testing.assert_allclose(u_new.numpy(), np.array([9.0, 1.0]) / np.sqrt(82))
    assert sigma.item() == pytest.approx(82 / np.sqrt(82) / np.sqrt(10))  # ‖Wv‖ = √82/√10
