"""Controls over live experiments, with a static rendering for the HTML book.

Each chapter has a *Try it* section: a slider or a drop-down over an experiment.
In Jupyter or Colab, :func:`interactive` shows ipywidgets controls and re-runs the
experiment when one moves. The published book is static HTML with no kernel behind
it, so there (the book build sets ``GANLIB_STATIC_WIDGETS=1``) the experiment runs
once, with every control at its default, and a caption under the result names the
controls a reader gets in Jupyter or Colab::

    def show(dataset="ring", lr=1e-3):
        ...  # train briefly, then draw

    ganlib.widgets.interactive(show, dataset=["ring", "grid"], lr=(1e-4, 1e-2, 1e-4))

Controls are ipywidgets widgets or the abbreviations of ``ipywidgets.interact``: a
list is a drop-down (the first item is the default), a tuple ``(min, max[, step])`` a
slider (default: the middle, or the function's default for that argument), a bool a
check box, a string a text box.
"""

from __future__ import annotations

import html
import inspect
import os
from collections.abc import Callable
from typing import Any

from . import checks

STATIC_ENV = "GANLIB_STATIC_WIDGETS"


def static_mode() -> bool:
    """True in the book build (``GANLIB_STATIC_WIDGETS=1``) or outside a widget-capable kernel.

    A kernel is widget-capable when IPython runs inside a Jupyter kernel (JupyterLab,
    Colab, VS Code, nbclient) and ipywidgets imports. In a plain Python process or an
    IPython terminal the controls could not be shown, so the static rendering is used.
    """
    if os.environ.get(STATIC_ENV, "").strip().lower() in {"1", "true", "yes"}:
        return True
    try:
        from IPython import get_ipython

        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    shell = get_ipython()
    return shell is None or getattr(shell, "kernel", None) is None


def interactive(fn: Callable[..., Any], *, manual: bool = False, **controls: Any) -> None:
    """Run ``fn`` under controls: live ipywidgets in Jupyter/Colab, a static rendering in the book.

    controls: one per argument of ``fn``, an ipywidgets widget or an ``interact``
    abbreviation (see the module docstring). manual: add a "Run" button and run only
    when it is pressed, for experiments that take more than a moment.
    In static mode ``fn`` is called once with each control's default value; what it
    draws, prints or returns is shown, and under it a caption lists the controls.
    """
    checks.function(fn, "fn", "a function to run under the controls")
    checks.boolean(manual, "manual")
    params = inspect.signature(fn).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        unknown = [name for name in controls if name not in params]
        if unknown:
            raise ValueError(f"controls must name arguments of fn; fn has no argument {', '.join(map(repr, unknown))}")
    _check_controls(controls)
    if not static_mode():
        try:
            _show_live(fn, manual, controls)
            return
        except Exception as e:  # a front end without widget support: fall back, never fail
            print(f"(interactive controls unavailable: {type(e).__name__}: {e}; showing the default setting)")
    _show_static(fn, controls)


def _check_controls(controls: dict[str, Any]) -> None:
    """Build each control once, so that a bad one is named (ipywidgets' own message does not say which)."""
    try:
        import ipywidgets
    except ImportError:  # no widgets at all: the static rendering reads only the defaults
        return
    import inspect as _inspect

    for name, abbrev in controls.items():
        try:
            widget = ipywidgets.interactive.widget_from_abbrev(abbrev, _inspect.Parameter.empty)
        except (ValueError, TypeError) as error:
            raise ValueError(f"the control for {name} is not a widget or an interact abbreviation "
                             f"(a (min, max[, step]) tuple, a list of options, a value): {error}") from None
        if widget is None:
            raise ValueError(f"the control for {name} is not a widget or an interact abbreviation; got {abbrev!r}")
        if widget is not abbrev and hasattr(widget, "close"):  # built here, not the reader's own widget
            widget.close()


def _show_live(fn: Callable[..., Any], manual: bool, controls: dict[str, Any]) -> None:
    import ipywidgets
    from IPython.display import display

    options = {"manual": manual, "manual_name": "Run", "auto_display": True}
    display(ipywidgets.interactive(fn, options, **controls))


def _show_static(fn: Callable[..., Any], controls: dict[str, Any]) -> None:
    from IPython.display import display

    values, descriptions = _defaults(fn, controls)
    result = fn(**values)
    _flush_inline_figures()  # the figure goes above the caption, as in the live version
    if result is not None:
        display(result)
    display(Caption(descriptions, values))


def _defaults(fn: Callable[..., Any], controls: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Each control's default value and a short description ("lr ∈ [0.0001, 0.01]").

    ipywidgets builds the widgets exactly as ``interact`` would (without calling ``fn``),
    so the static rendering uses the same defaults as the live one.
    """
    import ipywidgets

    built = ipywidgets.interactive(fn, {"manual": True}, **controls)
    values, descriptions = {}, []
    for widget in built.kwargs_widgets:
        name = widget._kwarg  # the argument of fn; set by ipywidgets for every control
        values[name] = widget.get_interact_value()
        if not isinstance(widget, ipywidgets.fixed):  # fixed values are not controls
            descriptions.append((name, _label(widget, name), _describe(widget, name)))
    built.close()
    return values, descriptions


def _label(widget: Any, name: str) -> str:
    return (getattr(widget, "description", "") or name).rstrip(": ")


def _describe(widget: Any, name: str) -> str:
    label = _label(widget, name)
    labels = getattr(widget, "_options_labels", None)  # drop-downs, radio buttons, toggles
    if labels is not None:
        return f"{label} ∈ {{{', '.join(map(str, labels))}}}"
    if hasattr(widget, "min") and hasattr(widget, "max"):  # sliders and bounded boxes
        return f"{label} ∈ [{_fmt(widget.min)}, {_fmt(widget.max)}]"
    if isinstance(getattr(widget, "value", None), bool):
        return f"{label} (on/off)"
    return label


def _fmt(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _show(value: Any) -> str:
    return _fmt(value) if isinstance(value, float) else repr(value) if isinstance(value, str) else str(value)


def _flush_inline_figures() -> None:
    """Show pending matplotlib figures now (only with Jupyter's inline backend)."""
    from ipywidgets.widgets.interaction import show_inline_matplotlib_plots

    show_inline_matplotlib_plots()


class Caption:
    """The caption under a static rendering: which controls are live in Jupyter or Colab."""

    def __init__(self, controls: list[tuple[str, str, str]], values: dict[str, Any]):
        if not isinstance(controls, (list, tuple)) or not all(isinstance(c, tuple) and len(c) == 3 for c in controls):
            raise TypeError(f"controls must be a list of (name, label, description) tuples; got {controls!r:.60}")
        if not isinstance(values, dict):
            raise TypeError(f"values must be a dict from argument name to value; got {type(values).__name__}")
        missing = [name for name, _, _ in controls if name not in values]
        if missing:
            raise ValueError(f"values must hold a value for every control; missing {', '.join(map(repr, missing))}")
        self.controls = controls  # (argument name, label, description) per control
        self.values = values  # argument name -> the value used

    def text(self) -> str:
        if not self.controls:
            return "Interactive in Jupyter or Colab."
        controls = ", ".join(d for _, _, d in self.controls)
        shown = ", ".join(f"{label} = {_show(self.values[name])}" for name, label, _ in self.controls)
        return f"Interactive in Jupyter or Colab: {controls}. Shown here with {shown}."

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        style = "font-style: italic; font-size: 0.9em; opacity: 0.8;"
        return f'<p class="ganlib-widget-caption" style="{style}">{html.escape(self.text())}</p>'
