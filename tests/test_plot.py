"""ganlib.plot: every figure titled and labelled, the right artists, honest colours, offline animations."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from ganlib import plot  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def ring(n, modes=8, radius=2.0, std=0.05, seed=0):
    g = torch.Generator().manual_seed(seed)
    k = torch.randint(0, modes, (n,), generator=g)
    angle = 2 * torch.pi * k / modes
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1) + std * torch.randn(n, 2, generator=g)


def test_style_is_scoped_to_ganlib_figures_but_interactive_mode_survives():
    @plot._styled
    def make():
        matplotlib.interactive(True)  # what IPython does when the inline backend loads
        return matplotlib.rcParams["axes.spines.top"]

    top = matplotlib.rcParams["axes.spines.top"]
    matplotlib.interactive(False)
    try:
        assert make() is False  # STYLE in force inside
        assert matplotlib.rcParams["axes.spines.top"] == top  # and undone outside
        assert matplotlib.is_interactive()  # later figures still show in Jupyter
    finally:
        matplotlib.interactive(False)


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


# --- image_grid --------------------------------------------------------------------------


def test_image_grid_maps_minus_one_to_black_and_one_to_white():
    images = torch.zeros(4, 1, 5, 5)
    images[0], images[1] = -1.0, 1.0
    ax = plot.image_grid(images, nrow=2, title="extremes")
    assert ax.get_title() == "extremes" and ax.get_xlabel()
    (im,) = ax.images
    rgba = im.to_rgba(im.get_array())  # what the screen shows, (H, W, 4)
    pad, size = 2, 5
    first = rgba[pad + 2, pad + 2, :3]  # centre of image 0
    second = rgba[pad + 2, pad + size + pad + 2, :3]  # centre of image 1
    third = rgba[pad + size + pad + 2, pad + 2, :3]  # centre of image 2 (zeros)
    np.testing.assert_allclose(first, [0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(second, [1, 1, 1], atol=1e-6)
    assert 0.4 < third.mean() < 0.6 and np.ptp(third) < 1e-6  # 0 is mid grey


def test_image_grid_layout_and_rgb():
    ax = plot.image_grid(torch.rand(10, 3, 6, 6) * 2 - 1, nrow=4)
    grid = ax.images[0].get_array()
    assert grid.shape == (2 + 3 * (6 + 2), 2 + 4 * (6 + 2), 3)  # 3 rows of 4
    assert ax.get_title()
    ax = plot.image_grid(np.zeros((3, 8, 8)), nrow=8)  # (N, H, W) is read as grey
    assert ax.images[0].get_array().shape == (2 + 8 + 2, 2 + 3 * (8 + 2))


def test_image_grid_rejects_bad_shapes():
    with pytest.raises(ValueError, match="channels"):
        plot.image_grid(torch.zeros(2, 2, 4, 4))
    with pytest.raises(ValueError, match="images must have shape"):
        plot.image_grid(torch.zeros(4, 4))


# --- samples_2d / samples_over_training -----------------------------------------------------


def test_samples_2d_draws_real_under_fake_with_centres():
    real, fake = ring(200), ring(100, modes=2, seed=1)
    centers = ring(8, std=0.0)
    ax = plot.samples_2d(fake, real, centers=centers, title="ring")
    assert ax.get_title() == "ring" and ax.get_xlabel() and ax.get_ylabel()
    real_pc, centre_pc, fake_pc = scatters(ax)
    assert len(real_pc.get_offsets()) == 200 and len(fake_pc.get_offsets()) == 100
    assert fake_pc.get_zorder() > real_pc.get_zorder()  # fakes on top
    assert ax.get_aspect() == 1.0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["real data", "mode centres", "generated"]
    assert len(scatters(plot.samples_2d(fake))) == 1  # fakes only


def test_samples_2d_counts_points_outside_the_view():
    fake = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, -9.0]])
    ax = plot.samples_2d(fake, ring(50), lim=3.0)
    assert ax.get_xlim() == (-3.0, 3.0)
    assert any("2/3 generated points outside" in t.get_text() for t in ax.texts)
    ax = plot.samples_2d(fake[:1], ring(50), lim=3.0)
    assert not any("outside" in t.get_text() for t in ax.texts)


def test_samples_over_training_one_panel_per_snapshot_first_and_last_kept():
    snaps = [(s, ring(50, seed=s)) for s in range(0, 1200, 100)]  # 12 snapshots
    fig = plot.samples_over_training(snaps, ring(100), cols=5, max_panels=6)
    axes = fig.get_axes()
    assert len(axes) == 6
    titles = [ax.get_title() for ax in axes]
    assert titles[0] == "step 0" and titles[-1] == "step 1100"
    assert fig.get_suptitle()
    assert all(len(scatters(ax)) == 2 for ax in axes)  # real + fake in each panel


def test_samples_over_training_images():
    snaps = [(s, torch.zeros(20, 1, 4, 4)) for s in (0, 10)]
    fig = plot.samples_over_training(snaps)
    assert [ax.get_title() for ax in fig.get_axes()] == ["step 0", "step 10"]
    assert all(len(ax.images) == 1 for ax in fig.get_axes())


# --- decision_surface_2d ------------------------------------------------------------------


def test_decision_surface_boundary_is_where_the_logit_is_zero():
    D = torch.nn.Linear(2, 1)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[3.0, 0.0]]))  # logit = 3 x1 - 1.5 -> boundary at x1 = 0.5
        D.bias.fill_(-1.5)
    D.train()
    real, fake = ring(100), ring(100, seed=2)
    ax = plot.decision_surface_2d(D, real, fake, lim=3.0, resolution=61)
    assert D.training  # mode restored
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.figure.get_axes()) == 2  # the panel and its colour bar
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    filled = [c for c in contours if c.filled]
    assert len(filled) == 1 and filled[0].levels.min() == 0.0 and filled[0].levels.max() == 1.0
    (boundary,) = [c for c in contours if not c.filled]
    xs = np.concatenate([p.vertices[:, 0] for p in boundary.get_paths()])
    np.testing.assert_allclose(xs, 0.5, atol=0.05)
    assert len(scatters(ax)) == 2


def test_decision_surface_accepts_a_function_and_checks_its_output():
    real, fake = ring(20), ring(20, seed=3)
    ax = plot.decision_surface_2d(lambda x: x[:, 1:] * 0.0 + x[:, :1], real, fake, resolution=20)  # (M, 1)
    assert ax.get_title()
    with pytest.raises(ValueError, match="one logit per point"):
        plot.decision_surface_2d(lambda x: x, real, fake, resolution=20)


# --- loss_curves ---------------------------------------------------------------------------


def make_log(n=30):
    rng = np.random.default_rng(0)
    return {
        "step": list(range(0, 10 * n, 10)),
        "d_loss": list(rng.normal(1.2, 0.1, n)),
        "g_loss": list(rng.normal(0.8, 0.1, n)),
        "d_real": list(rng.uniform(0.5, 0.7, n)),
        "d_fake": list(rng.uniform(0.3, 0.5, n)),
    }


def test_loss_curves_two_panels_from_a_dict():
    log = make_log()
    fig = plot.loss_curves(log)
    loss_ax, out_ax = fig.get_axes()
    assert len(loss_ax.get_lines()) == 2 and loss_ax.get_title() and loss_ax.get_xlabel() == "step"
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), log["step"])
    assert len(out_ax.get_lines()) == 3  # D(x), D(G(z)) and the line at 1/2
    assert out_ax.get_ylim()[0] < 0.01 and out_ax.get_ylim()[1] > 0.99
    assert fig.get_suptitle()


def test_loss_curves_history_like_missing_keys_and_own_axes():
    class History:
        log = {"step": [0, 1, 2], "d_loss": [1.0, 0.9, 0.8]}

    fig = plot.loss_curves(History())
    (ax,) = fig.get_axes()  # no D outputs logged: one panel
    assert len(ax.get_lines()) == 1 and ax.get_ylabel() == "loss"
    _, own = plt.subplots()
    assert plot.loss_curves(make_log(), ax=own) is own.figure
    assert len(own.get_lines()) == 2 and len(own.figure.get_axes()) == 1
    fig = plot.loss_curves(make_log(), d_outputs=False, smooth=5)
    assert len(fig.get_axes()) == 1 and len(fig.get_axes()[0].get_lines()) == 4  # raw + mean per key
    with pytest.raises(ValueError, match="two panels"):
        plot.loss_curves(make_log(), ax=own, d_outputs=True)


# --- animations -----------------------------------------------------------------------------


def frames_in(html):
    return re.findall(r'frames\[\d+\] = "data:image/png;base64,', html)


def external_refs(html):
    return re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, flags=re.I)


def test_animate_2d_html_is_offline_and_holds_every_frame():
    from matplotlib._animation_data import JS_INCLUDE  # the head of every to_jshtml page

    other = plt.figure()  # the reader's own figure stays open
    snaps = [(s, ring(40, seed=s)) for s in (0, 50, 100)]
    anim = plot.animate_2d(snaps, ring(60), centers=ring(8, std=0.0))
    assert isinstance(anim, FuncAnimation)
    ax = anim._fig.get_axes()[0]
    assert ax.get_xlabel() and ax.get_title().endswith("step 0")
    assert external_refs(JS_INCLUDE)  # matplotlib links its icon font from a CDN...
    html = plot.animation_html(anim).data
    assert not external_refs(html) and "http" not in html  # ...which we remove
    assert len(frames_in(html)) == 3
    assert plt.get_fignums() == [other.number]  # the animation's figure is closed


def test_animate_grid_html():
    snaps = [(s, torch.rand(8, 1, 6, 6) * 2 - 1) for s in (0, 1)]
    anim = plot.animate_grid(snaps, nrow=4)
    assert anim._fig.get_axes()[0].images
    html = plot.animation_html(anim).data
    assert len(frames_in(html)) == 2 and not external_refs(html)
    assert plt.get_fignums() == []
    with pytest.raises(TypeError, match="Animation"):
        plot.animation_html(plt.figure())


def test_html_table_formats_and_checks():
    from ganlib import plot as _plot

    out = _plot.html_table({"a<b": {"x": 0.12345, "n": 3}, "c": {"n": 4, "x": 1.0}}, corner="run", digits=2).data
    assert "<th>run</th><th>x</th><th>n</th>" in out
    assert "<th style='text-align:left'>a&lt;b</th><td>0.12</td><td>3</td>" in out
    assert "<td>1.00</td><td>4</td>" in out  # columns in the first row's order
    with pytest.raises(ValueError, match=r"rows\['c'\]"):
        _plot.html_table({"a": {"x": 1.0}, "c": {"y": 2.0}})
    with pytest.raises(TypeError, match="rows"):
        _plot.html_table({})
