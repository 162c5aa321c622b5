"""The Dirac-GAN against closed forms: rotation without damping, convergence with it."""

import numpy as np
import pytest

from ganlib import games

START = dict(theta0=1.0, psi0=1.0)  # ‖x₀‖ = √2
SHORT = dict(steps=600, lr=0.1)


def radius(path):
    return np.hypot(path[:, 0], path[:, 1])  # (T+1,)


def fd_jacobian(kind, reg, h=1e-5, **opts):
    """Central differences of vector_field at (0, 0): an independent path to v'(0, 0)."""
    cols = []
    for e in (np.array([h, 0.0]), np.array([0.0, h])):
        plus = np.array(games.vector_field(*e, kind=kind, reg=reg, **opts), dtype=float)
        minus = np.array(games.vector_field(*-e, kind=kind, reg=reg, **opts), dtype=float)
        cols.append((plus - minus) / (2 * h))
    return np.stack(cols, axis=1)  # (2, 2): column j = ∂v/∂x_j


def sorted_eigs(z):
    return np.array(sorted(np.asarray(z, complex), key=lambda c: (round(c.real, 6), c.imag)))


# --- the field --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", games.KINDS)
@pytest.mark.parametrize("reg", games.REGS)
def test_equilibrium_is_a_zero_of_the_field(kind, reg):
    d_theta, d_psi = games.vector_field(0.0, 0.0, kind=kind, reg=reg)
    assert abs(d_theta) < 1e-12 and abs(d_psi) < 1e-12
    d_theta, d_psi = games.vector_field(0.3, 0.2, kind=kind, reg=reg)  # and not of any other point
    assert np.hypot(d_theta, d_psi) > 1e-2


def test_field_formula_for_the_plain_gan():
    theta, psi = 0.7, -1.3
    slope = 1 / (1 + np.exp(psi * theta))  # f'(t) = σ(-t) at t = ψθ
    np.testing.assert_allclose(games.vector_field(theta, psi), (-psi * slope, theta * slope), rtol=1e-12)
    np.testing.assert_allclose(games.vector_field(theta, psi, kind="wgan"), (-psi, theta), rtol=1e-12)


@pytest.mark.parametrize("kind", games.KINDS)
def test_unregularised_field_only_rotates(kind):
    rng = np.random.default_rng(0)
    theta, psi = rng.normal(size=(2, 50))
    d_theta, d_psi = games.vector_field(theta, psi, kind=kind)
    np.testing.assert_allclose(theta * d_theta + psi * d_psi, 0.0, atol=1e-12)  # v(x) ⊥ x
    assert np.all(np.hypot(d_theta, d_psi) > 0)
    d_theta, d_psi = games.vector_field(theta, psi, kind=kind, reg="r1")  # R1 points inwards
    assert np.all(theta * d_theta + psi * d_psi < 0)


@pytest.mark.parametrize("kind", games.KINDS)
@pytest.mark.parametrize("noise_std", [0.0, 0.5])
def test_field_is_the_gradient_of_the_objective(kind, noise_std):
    theta, psi, h = 0.4, -0.9, 1e-6
    L = lambda t, p: games.objective(t, p, kind=kind, noise_std=noise_std)  # noqa: E731
    expected = (-(L(theta + h, psi) - L(theta - h, psi)) / (2 * h), (L(theta, psi + h) - L(theta, psi - h)) / (2 * h))
    reg = "instance_noise" if noise_std else None
    got = games.vector_field(theta, psi, kind=kind, reg=reg, noise_std=noise_std or 1.0)
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)


def test_objective_at_the_equilibrium_is_2_f_of_0():
    assert games.objective(0.0, 0.0) == pytest.approx(-2 * np.log(2))  # 2 log σ(0)
    assert games.objective(3.0, 2.0, kind="wgan") == pytest.approx(6.0)


def test_regularisers_change_only_the_discriminator_direction():
    theta, psi, gamma = 0.5, -1.5, 2.0
    base = np.array(games.vector_field(theta, psi))
    r1 = np.array(games.vector_field(theta, psi, reg="r1", gamma=gamma))
    gp = np.array(games.vector_field(theta, psi, kind="wgan", reg="gp", gamma=gamma))
    np.testing.assert_allclose(r1 - base, [0.0, -gamma * psi])
    np.testing.assert_allclose(gp, [-psi, theta - 2 * gamma * (abs(psi) - 1) * np.sign(psi)])


@pytest.mark.parametrize("reg", games.REGS)
def test_vectorised_field_matches_a_scalar_loop(reg):
    theta, psi = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 1.5, 4))  # (4, 5)
    d_theta, d_psi = games.vector_field(theta, psi, reg=reg)
    assert d_theta.shape == d_psi.shape == (4, 5)
    loop = np.array([games.vector_field(t, p, reg=reg) for t, p in zip(theta.ravel(), psi.ravel())])  # (20, 2)
    np.testing.assert_allclose(d_theta.ravel(), loop[:, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d_psi.ravel(), loop[:, 1], rtol=1e-12, atol=1e-15)


# --- the Jacobian at the equilibrium ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reg", "closed_form"),
    [
        ("gan", None, [-0.5j, 0.5j]),  # ±i f'(0), f'(0) = 1/2
        ("wgan", None, [-1j, 1j]),  # ±i
        ("gan", "r1", [-0.5, -0.5]),  # (-γ ± √(γ² - 4·¼))/2 with γ = 1
        ("gan", "instance_noise", [-0.25 - np.sqrt(3) / 4 * 1j, -0.25 + np.sqrt(3) / 4 * 1j]),  # f''(0)σ² ± √(...)
        ("wgan", "instance_noise", [-1j, 1j]),  # f'' = 0: noise does not damp the WGAN
    ],
)
def test_jacobian_eigenvalues_closed_form_and_finite_differences(kind, reg, closed_form):
    eigs = games.jacobian_eigenvalues(kind, reg)
    np.testing.assert_allclose(sorted_eigs(eigs), sorted_eigs(closed_form), atol=1e-7)
    fd = np.linalg.eigvals(fd_jacobian(kind, reg))
    np.testing.assert_allclose(sorted_eigs(fd), sorted_eigs(closed_form), atol=1e-4)


def test_damping_makes_real_parts_negative():
    assert np.all(games.jacobian_eigenvalues("gan", None).real == 0)
    for reg in ("r1", "instance_noise"):
        assert np.all(games.jacobian_eigenvalues("gan", reg).real < 0)
    assert np.all(games.jacobian_eigenvalues("wgan", "r1", gamma=0.1).real == pytest.approx(-0.05))


def test_gp_has_no_jacobian():
    with pytest.raises(ValueError, match="not differentiable"):
        games.jacobian("wgan", "gp")


# --- training dynamics ------------------------------------------------------------------


def test_simultaneous_gd_spirals_out():
    path = games.simulate(**START, **SHORT, mode="simultaneous")
    r = radius(path)
    assert np.all(np.diff(r) > 0)  # ‖x + hv‖² = ‖x‖² + h²‖v‖² since v ⊥ x
    assert r[-1] > 1.5 * r[0]


def test_alternating_gd_circles_in_a_band():
    path = games.simulate(**START, steps=2000, lr=0.1, mode="alternating")
    r = radius(path)
    assert r.min() > 0.9 * r[0] and r.max() < 1.1 * r[0]  # neither converges nor escapes
    assert np.sum(np.diff(np.sign(path[:, 0])) != 0) >= 4  # and keeps going round: θ changes sign


@pytest.mark.parametrize("mode", games.MODES)
@pytest.mark.parametrize(("kind", "reg"), [("gan", "r1"), ("wgan", "r1"), ("gan", "instance_noise")])
def test_damping_converges(mode, kind, reg):
    path = games.simulate(**START, **SHORT, mode=mode, kind=kind, reg=reg)
    assert games.distance_to_equilibrium(path) < 1e-2


@pytest.mark.parametrize("mode", games.MODES)
def test_wgan_with_clipping_does_not_converge(mode):
    path = games.simulate(**START, **SHORT, mode=mode, kind="wgan", clip=0.5)
    assert np.all(np.abs(path[1:, 1]) <= 0.5)  # ψ stays clipped
    assert games.distance_to_equilibrium(path) > 0.1
    assert radius(path)[-200:].min() > 0.1  # not on the way in either: it cycles


@pytest.mark.parametrize("mode", games.MODES)
def test_wgan_gp_stalls_away_from_the_data(mode):
    path = games.simulate(**START, **SHORT, mode=mode, kind="wgan", reg="gp", gamma=1.0)
    np.testing.assert_allclose(np.abs(path[-1]), [2.0, 0.0], atol=1e-3)  # (∓2γ, 0)


def test_simulate_shape_and_start():
    path = games.simulate(0.3, -0.2, steps=7, lr=0.05)
    assert path.shape == (8, 2)
    np.testing.assert_array_equal(path[0], [0.3, -0.2])
    d_theta, d_psi = games.vector_field(0.3, -0.2)
    np.testing.assert_allclose(path[1], [0.3 + 0.05 * d_theta, -0.2 + 0.05 * d_psi])


def test_distance_to_equilibrium():
    assert games.distance_to_equilibrium([[9.0, 9.0], [3.0, 4.0]]) == 5.0
    with pytest.raises(ValueError, match="trajectory"):
        games.distance_to_equilibrium(np.zeros((3, 3)))


# --- errors that teach -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: games.vector_field(0, 0, kind="hinge"), "kind"),
        (lambda: games.vector_field(0, 0, reg="spectral"), "reg"),
        (lambda: games.vector_field(0, 0, reg="r1", gamma=0), "gamma"),
        (lambda: games.simulate(1, 1, steps=5, lr=0.1, mode="gauss-seidel"), "mode"),
        (lambda: games.simulate(1, 1, steps=5, lr=0.0), "lr"),
        (lambda: games.simulate(1, 1, steps=5, lr=-0.1), "lr"),
        (lambda: games.simulate(1, 1, steps=0, lr=0.1), "steps"),
        (lambda: games.simulate(1, 1, steps=5, lr=0.1, clip=-1), "clip"),
        (lambda: games.jacobian_eigenvalues("lsgan"), "kind"),
    ],
)
def test_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("start", [(1.0, 1.0), (0.5, 0.0), (2.0, -1.0)])
def test_wgan_gp_stalls_for_large_gamma_and_circles_for_small(start):
    # The regime the module docstring states: gamma >= 1 stops at (-+2 gamma, 0),
    # away from the data; gamma = 0.3 keeps circling; neither converges.
    stalled = games.simulate(*start, steps=20_000, lr=0.01, kind="wgan", reg="gp", gamma=1.0)
    assert abs(abs(stalled[-1, 0]) - 2.0) < 0.05 and abs(stalled[-1, 1]) < 0.05
    assert np.ptp(stalled[-2000:], axis=0).max() < 1e-2  # at rest
    circling = games.simulate(*start, steps=20_000, lr=0.01, kind="wgan", reg="gp", gamma=0.3)
    radius = np.hypot(circling[-2000:, 0], circling[-2000:, 1])
    assert radius.min() > 1.0  # far from the equilibrium (0, 0) ...
    assert np.ptp(circling[-2000:, 0]) > 2.0  # ... and still moving across it
