"""Checkers for the reader's exercises and quizzes with immediate feedback.

An exercise asks the reader to write a function; :func:`check` runs it on a few
:class:`Case` objects and says, in plain words, what is wrong with the first case that
fails: the arguments, what was expected, what came back, and a hint when the shape
is off. It never raises, so a notebook executed from top to bottom keeps going even
when an exercise is still ``raise NotImplementedError``::

    check(my_js, [Case((p, q), 0.2158, note="two coins")], name="js")

:func:`quiz` shows a multiple-choice question as a self-contained HTML block (radio
buttons, a Check button, inline JavaScript only) that works in the static book, in
JupyterLab and in Colab; without JavaScript the answer is still under "Show the answer".
"""

from __future__ import annotations

import copy
import html
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

GREEN, RED, RESET = "\033[32m", "\033[31m", "\033[0m"


NOT_WRITTEN = "not written yet: replace the `raise NotImplementedError` with your code."


class Mistake(Exception):
    """Raised by a checker's adapter to report what is wrong in plain words.

    :func:`check` prints its message as the case's problem ("the conv has a bias ..."),
    without the "raised ..." prefix it gives the reader's own exceptions.
    """


@dataclass(frozen=True)
class Case:
    """One test case: the arguments to call with and the value expected back.

    args: a tuple of positional arguments, or a dict of keyword arguments; any other
    value is passed as the single positional argument. expected: a number, array,
    tensor, or a tuple/list of them (for functions that return several values).
    note: what the case is about, shown when it fails ("equal distributions").
    """

    args: Any
    expected: Any
    note: str = field(default="")

    def call(self, fn: Callable[..., Any]) -> Any:
        args = _private_copy(self.args)  # the reader's function may change its inputs in place
        if isinstance(args, dict):
            return fn(**args)
        if isinstance(args, tuple):
            return fn(*args)
        return fn(args)


def check(
    fn: Callable[..., Any],
    cases: Sequence[Case],
    *,
    name: str | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> bool:
    """Run ``fn`` on each case, print a report, return True when all pass.

    Numbers, NumPy arrays and torch tensors are compared by shape first, then by value,
    within ``|got - expected| <= atol + rtol * |expected|``. The report names the first
    failing case. Exceptions raised by ``fn`` are reported, never re-raised.
    """
    name = name or getattr(fn, "__name__", "your function")
    try:
        cases = list(cases)
        for i, case in enumerate(cases, start=1):
            if not isinstance(case, Case):
                return _fail(name, f"checker problem: case {i} is a {type(case).__name__}, not a Case")
            try:
                got = case.call(fn)
            except NotImplementedError:
                return _fail(name, NOT_WRITTEN)
            except Mistake as e:  # an adapter says what is wrong
                return _fail(name, _case_report(i, len(cases), case, str(e), None))
            except Exception as e:  # the reader's bug: report it, do not raise
                return _fail(name, _case_report(i, len(cases), case, f"raised {type(e).__name__}: {e}", None))
            problem, hint = _compare(got, case.expected, atol=atol, rtol=rtol)
            if problem:
                return _fail(name, _case_report(i, len(cases), case, problem, hint, got=got))
        print(f"{GREEN}✓ {name}: all {len(cases)} cases pass{RESET}")
        return True
    except Exception as e:  # a problem in the checker itself must not stop the notebook
        return _fail(name, f"the checker itself failed ({type(e).__name__}: {e}); please report this")


# ---------------------------------------------------------------------------------------
# comparing values
# ---------------------------------------------------------------------------------------


def _is_numeric(x: Any) -> bool:
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return True
    if isinstance(x, torch.Tensor):
        return not x.is_complex()
    return isinstance(x, np.ndarray) and (np.issubdtype(x.dtype, np.number) or x.dtype == bool)


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu").double().numpy() if x.dtype != torch.bool else x.cpu().numpy()
    return np.asarray(x)


def _compare(got: Any, expected: Any, *, atol: float, rtol: float) -> tuple[str | None, str | None]:
    """(problem, hint) describing why ``got`` is not ``expected``; (None, None) if it matches."""
    if got is None and expected is not None:
        return "returned None", "did you forget the `return` statement?"
    if isinstance(expected, tuple):  # several return values: compare one by one
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = f"a {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
            hint = "return the values separated by commas: `return a, b`"
            return f"expected {len(expected)} values (a tuple), got {kind}", hint
        for k, (g, e) in enumerate(zip(got, expected)):
            problem, hint = _compare(g, e, atol=atol, rtol=rtol)
            if problem:
                return f"value {k + 1} of {len(expected)}: {problem}", hint
        return None, None
    if isinstance(expected, list):  # a list of numbers stands for an array
        expected = np.asarray(expected)
    if not _is_numeric(expected):
        return (None, None) if got == expected else ("wrong value", None)
    if not (_is_numeric(got) or isinstance(got, (list, tuple))):
        return f"expected a number or a tensor, got a {type(got).__name__}", None
    g, e = _as_array(got), _as_array(expected)
    if g.shape != e.shape:
        return f"shape {tuple(g.shape)} but expected shape {tuple(e.shape)}", _shape_hint(g.shape, e.shape)
    if g.dtype == object or not (np.issubdtype(g.dtype, np.number) or g.dtype == bool):
        return f"expected numbers, got values of type {g.dtype}", None
    g, e = g.astype(np.float64), e.astype(np.float64)
    close = np.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True)
    if close.all():
        return None, None
    if e.ndim == 0:
        hint = "got NaN: look for log(0), 0/0 or inf - inf" if np.isnan(g) else None
        return f"value differs by {abs(float(g) - float(e)):.3g}", hint
    bad = np.argwhere(~close)
    where = tuple(int(i) for i in bad[0])
    new_nan = np.isnan(g).any() and not np.isnan(e).any()
    hint = "some entries are NaN: look for log(0), 0/0 or inf - inf" if new_nan else None
    return (
        f"{len(bad)} of {e.size} entries differ; first at index {where}: got {g[where]:.6g}, expected {e[where]:.6g}",
        hint,
    )


def _shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(expected) == 0:
        return "expected a single number: did you forget to reduce, e.g. with .mean() or .sum()?"
    if len(got) == 0:
        return "expected one value per entry, got a single number: is something reduced too early (.mean(), .sum())?"
    if int(np.prod(got)) == int(np.prod(expected)):
        if tuple(reversed(got)) == tuple(expected):
            return "the axes look swapped: transpose (.T) or take the other axis?"
        return "same number of entries in another shape: check .reshape / .squeeze / .unsqueeze, or keepdim"
    if len(got) == len(expected) + 1 and 1 in got:
        return "one axis too many: .squeeze() it, or reduce without keepdim=True?"
    if len(got) + 1 == len(expected):
        return "one axis missing: was a sum or mean taken over the wrong axis (dim=...)?"
    return "check which axis each sum or mean runs over (dim=... / axis=...)"


# ---------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------


def _fmt(x: Any, width: int = 200) -> str:
    """A short readable form of an argument or a result."""
    if isinstance(x, torch.Tensor):
        body = np.array2string(x.detach().cpu().numpy(), precision=4, threshold=12, edgeitems=3, separator=", ")
        text = f"tensor({body}) shape {tuple(x.shape)}" if x.dim() > 0 else f"tensor({x.item():.6g})"
    elif isinstance(x, np.ndarray):
        body = np.array2string(x, precision=4, threshold=12, edgeitems=3, separator=", ")
        text = f"array({body}) shape {x.shape}" if x.ndim > 0 else f"array({x.item():.6g})"
    elif isinstance(x, float):
        text = f"{x:.6g}"
    elif isinstance(x, (tuple, list)):
        inner = ", ".join(_fmt(v, width) for v in x)
        text = f"({inner}{',' if len(x) == 1 else ''})" if isinstance(x, tuple) else f"[{inner}]"
    elif isinstance(x, dict):
        text = "{" + ", ".join(f"{k!r}: {_fmt(v, width)}" for k, v in x.items()) + "}"
    elif callable(x):
        text = getattr(x, "__name__", type(x).__name__)
    else:
        text = repr(x)
    text = " ".join(text.split())  # one line
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt_args(args: Any) -> str:
    if isinstance(args, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in args.items())
    if isinstance(args, tuple):
        return ", ".join(_fmt(v) for v in args)
    return _fmt(args)


def _case_report(i: int, n: int, case: Case, problem: str, hint: str | None, *, got: Any = None) -> str:
    lines = [f"case {i} of {n} fails" + (f" ({case.note})" if case.note else "") + ":"]
    lines.append(f"    arguments: {_fmt_args(case.args)}")
    lines.append(f"    expected:  {_fmt(case.expected)}")
    if got is not None or problem == "returned None":
        lines.append(f"    got:       {_fmt(got)}")
    lines.append(f"    problem:   {problem}")
    if hint:
        lines.append(f"    hint:      {hint}")
    if i > 1:
        lines.append(f"    (cases 1 to {i - 1} pass)" if i > 2 else "    (case 1 passes)")
    return "\n".join(lines)


def _fail(name: str, message: str) -> bool:
    print(f"{RED}✗ {name}: {message}{RESET}")
    return False


def _private_copy(args: Any) -> Any:
    try:
        return copy.deepcopy(args)
    except Exception:  # e.g. a generator or a module holding a lock: pass the original
        return args


# ---------------------------------------------------------------------------------------
# quizzes
# ---------------------------------------------------------------------------------------

_used_ids: set[str] = set()


def _quiz_id(key: str | None) -> str:
    """A unique element id: from ``key`` (stable across runs) or random."""
    if key is None:
        return "ganlib-quiz-" + uuid.uuid4().hex[:10]
    base = "ganlib-quiz-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-") or "q")
    qid, k = base, 1
    while qid in _used_ids:  # the same key twice in one kernel still gets distinct ids
        k += 1
        qid = f"{base}-{k}"
    _used_ids.add(qid)
    return qid


def _inline(text: str) -> str:
    """Escape HTML, then render `code` spans; TeX like \\(x\\) passes through for MathJax."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


# The Check button's handler: finds its own quiz through the DOM (no global names, no
# ids needed at run time), so it works in the book, in JupyterLab (trusted output) and
# in Colab (each output in its own frame).
_CHECK_JS = (
    "var q=this.closest('.ganlib-quiz');"
    "var c=q.querySelector('input[type=radio]:checked');"
    "var f=q.querySelector('.ganlib-quiz-feedback');"
    "var e=q.querySelector('.ganlib-quiz-explanation');"
    "if(!c){f.textContent='Pick an answer first.';f.style.color='';return;}"
    "var ok=c.getAttribute('data-correct')==='true';"
    "f.textContent=ok?'\\u2713 Correct.':'\\u2717 Not quite, try again.';"
    "f.style.color=ok?'#1a7f37':'#c0392b';"
    "e.hidden=!ok;"
)


_BOX_STYLE = (
    "border: 1px solid #b8c4d0; border-left: 4px solid #0072b2; border-radius: 4px; padding: 0.6em 1em; margin: 1em 0;"
)
_LABEL_STYLE = "display: block; margin: 0.2em 0; cursor: pointer;"
_BUTTON_STYLE = "padding: 0.15em 0.9em; cursor: pointer;"
_FEEDBACK_STYLE = "margin-left: 0.8em; font-weight: bold;"


def quiz_html(
    question: str, options: Sequence[str], answer: int | str, explanation: str, *, key: str | None = None
) -> str:
    """The HTML of a quiz (see :func:`quiz`): a string, self-contained, with inline JS only."""
    options = [str(o) for o in options]
    if len(options) < 2:
        raise ValueError(f"options must hold at least two choices; got {len(options)}")
    if isinstance(answer, str):
        if answer not in options:
            raise ValueError(f"answer {answer!r} is not one of the options {options}")
        answer = options.index(answer)
    if not (isinstance(answer, int) and 0 <= answer < len(options)):
        raise ValueError(f"answer must be an option's index 0..{len(options) - 1} or its text; got {answer!r}")
    qid = _quiz_id(key)
    choices = "\n".join(
        f'    <label for="{qid}-opt{i}" style="{_LABEL_STYLE}">'
        f'<input type="radio" name="{qid}-choice" id="{qid}-opt{i}" value="{i}"'
        f' data-correct="{str(i == answer).lower()}"> {_inline(opt)}</label>'
        for i, opt in enumerate(options)
    )
    right, why = _inline(options[answer].rstrip(".")), _inline(explanation)
    return f"""<div class="ganlib-quiz" id="{qid}" style="{_BOX_STYLE}">
  <p style="margin: 0 0 0.4em 0;"><strong>Quiz.</strong> {_inline(question)}</p>
  <form id="{qid}-form" onsubmit="return false;" style="margin: 0 0 0.5em 0;">
{choices}
  </form>
  <button type="button" id="{qid}-check" onclick="{html.escape(_CHECK_JS)}" style="{_BUTTON_STYLE}">Check</button>
  <span class="ganlib-quiz-feedback" id="{qid}-feedback" role="status" aria-live="polite"
        style="{_FEEDBACK_STYLE}"></span>
  <div class="ganlib-quiz-explanation" id="{qid}-explanation" hidden style="margin-top: 0.5em;">{why}</div>
  <noscript><p style="margin: 0.5em 0 0 0;"><em>JavaScript is off: open “Show the answer” below.</em></p></noscript>
  <details style="margin-top: 0.5em;"><summary style="cursor: pointer;">Show the answer</summary>
    <p style="margin: 0.3em 0 0 0;"><strong>Answer:</strong> {right}. {why}</p>
  </details>
</div>"""


def quiz(
    question: str, options: Sequence[str], answer: int | str, explanation: str, *, key: str | None = None
) -> None:
    """Show a multiple-choice question with immediate feedback.

    answer: the index of the right option (from 0) or its text. explanation: shown once
    the reader picks the right option, and under "Show the answer" (which also serves
    readers without JavaScript, or in a notebook whose outputs are not trusted).
    key: a name for the quiz, which makes its element ids stable across runs.
    Text may hold `code` spans; it is otherwise shown as plain text.
    """
    from IPython.display import HTML, display

    display(HTML(quiz_html(question, options, answer, explanation, key=key)))
