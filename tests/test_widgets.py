"""ganlib.widgets: live controls in a kernel, one call with the defaults plus a caption in the book."""

import IPython
import IPython.display
import ipywidgets
import pytest

from ganlib import widgets


@pytest.fixture
def shown(monkeypatch):
    """Everything passed to IPython's display(), in order."""
    out = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: out.extend(objs))
    return out


class FakeKernelShell:
    kernel = object()


def test_static_mode_from_the_environment_and_the_kernel(monkeypatch):
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell())
    assert widgets.static_mode()  # the book build forces it, even in a kernel
    monkeypatch.delenv(widgets.STATIC_ENV)
    assert not widgets.static_mode()  # a kernel with ipywidgets: live
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert widgets.static_mode()  # plain Python: no place for a widget


def test_static_rendering_calls_fn_once_with_defaults_and_captions_it(monkeypatch, shown):
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    calls = []

    def experiment(dataset, lr, steps=100, noisy=False, width=3):
        calls.append(dict(dataset=dataset, lr=lr, steps=steps, noisy=noisy, width=width))
        return f"trained on {dataset}"

    widgets.interactive(
        experiment,
        dataset=ipywidgets.Dropdown(options=["ring", "grid"], description="data set"),
        lr=(0.001, 0.011),  # no default in fn: the middle of the slider
        steps=(10, 1000, 10),  # fn's default wins, as in ipywidgets.interact
        noisy=False,
        width=ipywidgets.fixed(7),
    )
    assert calls == [dict(dataset="ring", lr=pytest.approx(0.006), steps=100, noisy=False, width=7)]
    result, caption = shown  # the result first, the caption under it
    assert result == "trained on ring"
    text = caption.text()
    assert text.startswith("Interactive in Jupyter or Colab: ")
    assert "data set ∈ {ring, grid}" in text and "lr ∈ [0.001, 0.011]" in text and "steps ∈ [10, 1000]" in text
    assert "width" not in text  # fixed values are not controls
    html = caption._repr_html_()
    assert "italic" in html and "data set ∈ {ring, grid}" in html


def test_static_manual_still_renders_and_none_is_not_displayed(monkeypatch, shown):
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    calls = []
    widgets.interactive(lambda k=2: calls.append(k), manual=True, k=[5, 6])
    assert calls == [5]
    (caption,) = shown  # fn returned None: only the caption
    assert "k ∈ {5, 6}" in caption.text()


def test_live_mode_shows_ipywidgets_and_run_button(monkeypatch, shown):
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    monkeypatch.setattr(widgets, "static_mode", lambda: False)
    calls = []
    widgets.interactive(lambda lr=0.1: calls.append(lr), lr=(0.0, 1.0))
    (ui,) = shown
    assert isinstance(ui, ipywidgets.interactive) and calls == [0.1]  # interact runs fn once
    widgets.interactive(lambda lr=0.1: calls.append(lr), manual=True, lr=(0.0, 1.0))
    ui = shown[-1]
    buttons = [c for c in ui.children if isinstance(c, ipywidgets.Button)]
    assert [b.description for b in buttons] == ["Run"] and calls == [0.1]  # waits for the button
    buttons[0].click()
    assert calls == [0.1, 0.1]
