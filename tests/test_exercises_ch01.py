"""The chapter 1 checkers accept right answers and reject the usual wrong ones."""

import math

import pytest
import torch
from scipy.stats import norm

from ganlib.exercises import ch01

# --- autoregressive_log_likelihood ------------------------------------------------------


def ar_right(p_x1, p_x2_given_x1, x):
    return torch.log(p_x1[x[:, 0]]) + torch.log(p_x2_given_x1[x[:, 0], x[:, 1]])


def ar_transposed(p_x1, p_x2_given_x1, x):  # reads the conditional table by column
    return torch.log(p_x1[x[:, 0]]) + torch.log(p_x2_given_x1[x[:, 1], x[:, 0]])


def ar_forgets_first_factor(p_x1, p_x2_given_x1, x):
    return torch.log(p_x2_given_x1[x[:, 0], x[:, 1]])


def ar_sums_to_scalar(p_x1, p_x2_given_x1, x):
    return ar_right(p_x1, p_x2_given_x1, x).sum()


def ar_not_written(p_x1, p_x2_given_x1, x):
    raise NotImplementedError


def test_autoregressive_checker_accepts_the_chain_rule(capsys):
    assert ch01.check_autoregressive_log_likelihood(ar_right)
    assert "all 5 cases pass" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [ar_transposed, ar_forgets_first_factor, ar_sums_to_scalar])
def test_autoregressive_checker_rejects_mistakes(wrong, capsys):
    assert not ch01.check_autoregressive_log_likelihood(wrong)
    assert "fails" in capsys.readouterr().out


def test_autoregressive_checker_says_not_written_yet(capsys):
    assert not ch01.check_autoregressive_log_likelihood(ar_not_written)
    assert "not written yet" in capsys.readouterr().out


def test_joint_table_matches_a_hand_computation():
    p_x1 = torch.tensor([0.25, 0.75], dtype=torch.float64)
    cond = torch.tensor([[0.5, 0.5], [0.1, 0.9]], dtype=torch.float64)
    got = ch01._joint_log_likelihood(p_x1.numpy(), cond.numpy(), torch.tensor([[1, 1], [0, 1]]).numpy())
    assert got == pytest.approx([math.log(0.75 * 0.9), math.log(0.25 * 0.5)])


# --- affine_flow_log_prob ---------------------------------------------------------------


def flow_right(x, scale, shift):
    z = (x - shift) / scale  # z = g⁻¹(x)
    log_pz = -0.5 * (z**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi)
    return log_pz - torch.log(scale.abs()).sum()


def flow_without_log_det(x, scale, shift):
    z = (x - shift) / scale
    return -0.5 * (z**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi)


def flow_without_abs(x, scale, shift):  # NaN where a scale is negative
    z = (x - shift) / scale
    return -0.5 * (z**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi) - torch.log(scale).sum()


def flow_wrong_sign(x, scale, shift):  # adds log|det ∂x/∂z| instead of subtracting it
    z = (x - shift) / scale
    return -0.5 * (z**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi) + torch.log(scale.abs()).sum()


def test_affine_flow_checker_accepts_the_change_of_variables(capsys):
    assert ch01.check_affine_flow_log_prob(flow_right)
    assert "all 4 cases pass" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [flow_without_log_det, flow_without_abs, flow_wrong_sign])
def test_affine_flow_checker_rejects_mistakes(wrong, capsys):
    assert not ch01.check_affine_flow_log_prob(wrong)
    assert "fails" in capsys.readouterr().out


def test_affine_flow_expected_values_are_gaussian_log_densities():
    case = ch01._affine_case(3, [2.0], [1.0], 0, note="")
    x, scale, shift = case.args
    # x = 2 z + 1 with z ~ N(0, 1) is N(1, 4): check one entry by the closed form
    x0 = x[0, 0].item()
    closed_form = -0.5 * ((x0 - 1) / 2) ** 2 - math.log(2) - 0.5 * math.log(2 * math.pi)
    assert case.expected[0] == pytest.approx(closed_form)
    assert case.expected[0] == pytest.approx(norm(1, 2).logpdf(x0))
