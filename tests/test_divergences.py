"""ganlib.divergences against independent references: SciPy, POT, closed forms.

Each function is checked against a value computed another way (scipy.stats.entropy,
scipy.spatial.distance.jensenshannon, scipy.stats.wasserstein_distance, integrals
with known answers), so a wrong formula fails; the error tests check that bad input
is refused with a message naming the argument.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from scipy.spatial import distance

from ganlib import divergences as dv

LOG2 = math.log(2)


def random_pair(k, seed):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))


# --- KL, JS, TV against SciPy ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_kl_matches_scipy_entropy(seed):
    p, q = random_pair(7, seed)
    assert dv.kl(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-12)
    assert dv.reverse_kl(p, q) == pytest.approx(stats.entropy(q, p), rel=1e-12)


def test_kl_by_hand_and_asymmetry():
    p, q = [0.5, 0.5], [0.9, 0.1]
    by_hand = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert dv.kl(p, q) == pytest.approx(by_hand, rel=1e-12)
    assert dv.kl(q, p) == pytest.approx(0.9 * math.log(1.8) + 0.1 * math.log(0.2), rel=1e-12)
    assert dv.kl(p, q) != pytest.approx(dv.kl(q, p))


@pytest.mark.parametrize("seed", range(5))
def test_js_matches_scipy_jensenshannon_squared(seed):
    p, q = random_pair(6, seed)
    assert dv.js(p, q) == pytest.approx(distance.jensenshannon(p, q) ** 2, rel=1e-10)  # SciPy gives √JS
    assert dv.js(p, q) / LOG2 == pytest.approx(distance.jensenshannon(p, q, base=2) ** 2, rel=1e-10)  # in bits


def test_js_needs_both_halves():
    p, q = random_pair(5, 11)
    m = 0.5 * (p + q)
    half = 0.5 * dv.kl(p, m)  # the formula of the notes, without its second half
    assert dv.js(p, q) == pytest.approx(half + 0.5 * dv.kl(q, m), rel=1e-12)
    assert half != pytest.approx(0.5 * dv.kl(q, m), rel=1e-3)  # not symmetric on its own


def test_total_variation_by_hand():
    assert dv.total_variation([0.2, 0.3, 0.5], [0.5, 0.3, 0.2]) == pytest.approx(0.3)
    assert dv.total_variation([1, 0], [0, 1]) == pytest.approx(1.0)


# --- edge cases ---------------------------------------------------------------------------


def test_zero_log_zero_is_zero():
    assert dv.kl([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(LOG2)
    assert dv.kl([1.0, 0.0], [1.0, 0.0]) == 0.0


def test_kl_is_infinite_where_q_misses_mass_of_p():
    assert dv.kl([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert dv.reverse_kl([1.0, 0.0], [0.5, 0.5]) == math.inf  # KL(q ‖ p)
    assert dv.kl([1.0, 0.0], [0.5, 0.5]) == pytest.approx(LOG2)  # the other direction is finite


@pytest.mark.parametrize("k", [2, 5, 40])
def test_disjoint_supports(k):
    p = np.zeros(2 * k)
    q = np.zeros(2 * k)
    p[:k], q[k:] = 1 / k, 1 / k
    assert dv.js(p, q) == pytest.approx(LOG2, abs=1e-15)
    assert dv.total_variation(p, q) == pytest.approx(1.0)
    assert dv.kl(p, q) == math.inf and dv.kl(q, p) == math.inf


def test_tensors_and_lists_are_accepted():
    p, q = random_pair(4, 3)
    ref = dv.kl(p, q)
    assert dv.kl(torch.tensor(p), torch.tensor(q, dtype=torch.float32)) == pytest.approx(ref, rel=1e-6)
    assert dv.kl(list(p), list(q)) == pytest.approx(ref)


@pytest.mark.parametrize("fn", [dv.kl, dv.js, dv.reverse_kl, dv.total_variation])
def test_bad_probabilities_are_refused_with_the_argument_named(fn):
    with pytest.raises(ValueError, match=r"q must hold probabilities >= 0"):
        fn([0.5, 0.5], [1.2, -0.2])
    with pytest.raises(ValueError, match=r"p must sum to 1.*sums to 2"):
        fn([1.0, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"p and q must have the same shape.*\(2,\) and \(3,\)"):
        fn([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"p must hold finite"):
        fn([np.nan, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"q is empty"):
        fn([1.0], [])


def test_rounding_within_tolerance_is_accepted():
    assert dv.kl([0.5 + 1e-9, 0.5], [0.5, 0.5 - 1e-9]) == pytest.approx(0.0, abs=1e-8)
    assert dv.js([1.0, -1e-9], [0.5, 0.5]) >= 0


# --- closed forms --------------------------------------------------------------------------


def test_kl_between_gaussians_on_a_grid_matches_the_closed_form():
    # KL(N(μ1, s1²) ‖ N(μ2, s2²)) = log(s2/s1) + (s1² + (μ1 − μ2)²) / (2 s2²) − ½
    mu1, s1, mu2, s2 = 0.3, 0.8, -0.5, 1.3
    x = np.linspace(-12, 12, 40_001)
    p, q = stats.norm.pdf(x, mu1, s1), stats.norm.pdf(x, mu2, s2)
    closed = math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5
    assert dv.kl(p / p.sum(), q / q.sum()) == pytest.approx(closed, rel=1e-6)
    assert closed == pytest.approx(0.48551 + 0.37870 - 0.5, abs=1e-4)  # log 1.625 + 1.28/3.38 − ½, by hand


def test_w1_of_gaussians_with_equal_variance_is_the_mean_shift():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(50_000)
    # same noise, shifted: the sorted samples differ by exactly the shift
    assert dv.wasserstein1(z, z + 1.7) == pytest.approx(1.7, rel=1e-12)
    # independent samples: the shift up to sampling error (≈ 1/√n)
    assert dv.wasserstein1(z, rng.standard_normal(40_000) - 1.2) == pytest.approx(1.2, abs=0.03)


def test_w1_of_point_masses():
    assert dv.wasserstein1([0.0], [3.0]) == pytest.approx(3.0)
    assert dv.wasserstein1([0.0, 0.0], [1.0, 3.0]) == pytest.approx(2.0)
    # δ_0 vs ½δ_1 + ½δ_3, and ⅓ + ⅔ vs a single point: unequal sizes
    assert dv.wasserstein1([0.0, 1.0, 1.0], [1.0]) == pytest.approx(1 / 3)
    assert dv.wasserstein_discrete([1.0], [0.5, 0.5], [0.0], [1.0, 3.0]) == pytest.approx(2.0)


@pytest.mark.parametrize("n, m", [(1, 1), (5, 5), (7, 3), (10, 13), (64, 100)])
def test_w1_matches_scipy_for_unequal_sizes(n, m):
    rng = np.random.default_rng(n * 100 + m)
    x, y = rng.normal(0, 1, n), rng.exponential(1.5, m)
    assert dv.wasserstein1(x, y) == pytest.approx(stats.wasserstein_distance(x, y), rel=1e-10, abs=1e-12)


def test_w1_accepts_columns_and_tensors_and_refuses_other_shapes():
    x, y = torch.randn(30, 1), torch.randn(20, 1) + 1
    assert dv.wasserstein1(x, y) == pytest.approx(stats.wasserstein_distance(x[:, 0], y[:, 0]), rel=1e-6)
    with pytest.raises(ValueError, match=r"y must be a 1-D sample.*\(20, 2\)"):
        dv.wasserstein1(x, torch.randn(20, 2))
    with pytest.raises(ValueError, match=r"x is empty"):
        dv.wasserstein1([], [1.0])


# --- discrete optimal transport (POT) ------------------------------------------------------


@pytest.mark.parametrize("n, m", [(6, 6), (9, 4)])
def test_pot_agrees_with_the_1d_formula(n, m):
    rng = np.random.default_rng(n + m)
    x, y = rng.normal(0, 1, n), rng.normal(2, 0.5, m)
    uniform = lambda k: np.full(k, 1 / k)  # noqa: E731
    assert dv.wasserstein_discrete(uniform(n), uniform(m), x, y) == pytest.approx(dv.wasserstein1(x, y), rel=1e-9)


def test_w1_with_weights_matches_scipy():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=8), rng.normal(1, 2, size=5)
    a, b = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(5))
    ref = stats.wasserstein_distance(x, y, u_weights=a, v_weights=b)
    assert dv.wasserstein_discrete(a, b, x, y) == pytest.approx(ref, rel=1e-9)


def test_w2_between_translated_clouds_in_2d():
    # moving a cloud rigidly by v costs exactly ‖v‖ for every p (the identity pairing is optimal)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 2))
    w = np.full(12, 1 / 12)
    for p in (1, 2):
        assert dv.wasserstein_discrete(w, w, x, x + [3.0, 4.0], p=p) == pytest.approx(5.0, rel=1e-9)


def test_transport_plan_marginals_and_cost():
    rng = np.random.default_rng(2)
    xs, ys = rng.normal(size=(7, 2)), rng.normal(1, 1, size=(5, 2))
    a, b = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(5))
    plan = dv.transport_plan(a, b, xs, ys)
    assert plan.shape == (7, 5) and plan.min() >= 0
    np.testing.assert_allclose(plan.sum(1), a, atol=1e-12)
    np.testing.assert_allclose(plan.sum(0), b, atol=1e-12)
    cost = np.linalg.norm(xs[:, None] - ys[None], axis=-1)
    assert (plan * cost).sum() == pytest.approx(dv.wasserstein_discrete(a, b, xs, ys), rel=1e-9)
    assert (plan > 1e-15).sum() <= 7 + 5 - 1  # a vertex of the transport polytope


def test_wasserstein_discrete_errors_name_the_argument():
    w = [0.5, 0.5]
    with pytest.raises(ValueError, match=r"a has 2 weights but xs has 3 points"):
        dv.wasserstein_discrete(w, w, [0.0, 1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"b must sum to 1"):
        dv.wasserstein_discrete(w, [1.0, 1.0], [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"same space"):
        dv.wasserstein_discrete(w, w, np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"p must be a number >= 1"):
        dv.wasserstein_discrete(w, w, [0.0, 1.0], [0.0, 1.0], p=0.5)


# --- the f-divergence family ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_f_divergences_equal_their_named_divergences(seed):
    p, q = random_pair(6, seed)
    assert dv.f_divergence(p, q, "kl") == pytest.approx(stats.entropy(p, q), rel=1e-10)
    assert dv.f_divergence(p, q, "reverse_kl") == pytest.approx(stats.entropy(q, p), rel=1e-10)
    js = distance.jensenshannon(p, q) ** 2
    assert dv.f_divergence(p, q, "js") == pytest.approx(2 * js, rel=1e-10)
    assert dv.f_divergence(p, q, "gan") == pytest.approx(2 * js - math.log(4), rel=1e-10)
    assert dv.f_divergence(p, q, "tv") == pytest.approx(0.5 * np.abs(p - q).sum(), rel=1e-10)
    assert dv.f_divergence(p, q, "pearson") == pytest.approx(((p - q) ** 2 / q).sum(), rel=1e-10)
    assert dv.f_divergence(p, q, "hellinger") == pytest.approx(((np.sqrt(p) - np.sqrt(q)) ** 2).sum(), rel=1e-10)


def test_f_divergences_of_disjoint_supports():
    p, q = [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.3, 0.7]
    expected = {"kl": math.inf, "reverse_kl": math.inf, "pearson": math.inf, "hellinger": 2.0,
                "js": 2 * LOG2, "tv": 1.0, "gan": 0.0}
    for kind, value in expected.items():
        assert dv.f_divergence(p, q, kind) == pytest.approx(value), kind


def test_f_divergence_is_zero_for_equal_distributions_and_refuses_unknown_kinds():
    p, _ = random_pair(5, 0)
    for kind in dv.F_DIVERGENCES:
        expected = -math.log(4) if kind == "gan" else 0.0
        assert dv.f_divergence(p, p, kind) == pytest.approx(expected, abs=1e-12), kind
    with pytest.raises(ValueError, match=r"kind must be one of .*'kl'.*got 'wasserstein'"):
        dv.f_divergence(p, p, "wasserstein")


@pytest.mark.parametrize("kind", list(dv.F_DIVERGENCES))
def test_fenchel_young_for_every_conjugate_pair(kind):
    # f(u) + f*(t) >= u t for all u >= 0 and t in dom f*, with equality at t = f'(u)
    d = dv.F_DIVERGENCES[kind]
    u = torch.linspace(0.05, 6.0, 200, dtype=torch.float64)
    t_star = d.f_prime(u)
    torch.testing.assert_close(d.f(u) + d.conjugate(t_star), u * t_star, atol=1e-10, rtol=1e-10)
    gen = torch.Generator().manual_seed(0)
    t = d.activation(torch.randn(200, dtype=torch.float64, generator=gen) * 3)  # points of dom f*
    gap = d.f(u)[:, None] + d.conjugate(t)[None, :] - u[:, None] * t[None, :]  # (200, 200)
    assert gap.min() >= -1e-10
    assert gap.max() > 1e-3  # strict elsewhere: the inequality is not trivially an equality


@pytest.mark.parametrize("kind", list(dv.F_DIVERGENCES))
def test_generators_are_convex_and_vanish_at_one(kind):
    d = dv.F_DIVERGENCES[kind]
    assert d.f(torch.tensor([1.0], dtype=torch.float64)).abs().item() < 1e-15 or kind == "gan"
    u = torch.linspace(0.1, 5.0, 101, dtype=torch.float64)
    second_diff = d.f(u[2:]) - 2 * d.f(u[1:-1]) + d.f(u[:-2])
    assert second_diff.min() >= -1e-12


@pytest.mark.parametrize("kind", list(dv.F_DIVERGENCES))
def test_the_optimal_critic_attains_the_divergence(kind):
    # sup_T E_P[T] − E_Q[f*(T)] is attained at T* = f'(p/q): the bound is tight
    p, q = random_pair(5, 9)
    d = dv.F_DIVERGENCES[kind]
    u = torch.tensor(p / q, dtype=torch.float64)
    t = d.f_prime(u)
    bound = float((torch.tensor(p) * t).sum() - (torch.tensor(q) * d.conjugate(t)).sum())
    assert bound == pytest.approx(dv.f_divergence(p, q, kind), rel=1e-9, abs=1e-12)


def test_variational_bound_on_samples_is_below_the_divergence():
    gen = torch.Generator().manual_seed(0)
    x_p, x_q = torch.randn(20_000, generator=gen, dtype=torch.float64) + 1, torch.randn(20_000, generator=gen, dtype=torch.float64)
    # P = N(1, 1), Q = N(0, 1): KL = ½, optimal critic T*(x) = f'(p/q) = log(p/q) + 1 = x − ½ + 1
    t_opt = lambda x: x + 0.5  # noqa: E731
    assert dv.variational_bound(t_opt(x_p), t_opt(x_q), "kl").item() == pytest.approx(0.5, abs=0.03)
    t_bad = lambda x: 0.5 * x  # noqa: E731
    assert dv.variational_bound(t_bad(x_p), t_bad(x_q), "kl").item() < 0.45


# --- hypothesis: the inequalities between divergences -------------------------------------

probability_vectors = arrays(np.float64, st.integers(2, 12), elements=st.floats(0.0, 1.0)).filter(
    lambda w: w.sum() > 1e-3
)


@settings(max_examples=60, deadline=None)
@given(probability_vectors, st.integers(0, 2**32 - 1))
def test_inequalities_between_divergences(w, seed):
    p = w / w.sum()
    q = np.random.default_rng(seed).dirichlet(np.ones(len(p)) * 0.5)
    q = np.where(q < 1e-300, 0.0, q)
    q = q / q.sum()
    kl, js, tv = dv.kl(p, q), dv.js(p, q), dv.total_variation(p, q)
    assert kl >= 0 and js >= 0 and tv >= 0
    assert js == pytest.approx(dv.js(q, p), abs=1e-12)  # symmetric
    assert js <= LOG2 + 1e-12 and tv <= 1 + 1e-12
    assert tv <= math.sqrt(kl / 2) + 1e-9  # Pinsker
    assert js <= tv * LOG2 + 1e-9  # JS ≤ TV·log 2 (Lin 1991)
    assert dv.js(p, p) == pytest.approx(0.0, abs=1e-12) and dv.kl(p, p) == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=30), st.lists(st.floats(-100, 100), min_size=1, max_size=30))
def test_w1_is_a_metric_and_matches_scipy(x, y):
    w = dv.wasserstein1(x, y)
    assert w == pytest.approx(stats.wasserstein_distance(x, y), rel=1e-9, abs=1e-9)
    assert w == pytest.approx(dv.wasserstein1(y, x), rel=1e-12, abs=1e-12)
    assert dv.wasserstein1(x, x) == 0.0
    assert w >= abs(np.mean(x) - np.mean(y)) - 1e-9  # W1 ≥ |E x − E y|  (f(t) = t is 1-Lipschitz)


# --- the optimal discriminator ---------------------------------------------------------------


def test_optimal_discriminator_arrays_tensors_callables():
    x = np.linspace(-3, 3, 13)
    pd, pg = stats.norm.pdf(x, -1, 1), stats.norm.pdf(x, 1, 0.5)
    expected = 1 / (1 + np.exp(stats.norm.logpdf(x, 1, 0.5) - stats.norm.logpdf(x, -1, 1)))
    np.testing.assert_allclose(dv.optimal_discriminator(pd, pg), expected, rtol=1e-10)
    got = dv.optimal_discriminator(torch.tensor(pd), torch.tensor(pg))
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    d_star = dv.optimal_discriminator(lambda t: stats.norm.pdf(t, -1, 1), lambda t: stats.norm.pdf(t, 1, 0.5))
    np.testing.assert_allclose(d_star(x), expected, rtol=1e-10)
    np.testing.assert_allclose(dv.optimal_discriminator([0.0, 2.0, 0.0], [0.0, 0.0, 1.0]), [0.5, 1.0, 0.0])


def test_optimal_discriminator_errors():
    with pytest.raises(ValueError, match=r"p_data and p_g must have the same shape"):
        dv.optimal_discriminator(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"p_g must hold finite densities >= 0"):
        dv.optimal_discriminator(np.ones(2), np.array([1.0, -1.0]))
    with pytest.raises(TypeError, match=r"both be callables"):
        dv.optimal_discriminator(np.ones(2), lambda x: x)
