"""ganlib.exercises: check() judges fairly and explains; quiz() is self-contained HTML."""

import re

import IPython.display
import numpy as np
import pytest
import torch

from ganlib.exercises import Case, check, quiz, quiz_html

P = torch.tensor([0.5, 0.5])
Q = torch.tensor([0.9, 0.1])


def kl(p, q):
    return (p * (p / q).log()).sum()


KL_CASES = [
    Case((P, P), 0.0, note="equal distributions"),
    Case((P, Q), 0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(0.5 / 0.1), note="two coins"),
]


def test_correct_function_passes(capsys):
    assert check(kl, KL_CASES, name="kl") is True
    assert "✓ kl: all 2 cases pass" in capsys.readouterr().out


def test_wrong_value_fails_and_names_the_case(capsys):
    assert check(lambda p, q: (q * (q / p).log()).sum(), KL_CASES, name="kl") is False  # reverse KL
    out = capsys.readouterr().out
    assert "case 2 of 2" in out and "two coins" in out and "(case 1 passes)" in out
    assert "expected:  0.510826" in out and "got:" in out and "arguments: tensor([0.5, 0.5])" in out


def test_shape_mismatch_is_reported_with_a_hint(capsys):
    assert check(lambda p, q: p * (p / q).log(), KL_CASES, name="kl") is False  # forgot the sum
    out = capsys.readouterr().out
    assert "shape (2,) but expected shape ()" in out and ".sum()" in out


def test_exceptions_are_caught_never_raised(capsys):
    def todo(p, q):
        raise NotImplementedError

    assert check(todo, KL_CASES) is False
    assert "not written yet: replace the `raise NotImplementedError`" in capsys.readouterr().out
    assert check(lambda p, q: p @ torch.ones(3), KL_CASES, name="matmul") is False
    out = capsys.readouterr().out
    assert "RuntimeError" in out and "case 1 of 2" in out
    assert check(lambda p, q: None, KL_CASES) is False
    assert "return" in capsys.readouterr().out
    assert check(kl, [("not", "a case")]) is False  # a broken case list: reported, not raised
    assert check(kl, None) is False


@pytest.mark.parametrize(
    "expected, good, bad",
    [
        (2.5, torch.tensor(2.5), torch.tensor(2.6)),  # tensor vs float
        (torch.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]), np.array([1.0, 2.1])),  # array vs tensor
        (np.array([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 5]])),  # ints
        (3.0, 3.0 + 1e-7, 3.001),  # floats
        ((1.0, torch.ones(2)), (1.0, torch.ones(2)), (1.0, torch.zeros(2))),  # several return values
    ],
)
def test_numbers_arrays_and_tensors_compare_both_ways(expected, good, bad, capsys):
    assert check(lambda: good, [Case((), expected)]) is True
    assert check(lambda: bad, [Case((), expected)]) is False


def test_tolerances_and_kwargs():
    def halve(*, x):
        return x / 2

    cases = [Case({"x": torch.tensor([2.0, 4.0])}, [1.0, 2.0 + 1e-3])]
    assert check(halve, cases) is False
    assert check(halve, cases, atol=1e-2) is True


def test_reader_mutating_inputs_does_not_change_later_cases():
    x = torch.ones(3)

    def sneaky(v):
        v.mul_(2)
        return v.sum()

    assert check(sneaky, [Case((x,), 6.0), Case((x,), 6.0)]) is True
    assert torch.equal(x, torch.ones(3))


def ids(html):
    return re.findall(r'\bid="([^"]+)"', html)


def test_quiz_html_ids_unique_no_external_scripts_right_answer_marked():
    a = quiz_html("Which loss saturates?", ["minimax", "non-saturating", "hinge"], 0, "log(1 - D) is flat.")
    b = quiz_html("Which loss saturates?", ["minimax", "non-saturating", "hinge"], "minimax", "Same.", key="sat")
    c = quiz_html("Again", ["x", "y"], 1, "y.", key="sat")  # same key twice: still unique
    all_ids = ids(a) + ids(b) + ids(c)
    assert len(ids(a)) >= 5 and len(all_ids) == len(set(all_ids))
    for html in (a, b, c):
        assert not re.search(r"<script[^>]*\bsrc", html, flags=re.I) and "http" not in html
        assert "onclick=" in html and "<details" in html and "<noscript>" in html
    marked = re.findall(r'<input[^>]*data-correct="true"[^>]*>', a)
    assert len(marked) == 1 and 'value="0"' in marked[0]
    assert len(re.findall(r'<input[^>]*data-correct="true"[^>]*>', c)) == 1 and 'value="1" data-correct="true"' in c
    assert "<strong>Answer:</strong> minimax." in a
    assert "&lt;b&gt;" in quiz_html("<b>bold?</b>", ["a", "b"], 0, "e")  # text is escaped


def test_quiz_rejects_a_bad_answer_and_displays_html(monkeypatch):
    with pytest.raises(ValueError, match="answer"):
        quiz_html("q", ["a", "b"], 2, "e")
    with pytest.raises(ValueError, match="not one of the options"):
        quiz_html("q", ["a", "b"], "c", "e")
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    assert quiz("q", ["a", "b"], 1, "because") is None
    (obj,) = shown
    assert isinstance(obj, IPython.display.HTML) and "ganlib-quiz" in obj.data
