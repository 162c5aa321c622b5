"""Figures for the book: sample grids, 2-D samples, D's decision surface, loss curves, animations.

Every function draws one kind of figure, gives it a title and labels its axes.

* Functions that draw one panel (:func:`image_grid`, :func:`samples_2d`,
  :func:`decision_surface_2d`) take an optional ``ax`` and return that Axes, so they
  compose into the reader's own layouts.
* Functions that lay out several panels (:func:`samples_over_training`,
  :func:`loss_curves`) return the Figure.
* :func:`animate_2d` and :func:`animate_grid` return a matplotlib ``FuncAnimation``;
  :func:`animation_html` turns one into a self-contained HTML player (frames embedded,
  nothing loaded from the internet) that plays in the static book, Jupyter and Colab.

Conventions shared by all figures:

* images are float tensors or arrays of shape (N, C, H, W) with values in [-1, 1], the
  range of a tanh generator: -1 is black, +1 is white (integer pixels are refused);
* points and images may be tensors (any device, with or without grad) or NumPy arrays:
  they are converted to float NumPy arrays; NaN in generated points or images (a
  diverged generator) gives nothing drawn for those points, and a note counts them as
  outside the view; the real data and mode centres must be finite;
* in 2-D plots the real data are drawn first, in a light colour, and the generated
  points on top of them, in a strong one, on axes with equal aspect;
* the look (figure size, fonts, colours) is the dict :data:`STYLE`, applied only while
  a ganlib figure is being made, so importing this module changes nothing in the
  reader's own figures.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor, nn

from . import checks

REAL_COLOR = "#8fb9d9"  # light blue: the data, drawn underneath
FAKE_COLOR = "#d55e00"  # vermillion (Okabe-Ito): the generator's samples, drawn on top
CENTER_COLOR = "#1a1a1a"  # the mode centres of a toy mixture
PANEL_SIZE = (4.2, 3.6)  # inches; one panel at 100 dpi is 420 x 360 pixels

#: rcParams used while a ganlib figure is made (see `_styled`); a white page, no chart junk.
STYLE: dict[str, Any] = {
    "figure.figsize": PANEL_SIZE,
    "figure.dpi": 100,
    "savefig.dpi": "figure",
    "figure.facecolor": "white",  # not transparent: the book also has a dark theme
    "axes.facecolor": "white",
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.titlesize": 11,
    "axes.titleweight": "regular",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "#cccccc",
    "figure.titlesize": 12,
    "lines.linewidth": 1.4,
    # Okabe-Ito: distinguishable with colour-vision deficiencies
    "axes.prop_cycle": cycler(color=["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"]),
}


def _styled(fn: Callable) -> Callable:
    """Run ``fn`` with :data:`STYLE` in force, leaving the reader's rcParams untouched."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        interactive = mpl.is_interactive()
        try:
            with mpl.rc_context(STYLE):
                try:
                    return fn(*args, **kwargs)
                finally:
                    # Jupyter's inline backend loads with the first figure (maybe this one)
                    # and switches interactive mode on; rc_context would switch it off again
                    # on exit, and later figures would no longer be shown. Keep it.
                    interactive = mpl.is_interactive()
        finally:
            mpl.interactive(interactive)

    return wrapper


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------


def _to_numpy(x: Any, name: str) -> np.ndarray:
    """A tensor (any device, with or without grad) or array-like as a float NumPy array."""
    if isinstance(x, Tensor):
        return x.detach().to("cpu", torch.float32).numpy()
    if isinstance(x, (str, bytes)) or (isinstance(x, np.ndarray) and x.dtype.kind not in "biuf"):
        raise TypeError(f"{name} must be a tensor or an array of numbers; got {type(x).__name__}")
    try:
        return np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a tensor or an array of numbers; got {type(x).__name__}") from e


def _points(x: Any, name: str) -> np.ndarray:
    """2-D points as an (N, 2) array, with a message that names ``name`` otherwise.

    The real data and the mode centres must be finite (NaN there is a bug upstream);
    generated points may hold NaN (a diverged generator): those are not drawn.
    """
    p = _to_numpy(x, name)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2); got shape {tuple(p.shape)}")
    if len(p) == 0:
        raise ValueError(f"{name} is empty (shape {tuple(p.shape)}): no points to draw")
    if name in ("real", "centers") and not np.isfinite(p).all():
        raise ValueError(f"{name} must hold finite coordinates; it holds NaN or inf")
    return p


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = PANEL_SIZE) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


Box = tuple[float, float, float, float]  # (x0, x1, y0, y1), a view of the plane


def _view_box(point_sets: Sequence[np.ndarray | None], lim: float | None, margin: float = 0.25) -> Box:
    """A square (x0, x1, y0, y1) around the points, or [-lim, lim]^2 when ``lim`` is given."""
    if lim is not None:
        lim = checks.number(lim, "lim", low=0, low_open=True, what="a positive number (half-width of the view)")
        return (-lim, lim, -lim, lim)
    pts = np.concatenate([p for p in point_sets if p is not None and len(p)], axis=0)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    mid, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 0.5) * (1 + margin)
    return (mid[0] - half, mid[0] + half, mid[1] - half, mid[1] + half)


def _outside(points: np.ndarray, box: Box) -> int:
    x0, x1, y0, y1 = box
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    return int((~inside).sum())


def _outside_note(n_out: int, n: int) -> str:
    return f"{n_out}/{n} generated points outside the view" if n_out else ""


# ---------------------------------------------------------------------------------------
# images
# ---------------------------------------------------------------------------------------


def _check_image_dtype(images: Any) -> None:
    """Images are floats in [-1, 1]: an integer tensor or array (pixels 0..255?) is refused."""
    if isinstance(images, (Tensor, np.ndarray)) and not (
        images.is_floating_point() if isinstance(images, Tensor) else images.dtype.kind == "f"
    ):
        raise TypeError(f"images must be floats in [-1, 1]; got dtype {images.dtype} (for pixels p in 0..255 "
                        "pass p / 127.5 - 1)")


def _grid_array(images: Any, nrow: int, *, pad: int = 2) -> np.ndarray:
    """Tile images (N, C, H, W) in [-1, 1] into one (H', W') or (H', W', 3) array in [0, 1].

    The tiles are separated by white lines, as on a contact sheet.
    """
    _check_image_dtype(images)
    x = _to_numpy(images, "images")
    if x.ndim == 3:  # (N, H, W): grey images without a channel axis
        x = x[:, None]
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(f"images must have shape (N, C, H, W) with N >= 1; got shape {tuple(x.shape)}")
    n, c, h, w = x.shape
    if c not in (1, 3):
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels; got C = {c} in shape {tuple(x.shape)}")
    checks.integer(nrow, "nrow", low=1, what="a positive int (images per row)")
    finite = x[np.isfinite(x)]
    if finite.size and (finite.min() < -2 or finite.max() > 2):
        raise ValueError(f"images must hold values in [-1, 1]; got values in [{finite.min():.4g}, {finite.max():.4g}] "
                         "(for pixels p in 0..255 pass p / 127.5 - 1)")
    x = (np.clip(x, -1.0, 1.0) + 1.0) / 2.0  # [-1, 1] -> [0, 1]: -1 black, +1 white
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = np.ones((c, pad + rows * (h + pad), pad + cols * (w + pad)), dtype=np.float32)  # white
    for i in range(n):
        r, q = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + q * (w + pad)
        grid[:, top : top + h, left : left + w] = x[i]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)  # (H', W') or (H', W', 3)


@_styled
def image_grid(images: Any, *, nrow: int = 8, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Show images (N, C, H, W) with values in [-1, 1] as a grid, ``nrow`` images per row.

    One channel is shown in grey (-1 black, +1 white); three channels as RGB.
    Returns the Axes.
    """
    _check_image_dtype(images)
    x = _to_numpy(images, "images")
    grid = _grid_array(x, nrow)
    n, shape = len(x), tuple(x.shape[1:])
    if ax is None:
        width = 4.2
        ax = _new_axes(None, (width, max(1.2, width * grid.shape[0] / grid.shape[1]) + 0.6))
    if grid.ndim == 2:
        ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(grid, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title or "Samples")
    ax.set_xlabel(f"{n} images of shape {'×'.join(map(str, shape))}; black = −1, white = +1", fontsize=8.5)
    return ax


# ---------------------------------------------------------------------------------------
# 2-D samples
# ---------------------------------------------------------------------------------------


def _draw_real_and_centers(ax: Axes, real: np.ndarray | None, centers: np.ndarray | None) -> None:
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=7, color=REAL_COLOR, alpha=0.6, linewidths=0, label="real data", zorder=1)
    if centers is not None:
        ax.scatter(
            centers[:, 0], centers[:, 1], s=70, marker="+", color=CENTER_COLOR, linewidths=1.2,
            label="mode centres", zorder=3,
        )


def _finish_2d(ax: Axes, box: Box, title: str, legend: bool) -> None:
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    if legend:  # below the panel, so that it never hides a mode
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, frameon=False,
            markerscale=1.8, handletextpad=0.2, columnspacing=1.0,
        )


@_styled
def samples_2d(
    fake: Any,
    real: Any = None,
    *,
    centers: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
    lim: float | None = None,
    legend: bool = True,
) -> Axes:
    """Scatter generated 2-D points (N, 2) over the real ones, with optional mode centres.

    lim: half-width of the square view [-lim, lim]^2; by default the view fits the real
    data and the centres (or the fakes, if there is neither), so that panels drawn
    with the same data compare. Generated points outside the view are counted in a note.
    NaN in the points (a diverged generator) is allowed: NaN in, nothing drawn for those
    points (they count as outside the view). Returns the Axes.
    """
    checks.boolean(legend, "legend")
    f = _points(fake, "fake")
    r = None if real is None else _points(real, "real")
    c = None if centers is None else _points(centers, "centers")
    ax = _new_axes(ax, (PANEL_SIZE[1] + 0.3, PANEL_SIZE[1]))
    box = _view_box([r, c] if (r is not None or c is not None) else [f], lim)
    _draw_samples_2d(ax, f, r, c, box, title or "Generated samples", legend)
    return ax


def _draw_samples_2d(
    ax: Axes, f: np.ndarray, r: np.ndarray | None, c: np.ndarray | None, box: Box, title: str, legend: bool
) -> None:
    _draw_real_and_centers(ax, r, c)
    ax.scatter(f[:, 0], f[:, 1], s=7, color=FAKE_COLOR, alpha=0.75, linewidths=0, label="generated", zorder=2)
    note = _outside_note(_outside(f, box), len(f))
    if note:
        ax.text(0.02, 0.02, note, transform=ax.transAxes, fontsize=7.5, color="#555555", zorder=4)
    _finish_2d(ax, box, title, legend)


def _unpack_snapshots(snapshots: Any) -> list[tuple[int, np.ndarray]]:
    """[(step, samples)] from a list of pairs or from a History (its ``.snapshots``)."""
    snapshots = getattr(snapshots, "snapshots", snapshots)
    out = []
    for i, item in enumerate(snapshots):
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f"snapshots must be a list of (step, samples) pairs; item {i} is {type(item).__name__}")
        step = checks.integer(item[0], f"snapshots[{i}] step")
        out.append((step, _to_numpy(item[1], f"snapshots[{i}] samples")))
    if not out:
        raise ValueError("snapshots is empty: train with snapshot_every > 0 to record some")
    return out


def _pick(n: int, k: int) -> list[int]:
    """At most ``k`` indices out of ``n``, evenly spaced, always the first and the last."""
    if n <= k:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, k).round().astype(int).tolist()))


@_styled
def samples_over_training(
    snapshots: Any,
    real: Any = None,
    *,
    cols: int = 5,
    centers: Any = None,
    lim: float | None = None,
    max_panels: int = 10,
    title: str | None = None,
) -> Figure:
    """One panel per snapshot (step, samples), ``cols`` panels a row; returns the Figure.

    snapshots: a list of (step, samples) pairs or a History. 2-D samples (N, 2) are drawn
    with :func:`samples_2d` on a shared view; images (N, C, H, W) with :func:`image_grid`
    (the first 16). At most ``max_panels`` evenly spaced snapshots are shown, including
    the first and the last.
    """
    checks.positive_int(cols, "cols")
    checks.positive_int(max_panels, "max_panels")
    snaps = _unpack_snapshots(snapshots)
    snaps = [snaps[i] for i in _pick(len(snaps), max_panels)]
    is_2d = snaps[0][1].ndim == 2
    ncols = min(cols, len(snaps))
    nrows = math.ceil(len(snaps) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.4 * ncols, (2.6 if is_2d else 2.4) * nrows + 0.6), layout="constrained",
        squeeze=False, sharex=is_2d, sharey=is_2d,
    )
    if is_2d:
        r = None if real is None else _points(real, "real")
        c = None if centers is None else _points(centers, "centers")
        others = [r, c] if (r is not None or c is not None) else [s for _, s in snaps]
        box = _view_box(others, lim)
        for k, (step, x) in enumerate(snaps):
            ax = axes.flat[k]
            _draw_samples_2d(ax, _points(x, f"snapshots[{k}] samples"), r, c, box, f"step {step}", legend=False)
            ax.label_outer()
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False, markerscale=1.8)
    else:
        for k, (step, x) in enumerate(snaps):
            image_grid(x[:16], nrow=4, ax=axes.flat[k], title=f"step {step}")
            axes.flat[k].set_xlabel("")
        fig.supxlabel("the first 16 samples of each snapshot; black = −1, white = +1", fontsize=9)
    for k in range(len(snaps), nrows * ncols):  # empty slots in the last row
        axes.flat[k].remove()
        above = axes.flat[k - ncols]
        if is_2d:  # the panel above is now the lowest of its column: give it the x labels back
            above.xaxis.set_tick_params(labelbottom=True)
            above.set_xlabel("$x_1$")
    fig.suptitle(title or "Samples over training")
    return fig


# ---------------------------------------------------------------------------------------
# the discriminator's view of the plane
# ---------------------------------------------------------------------------------------


@_styled
def decision_surface_2d(
    D: Callable[[Tensor], Tensor],
    real: Any,
    fake: Any,
    *,
    ax: Axes | None = None,
    lim: float | None = None,
    resolution: int = 150,
    centers: Any = None,
    sigmoid: bool = True,
    title: str | None = None,
) -> Axes:
    """Filled contours of D(x) = σ(logit(x)) over the plane, with real and fake points.

    D: a module or function mapping points (M, 2) to logits (M,) or (M, 1). A module is
    evaluated in eval mode on its own device and put back in the mode it was in.
    sigmoid: False draws D's raw output (e.g. a Wasserstein critic) instead of σ(logit).
    The dashed line is the decision boundary D(x) = 1/2 (logit 0). Returns the Axes.
    """
    r, f = _points(real, "real"), _points(fake, "fake")
    c = None if centers is None else _points(centers, "centers")
    checks.function(D, "D", "a module or function mapping points (M, 2) to logits (M,)")
    checks.integer(resolution, "resolution", low=2)
    checks.boolean(sigmoid, "sigmoid")
    x0, x1, y0, y1 = _view_box([r, f], lim, margin=0.25)
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))  # (R, R) each
    values = _evaluate_on_plane(D, np.stack([xx.ravel(), yy.ravel()], axis=1), sigmoid=sigmoid)  # (R*R,)
    values = values.reshape(xx.shape)  # (R, R)

    ax = _new_axes(ax, (PANEL_SIZE[0] + 0.6, PANEL_SIZE[1] + 0.4))
    levels = np.linspace(0.0, 1.0, 11) if sigmoid else 12
    surface = ax.contourf(xx, yy, values, levels=levels, cmap="RdBu", alpha=0.75, zorder=0)
    boundary = 0.5 if sigmoid else 0.0
    if values.min() < boundary < values.max():
        ax.contour(xx, yy, values, levels=[boundary], colors="#222222", linewidths=1.0, linestyles="--", zorder=1)
    # on a coloured surface the real points are white with a dark rim; fakes on top
    ax.scatter(r[:, 0], r[:, 1], s=7, color="white", edgecolors="#1f3b57", linewidths=0.3, label="real data", zorder=2)
    ax.scatter(f[:, 0], f[:, 1], s=7, color=FAKE_COLOR, linewidths=0, label="generated", zorder=3)
    if c is not None:
        ax.scatter(c[:, 0], c[:, 1], s=70, marker="+", color=CENTER_COLOR, linewidths=1.2,
                   label="mode centres", zorder=4)
    cbar = ax.figure.colorbar(surface, ax=ax, shrink=0.9)
    cbar.set_label("D(x) = σ(logit)" if sigmoid else "critic output")
    if sigmoid:
        cbar.set_ticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.grid(False)
    default_title = "What D believes: D(x) over the plane" if sigmoid else "The critic over the plane"
    _finish_2d(ax, (x0, x1, y0, y1), title or default_title, True)
    return ax


def _evaluate_on_plane(D: Callable[[Tensor], Tensor], points: np.ndarray, *, sigmoid: bool) -> np.ndarray:
    """D (or σ∘D) at ``points`` (M, 2) as a NumPy vector (M,), without gradients."""
    device, dtype = torch.device("cpu"), torch.float32
    module = D if isinstance(D, nn.Module) else None
    if module is not None:
        param = next(module.parameters(), None)
        if param is not None:
            device, dtype = param.device, param.dtype
    was_training = module.training if module is not None else False
    if module is not None:
        module.eval()
    try:
        with torch.no_grad():
            out = D(torch.as_tensor(points, dtype=dtype, device=device))  # (M,) or (M, 1)
    finally:
        if module is not None:
            module.train(was_training)
    if not isinstance(out, Tensor) or out.numel() != len(points):
        shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        m = len(points)
        raise ValueError(f"D must return one logit per point, shape ({m},) or ({m}, 1); got {shape}")
    out = out.reshape(-1).float()
    return (torch.sigmoid(out) if sigmoid else out).cpu().numpy()


# ---------------------------------------------------------------------------------------
# training curves
# ---------------------------------------------------------------------------------------

_LABELS = {
    "d_loss": "D loss",
    "g_loss": "G loss",
    "d_real": "D(x), real",
    "d_fake": "D(G(z)), fake",
    "grad_d": "‖∇D‖",
    "grad_g": "‖∇G‖",
}


def _series(log: Mapping[str, Sequence], key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(x, y) for one logged key, or None when the key is missing or empty."""
    if key not in log or len(log[key]) == 0:
        return None
    y = np.array([np.nan if v is None else float(v) for v in log[key]], dtype=float)
    steps = log.get("step")
    x = np.asarray(steps, dtype=float) if steps is not None and len(steps) == len(y) else np.arange(len(y), dtype=float)
    return x, y


def _moving_average(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(y) < window:
        return y
    kernel = np.ones(window) / window
    valid = np.convolve(y, kernel, mode="valid")  # (len - window + 1,)
    return np.concatenate([np.full(window - 1, np.nan), valid])


def _plot_keys(ax: Axes, log: Mapping[str, Sequence], keys: Sequence[str], smooth: int) -> int:
    drawn = 0
    for key in keys:
        s = _series(log, key)
        if s is None:
            continue  # missing keys are skipped: not every run logs everything
        x, y = s
        label = _LABELS.get(key, key)
        if smooth > 1:
            (line,) = ax.plot(x, y, alpha=0.25, linewidth=0.8)
            ax.plot(x, _moving_average(y, smooth), color=line.get_color(), label=f"{label} (mean of {smooth})")
        else:
            ax.plot(x, y, label=label)
        drawn += 1
    return drawn


@_styled
def loss_curves(
    history: Any,
    *,
    keys: Sequence[str] = ("d_loss", "g_loss"),
    ax: Axes | Sequence[Axes] | None = None,
    d_outputs: bool | None = None,
    smooth: int = 1,
    title: str | None = None,
) -> Figure:
    """Plot logged training curves against the step; returns the Figure.

    history: a History (anything with a ``.log`` dict) or the dict itself, with lists
    under keys such as "step", "d_loss", "g_loss", "d_real", "d_fake" (missing keys are
    skipped). d_outputs: add a second panel with D(x) and D(G(z)) (mean σ(logit) on
    real and fake batches); by default it is added when they are logged and ``ax`` is
    not a single Axes. Pass ``ax`` as one Axes (losses only) or two (losses, outputs).
    smooth: window of a moving average drawn over the raw (faint) curves; 1 = raw only.
    """
    log = getattr(history, "log", history)
    if not isinstance(log, Mapping):
        kind = type(history).__name__
        raise TypeError(f"history must be a History (with a .log dict) or a dict of lists; got {kind}")
    checks.integer(smooth, "smooth", low=1, what="a positive int (moving-average window)")
    has_outputs = _series(log, "d_real") is not None or _series(log, "d_fake") is not None
    single_ax = isinstance(ax, Axes)
    if d_outputs is None:
        d_outputs = has_outputs and not single_ax
    if d_outputs and single_ax:
        raise ValueError("d_outputs=True needs two panels: pass ax=(loss_ax, outputs_ax) or leave ax=None")

    if ax is None:
        n = 2 if d_outputs else 1
        size = (PANEL_SIZE[0] * n + 0.3, PANEL_SIZE[1] - 0.4)
        fig, axes = plt.subplots(1, n, figsize=size, layout="constrained", squeeze=False)
        axes = list(axes.flat)
    else:
        axes = [ax] if single_ax else list(ax)
        if len(axes) < (2 if d_outputs else 1):
            raise ValueError(f"ax must hold {2 if d_outputs else 1} Axes; got {len(axes)}")
        fig = axes[0].figure

    loss_ax = axes[0]
    if _plot_keys(loss_ax, log, keys, smooth) == 0:
        note = f"nothing logged under {list(keys)}"
        loss_ax.text(0.5, 0.5, note, transform=loss_ax.transAxes, ha="center", color="#777777")
    else:
        loss_ax.legend(loc="best")
    loss_ax.set(xlabel="step", ylabel="loss", title=title if (title and not d_outputs) else "Losses")

    if d_outputs:
        out_ax = axes[1]
        _plot_keys(out_ax, log, ("d_real", "d_fake"), smooth)
        out_ax.axhline(0.5, color="#888888", linestyle=":", linewidth=1.0, label="½: D cannot tell")
        out_ax.set_ylim(-0.02, 1.02)
        out_ax.set(xlabel="step", ylabel="mean D output", title="D(x) and D(G(z))")
        out_ax.legend(loc="best")
        if ax is None or title is not None:
            fig.suptitle(title or "Training curves")
    return fig


# ---------------------------------------------------------------------------------------
# animations
# ---------------------------------------------------------------------------------------


@_styled
def animate_2d(
    snapshots: Any,
    real: Any = None,
    *,
    centers: Any = None,
    lim: float | None = None,
    interval: int = 200,
    title: str | None = None,
) -> FuncAnimation:
    """An animation of 2-D snapshots (step, samples (N, 2)) over the real data.

    Show it with ``animation_html(animate_2d(...))`` in the same cell. One frame per
    snapshot, ``interval`` milliseconds apart; the view is fixed (see :func:`samples_2d`).
    """
    checks.positive_int(interval, "interval")
    snaps = _unpack_snapshots(snapshots)
    pts = [_points(x, f"snapshots[{i}] samples") for i, (_, x) in enumerate(snaps)]
    r = None if real is None else _points(real, "real")
    c = None if centers is None else _points(centers, "centers")
    box = _view_box([r, c] if (r is not None or c is not None) else pts, lim)
    name = title or "Generated samples"

    fig, ax = plt.subplots(figsize=(PANEL_SIZE[1] + 0.3, PANEL_SIZE[1]), layout="constrained")
    _draw_real_and_centers(ax, r, c)
    first = pts[0]
    fake = ax.scatter(
        first[:, 0], first[:, 1], s=7, color=FAKE_COLOR, alpha=0.75, linewidths=0, label="generated", zorder=2
    )
    note = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=7.5, color="#555555", zorder=4)
    _finish_2d(ax, box, name, True)

    def draw(k: int):
        fake.set_offsets(pts[k])
        note.set_text(_outside_note(_outside(pts[k], box), len(pts[k])))
        ax.set_title(f"{name}, step {snaps[k][0]}")
        return fake, note

    draw(0)
    return FuncAnimation(fig, draw, frames=len(snaps), interval=interval, blit=False, repeat=True)


@_styled
def animate_grid(
    snapshots: Any,
    *,
    nrow: int = 8,
    max_images: int = 64,
    interval: int = 300,
    title: str | None = None,
) -> FuncAnimation:
    """An animation of image snapshots (step, images (N, C, H, W) in [-1, 1]).

    Shows the first ``max_images`` images of each snapshot, ``nrow`` a row. Show it with
    ``animation_html(animate_grid(...))`` in the same cell.
    """
    checks.positive_int(nrow, "nrow")
    checks.positive_int(max_images, "max_images")
    checks.positive_int(interval, "interval")
    snaps = _unpack_snapshots(snapshots)
    grids = [_grid_array(x[:max_images], nrow) for _, x in snaps]
    name = title or "Samples from fixed noise"
    shape = tuple(snaps[0][1].shape[1:])
    n = min(max_images, len(snaps[0][1]))

    width = 4.2
    fig, ax = plt.subplots(figsize=(width, width * grids[0].shape[0] / grids[0].shape[1] + 0.6), layout="constrained")
    if grids[0].ndim == 2:
        image = ax.imshow(grids[0], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        image = ax.imshow(grids[0], interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(f"{n} images of shape {'×'.join(map(str, shape))}; black = −1, white = +1", fontsize=8.5)

    def draw(k: int):
        image.set_data(grids[k])
        ax.set_title(f"{name}, step {snaps[k][0]}")
        return (image,)

    draw(0)
    return FuncAnimation(fig, draw, frames=len(snaps), interval=interval, blit=False, repeat=True)


# matplotlib's to_jshtml starts with a <link rel="stylesheet"> to Font Awesome 4.4.0's CSS
# on the Bootstrap CDN (host name left out here: the book's source pages must not name it)
# for the icons of its buttons (<i class="fa fa-play"> ...). Offline that link fails, and the
# book must not load anything from outside, so we remove every <link> to an outside address.
# What we checked (matplotlib 3.11, pydata-sphinx-theme 0.17.1 under sphinx-book-theme 1.3):
# that <link> is the only outside reference in the player (matplotlib/_animation_data.py),
# the frames are embedded as data: URIs; the theme loads Font Awesome Free 6.5.2 on every
# page as _static/scripts/fontawesome.js (SVG + JS, observeMutations on), whose icon set
# holds all nine names the player uses (minus, fast-backward, step-backward, play, pause,
# step-forward, fast-forward, plus as v4 aliases, and fa-flip-horizontal), and turns each
# <i class="fa fa-..."> into an <svg>; so in the book the buttons keep their icons. We
# loaded that script and this player in headless Chromium: all nine buttons became SVG
# icons. In Jupyter or Colab, where no Font Awesome may be loaded, the CSS below draws a
# plain Unicode symbol in an <i> that is still empty (also checked in Chromium); where
# the theme's script has replaced it by an <svg>, the rules match nothing.
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>\s*", re.IGNORECASE)
_ICON_FALLBACK_CSS = """<style>
.ganlib-animation i.fa:empty { font-style: normal; transform: none; }
.ganlib-animation i.fa:empty::before { font-family: system-ui, "DejaVu Sans", sans-serif; font-weight: bold; }
.ganlib-animation i.fa-minus:empty::before { content: "\\2212"; }
.ganlib-animation i.fa-fast-backward:empty::before { content: "\\21E4"; }
.ganlib-animation i.fa-step-backward:empty::before { content: "\\2039"; }
.ganlib-animation i.fa-play.fa-flip-horizontal:empty::before { content: "\\25C0\\FE0E"; }
.ganlib-animation i.fa-pause:empty::before { content: "\\2016"; }
.ganlib-animation i.fa-play:not(.fa-flip-horizontal):empty::before { content: "\\25B6\\FE0E"; }
.ganlib-animation i.fa-step-forward:empty::before { content: "\\203A"; }
.ganlib-animation i.fa-fast-forward:empty::before { content: "\\21E5"; }
.ganlib-animation i.fa-plus:empty::before { content: "+"; }
</style>
"""


def animation_html(anim: FuncAnimation):
    """The animation as a self-contained HTML player: ``IPython.display.HTML``.

    The frames are embedded (PNG data URIs) and nothing is loaded from the internet, so
    the player works in the static HTML book, in Jupyter and in Colab. The animation's
    figure is closed, so the notebook does not show its first frame a second time.
    """
    from IPython.display import HTML

    if not isinstance(anim, mpl.animation.Animation):
        kind = type(anim).__name__
        raise TypeError(f"anim must be a matplotlib Animation (from animate_2d or animate_grid); got {kind}")
    html = _EXTERNAL_LINK.sub("", anim.to_jshtml())
    plt.close(anim._fig)  # matplotlib keeps the figure of an Animation in `_fig`
    return HTML(f'<div class="ganlib-animation">\n{_ICON_FALLBACK_CSS}{html}</div>')


def html_table(rows: Mapping[str, Mapping[str, Any]], *, corner: str = "", digits: int = 3):
    """A small HTML table of results: ``{row name: {column name: value}}``, floats to ``digits`` places.

    Every row must have the columns of the first, in any order. Values are escaped; ints
    and strings are shown as they are. Returns an ``IPython.display.HTML`` object (a
    notebook shows it as a table; ``.data`` is the HTML text).
    """
    import html

    from IPython.display import HTML

    if not isinstance(rows, Mapping) or not rows:
        raise TypeError(f"rows must be a non-empty mapping {{row: {{column: value}}}}; got {type(rows).__name__}")
    digits = checks.nonnegative_int(digits, "digits")
    first = next(iter(rows.values()))
    if not isinstance(first, Mapping) or not first:
        raise TypeError("rows must map each row name to a non-empty mapping {column: value}")
    cols = list(first)
    for name, row in rows.items():
        if not isinstance(row, Mapping) or set(row) != set(cols):
            raise ValueError(f"rows[{name!r}] must have the columns {cols}; got {list(row) if isinstance(row, Mapping) else row!r}")

    def cell(v: Any) -> str:
        return f"{v:.{digits}f}" if isinstance(v, float) else html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [corner, *cols])
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(str(r))}</th>"
                   + "".join(f"<td>{cell(v[c])}</td>" for c in cols) + "</tr>" for r, v in rows.items())
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
