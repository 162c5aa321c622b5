"""The exercise checkers' own expected values, against hand-derived numbers and ganlib.

tests/test_exercises_registry.py runs every exercise's solution, wrong answers and stub;
this file checks the other direction: that the cases themselves are right (closed
forms, hand computations) and that ganlib's own implementations pass the checkers.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from scipy.stats import norm

from ganlib import divergences, games, losses, metrics, regularizers, vae
from ganlib.exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07


@pytest.mark.parametrize(
    "checker, fn",
    [
        (ch03.check_gaussian_kl, vae.gaussian_kl),
        (ch03.check_reparameterize, vae.reparameterize),
        (ch04.check_kl, divergences.kl),
        (ch04.check_js, divergences.js),
        (ch04.check_w1_1d, divergences.wasserstein1),
        (ch06.check_critic_loss, losses.wasserstein_d_loss),
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

    assert ch02.check_optimal_discriminator(in_place) is True  # a right answer, even if it writes in place
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


class UpBlock(nn.Module):  # a hand-written module, as a reader might write it
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


def test_ch05_a_hand_written_up_block_module_passes():
    assert ch05.check_up_block(UpBlock) is True


def test_ch05_slerp_reference_keeps_gaussian_norms():
    # the property the chapter relies on: slerp between two typical Gaussian latents keeps a typical norm
    g = torch.Generator().manual_seed(0)
    d = 64
    z0, z1 = torch.randn(d, generator=g, dtype=torch.float64), torch.randn(d, generator=g, dtype=torch.float64)
    mid_lin, mid_sph = (z0 + z1) / 2, ch05.slerp_single(z0, z1, 0.5)
    assert mid_lin.norm() < 0.85 * math.sqrt(d) < mid_sph.norm()


def test_ch06_ganlib_gradient_penalty_agrees_on_the_linear_case():
    # ganlib draws ε itself; a linear critic has ∇f = w for every ε, so its value is fixed
    critic, real, fake, eps, weight = ch06._gp_cases()[3].args
    got = regularizers.gradient_penalty(critic, real, fake, weight=weight)
    torch.testing.assert_close(got.detach(), ch06._gp_cases()[3].expected[0])


def test_ch06_expected_values_match_closed_forms():
    loss_cases = ch06._critic_loss_cases()
    assert loss_cases[0].expected.item() == pytest.approx(0.0 - 3.0)
    gp_cases = ch06._gp_cases()
    assert gp_cases[3].expected[0].item() == pytest.approx(160.0)  # 10 (‖(3, 4)‖ − 1)²
    np.testing.assert_allclose(gp_cases[3].expected[1].numpy(), [48.0, 64.0])  # 2·10·4·w/5
    one_step, converged = ch06._power_cases()
    u_new, sigma = one_step[0].expected  # W = diag(3, 1), u = (1, 1): v ∝ (3, 1), Wv ∝ (9, 1)
    np.testing.assert_allclose(u_new.numpy(), np.array([9.0, 1.0]) / np.sqrt(82))
    assert sigma.item() == pytest.approx(82 / np.sqrt(82) / np.sqrt(10))  # ‖Wv‖ = √82/√10

def _dirac_step_with_games(theta, psi, lr, mode):
    path = games.simulate(theta, psi, steps=1, lr=lr, mode=mode)
    return float(path[1, 0]), float(path[1, 1])


def _smoothed_with_regularizers(real_logits, fake_logits, alpha):
    return regularizers.one_sided_smoothed_bce_d_loss(real_logits, fake_logits, real_target=1 - alpha)


def _keep_probability_torch(t, q):
    t = torch.as_tensor(t, dtype=torch.float64)
    return torch.exp(t - torch.quantile(t, q)).clamp(max=1.0).numpy()


@pytest.mark.parametrize(
    "checker, fn",
    [
        (ch07.check_dirac_step, _dirac_step_with_games),
        (ch07.check_mode_coverage, metrics.mode_coverage),
        (ch07.check_smoothed_d_loss, _smoothed_with_regularizers),
        (ch07.check_keep_probability, _keep_probability_torch),
    ],
)
def test_ch07_ganlib_and_other_right_answers_pass(checker, fn):
    assert checker(fn) is True


def test_ch07_expected_values_match_closed_forms():
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


def test_ch07_keep_probability_expected_values_by_hand():
    k = ch07._keep_cases()
    # [0, 1, 2, 3] with q = 0.5: M = 1.5, so p = [e^-1.5, e^-0.5, 1, 1]
    assert k[2].expected == pytest.approx([math.exp(-1.5), math.exp(-0.5), 1.0, 1.0], rel=1e-12)
    assert (k[1].expected == 1.0).mean() == pytest.approx(0.1, abs=0.01)  # the top 10 % kept for sure
    assert np.isfinite(k[4].expected).all()
    np.testing.assert_allclose(k[4].expected, k[1].expected, rtol=1e-9)  # a shift of every logit changes nothing


def test_ch12_expected_values_by_hand_and_against_ganlib_relations():
    from ganlib import relations
    from ganlib.exercises import ch12

    nce = ch12._nce_cases()
    np.testing.assert_allclose(nce[0].expected, 0.0, atol=1e-12)  # model = noise
    # case 2: μ = 0.5, σ = 1, c = 0, noise N(0, 2²): log N(x; .5, 1) − log N(x; 0, 4), by hand
    x = nce[1].args[0]
    hand = -0.5 * (x - 0.5) ** 2 + 0.5 * (x / 2) ** 2 + math.log(2)
    np.testing.assert_allclose(nce[1].expected, hand, rtol=1e-12)
    # ganlib.relations.nce_logit on the same log-densities agrees
    xs, mu, ls, c, s = nce[2].args
    t = relations.nce_logit(torch.tensor(norm.logpdf(xs, mu, math.exp(ls)) + c), torch.tensor(norm.logpdf(xs, 0, s)))
    np.testing.assert_allclose(t.numpy(), nce[2].expected, rtol=1e-12)
    pg = ch12._pg_cases()
    # N(0, 1), x = (0, 1, −1), r = (1, 2, .5), b = 0: ∂μ = mean(r x) = (2 − .5)/3 = 0.5,
    # ∂λ = mean(r (x² − 1)) = (1·(−1) + 0 + 0)/3 = −1/3
    assert pg[0].expected == pytest.approx([0.5, -1 / 3], rel=1e-12)
    # with b = 1 the rewards become r − 1 = (0, 1, −.5)
    r, xv = np.array([0.0, 1.0, -0.5]), np.array([0.0, 1.0, -1.0])
    assert pg[1].expected == pytest.approx([np.mean(r * xv), np.mean(r * (xv**2 - 1))], rel=1e-12)


def test_ch09_expected_values_by_hand_and_against_ganlib():
    from ganlib import nets
    from ganlib.exercises import ch09

    rf = ch09._rf_cases()
    # by hand: 1 + 3·(1 + 2 + 4 + 8 + 8) = 70 and 1 + 3·(1 + 2 + 4 + 4) = 34
    assert [c.expected for c in rf[:5]] == [7, 7, 4, 70, 34]
    assert rf[6].expected == 212  # VGG-16's pool5, the value usually quoted for it
    for case in rf:  # the brute force agrees with ganlib.nets.receptive_field
        assert nets.receptive_field(*case.args) == case.expected
    assert ch09.check_receptive_field(nets.receptive_field) is True

    cyc = ch09._cycle_cases()
    assert cyc[0].expected == 0.0  # G and F inverse to each other
    a, b = cyc[1].args[:2]  # G = F = x ↦ 2x: 3 (mean|a| + mean|b|)
    assert cyc[1].expected == pytest.approx(3 * (a.abs().mean().item() + b.abs().mean().item()), rel=1e-6)
    a, b = cyc[2].args[:2]  # G = −x, F = id: 2 (mean|a| + mean|b|)
    assert cyc[2].expected == pytest.approx(2 * (a.abs().mean().item() + b.abs().mean().item()), rel=1e-6)

    def with_ganlib(a, b, G, F):
        return losses.cycle_loss(a, F(G(a))) + losses.cycle_loss(b, G(F(b)))

    assert ch09.check_cycle_consistency_loss(with_ganlib) is True
