"""Tests derived from the exercise registries: every exercise of every chapter.

For each exercise: its reference solution (and any other right answer) passes; each
known wrong answer fails with the words the registry says it must; the reader's stub,
built from the registry as the notebook shows it, says "not written yet"; answers of the
wrong kind are reported, never raised; and the notebook's cells match the registry.
"""

import json

import pytest

from ganlib.exercises import sync

CHAPTERS = sync.chapters()
EXERCISES = [pytest.param(ch, ex, id=ex.label) for ch in CHAPTERS for ex in ch.exercises]
WRONG = [
    pytest.param(ex, w, id=f"{ex.label}-wrong{k}")
    for ch in CHAPTERS
    for ex in ch.exercises
    for k, w in enumerate(ex.wrong, start=1)
]


def test_twenty_one_exercises_with_unique_keys_and_labels():
    exercises = [ex for ch in CHAPTERS for ex in ch.exercises]
    assert len(exercises) >= 21  # chapters 1-7
    assert len({ex.label for ex in exercises}) == len(exercises)
    for ch in CHAPTERS:
        assert len({ex.key for ex in ch.exercises}) == len(ch.exercises)


@pytest.mark.parametrize("chapter, ex", EXERCISES)
def test_reference_solution_and_other_right_answers_pass(chapter, ex, capsys):
    for fn in (ex.solution, *ex.right):
        assert ex.check(fn) is True, capsys.readouterr().out
        assert "✓" in capsys.readouterr().out
    module = __import__(f"ganlib.exercises.ch{chapter.notebook[:2]}", fromlist=["x"])
    assert getattr(module, f"check_{ex.key}")(ex.solution) is True  # the public name


@pytest.mark.parametrize("chapter, ex", EXERCISES)
def test_every_exercise_has_known_wrong_answers(chapter, ex):
    assert len(ex.wrong) >= 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN or overflow of a wrong answer
@pytest.mark.parametrize("ex, wrong", WRONG)
def test_wrong_answer_fails_with_a_useful_message(ex, wrong, capsys):
    assert ex.check(wrong.fn) is False
    out = capsys.readouterr().out
    assert "✗" in out and wrong.says in out, out


@pytest.mark.parametrize("chapter, ex", EXERCISES)
def test_the_notebook_stub_says_not_written_yet(chapter, ex, capsys):
    (_, stub, _), (_, call, tags) = chapter.cells(ex)[1:3]
    namespace = {}
    exec(stub, namespace)  # the stub exactly as the notebook shows it
    assert ex.check(namespace[ex.name]) is False
    out = capsys.readouterr().out
    assert "not written yet" in out and "Traceback" not in out
    assert call.startswith(f"{chapter.call_as}.check_{ex.key}(") and tags == ["remove-output"]


@pytest.mark.parametrize("chapter, ex", EXERCISES)
@pytest.mark.parametrize("garbage", [None, 3, "text", lambda: 1, lambda *a, **k: "text"])
def test_answers_of_the_wrong_kind_are_reported_not_raised(chapter, ex, garbage, capsys):
    assert ex.check(garbage) is False
    assert "✗" in capsys.readouterr().out


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.notebook)
def test_notebook_exercise_cells_match_the_registry(chapter):
    nb = json.loads(sync.notebook_path(chapter).read_text(encoding="utf-8"))
    assert sync.sync(chapter, nb) == [], "run: python -m ganlib.exercises.sync"


@pytest.mark.parametrize("chapter, ex", EXERCISES)
def test_generated_cells_fit_the_page(chapter, ex):
    for kind, source, _ in chapter.cells(ex):
        if kind == "code":
            assert len(source.splitlines()) <= 25
            assert max(len(line) for line in source.splitlines()) <= 79, source


def test_sync_inserts_a_new_exercise_under_the_heading_then_keeps_it():
    chapter = CHAPTERS[0]
    heading = {"cell_type": "markdown", "id": "h", "metadata": {}, "source": ["## Exercises"]}
    nb = {"cells": [heading]}
    assert sync.sync(chapter, nb)  # everything is new
    assert sync.sync(chapter, nb) == []  # and now in step
    assert len(nb["cells"]) == 1 + 6 * len(chapter.exercises)
    kinds = [c["cell_type"] for c in nb["cells"][1:7]]
    assert kinds == ["markdown", "code", "code", "markdown", "code", "markdown"]
    nb["cells"][2]["source"] = ["def edited(): pass"]  # a hand edit of a generated cell
    assert sync.sync(chapter, nb) and sync.sync(chapter, nb) == []
