r"""Exercises as data: one declarative registry per chapter.

An :class:`Exercise` holds everything about one exercise: the task (MyST text), the
reference solution (a plain function: its name and signature give the reader's stub),
the cases (built by a function, expected values from an independent path), hints, and
known wrong answers with the words the checker must say about them. From it come

* the checker the notebook calls (:meth:`~ganlib.exercises.Exercise.checker`, e.g. ``check_kl``);
* the notebook's six exercise cells (:meth:`~ganlib.exercises.Chapter.cells`): the ``{exercise}``
  markdown, the reader's stub, the checker call (tagged ``remove-output``, so the
  "not written yet" report stays out of the HTML), and the reference solution between
  ``{solution-start}`` / ``{solution-end}`` (a dropdown in the HTML, runnable code in
  Jupyter and Colab); ``python -m ganlib.exercises.sync`` writes them (a new exercise's
  cells go after the previous exercise's, the first after the "## Exercises" cell), so
  edit the registry, not those cells;
* the tests (``tests/test_exercises_registry.py``): every solution passes, every wrong
  answer fails with its message, the stub says "not written yet", the notebooks match.

A chapter defines an exercise like this (chapter 4's first one, shortened)::

    from .core import Case
    from .registry import Chapter, Exercise, Wrong

    def kl(p, q):  # the reference solution, shown to the reader as it is written
        support = p > 0
        ...

    def _kl_cases():  # expected values from SciPy, not from the formula above
        p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
        return [Case((p, q), float(special.rel_entr(p, q).sum()), note="two coins")]

    KL = Exercise(
        "kl", label="ex-ch04-kl", title="KL with the conventions",
        task="Write `kl(p, q)` for two probability vectors ...",
        solution=kl, cases=_kl_cases, atol=1e-9, rtol=1e-7,
        hints=("Terms with $p(x) = 0$ contribute 0.",),
        wrong=(Wrong(lambda p, q: float(np.sum(p * np.log(p / q))), says="0·log 0"),),
    )
    # call_as: how the notebook names this module (``from ganlib.exercises import ch04``)
    CHAPTER = Chapter("04_divergences", (KL,), call_as="ch04")
    check_kl = KL.checker()  # the notebook calls ch04.check_kl(kl)

Any module ``ganlib/exercises/chNN.py`` with a ``CHAPTER`` is picked up by the sync
and by the tests. The solution is copied into the notebook as written: keep its lines
within 79 characters and use only names the notebook imports (``np``, ``torch``, ...);
``follow_up`` adds notebook code after it ("then use it on ...").

A checker that needs more than comparing return values wraps the reader's function
with ``adapt`` (e.g. to also return gradients) and may raise :class:`~.core.Mistake`
to say what is wrong in words; a second round of cases goes in ``then`` as a
:class:`Part`. Checkers never raise: they print a report and return True or False.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .core import Case, _fail, check

Adapter = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Wrong:
    """A known wrong answer: the checker must reject it and its report contain ``says``."""

    fn: Callable[..., Any]
    says: str


@dataclass(frozen=True)
class Part:
    """A round of cases: ``adapt(fn)`` (or ``fn``) must return each case's expected value."""

    cases: Callable[[], Sequence[Case]]
    adapt: Adapter | None = None
    label: str = ""  # shown after the name in the report: "power_step (iterated)"
    atol: float = 1e-6
    rtol: float = 1e-5


@dataclass(frozen=True)
class Exercise:
    """One exercise; see the module docstring for an example."""

    key: str  # the checker is check_<key>
    label: str  # the {exercise} label, "ex-chNN-..."
    title: str
    task: str  # MyST markdown, the body of the {exercise} directive
    solution: Callable[..., Any]  # its name and signature are the reader's stub
    cases: Callable[[], Sequence[Case]]
    adapt: Adapter | None = None
    atol: float = 1e-6
    rtol: float = 1e-5
    then: tuple[Part, ...] = ()  # further rounds, run once the first passes
    hints: tuple[str, ...] = ()  # in the task text, and printed when a check fails
    wrong: tuple[Wrong, ...] = ()
    right: tuple[Callable[..., Any], ...] = ()  # other correct answers, for the tests
    follow_up: str = ""  # notebook code after the solution (may use the chapter's names)

    @property
    def name(self) -> str:
        """The name of the function the reader writes."""
        return self.solution.__name__

    @property
    def parts(self) -> tuple[Part, ...]:
        first = Part(self.cases, self.adapt, "", self.atol, self.rtol)
        return (first, *self.then)

    def check(self, fn: Callable[..., Any]) -> bool:
        """Run ``fn`` on every part's cases; print a report; True when all pass."""
        try:
            for part in self.parts:
                name = f"{self.key} ({part.label})" if part.label else self.key
                candidate = part.adapt(fn) if part.adapt else fn
                cases = _lazy(part.cases)  # built inside check(), which never raises
                if not check(candidate, cases, name=name, atol=part.atol, rtol=part.rtol):
                    for hint in self.hints:
                        print(f"  hint: {hint}")
                    return False
            return True
        except Exception as e:  # a problem in the checker itself must not stop the notebook
            return _fail(self.key, f"the checker itself failed ({type(e).__name__}: {e}); please report this")

    def checker(self) -> Callable[[Callable[..., Any]], bool]:
        """The function the notebook calls: ``check_<key>(fn) -> bool``."""

        def run(fn: Callable[..., Any]) -> bool:
            return self.check(fn)

        run.__name__ = run.__qualname__ = f"check_{self.key}"
        run.__doc__ = (
            f"Check ``{self.name}{self.signature}`` ({self.title}): print which case fails "
            "and why, return True when all pass. Never raises."
        )
        return run

    @property
    def signature(self) -> str:
        return str(inspect.signature(self.solution))

    def solution_source(self) -> str:
        return textwrap.dedent(inspect.getsource(self.solution)).strip()


def _lazy(make: Callable[[], Sequence[Case]]) -> Iterator[Case]:
    yield from make()


@dataclass(frozen=True)
class Chapter:
    """A chapter's exercises, in the order the notebook shows them."""

    notebook: str  # "04_divergences": the notebook book/04_divergences.ipynb
    exercises: tuple[Exercise, ...]
    call_as: str  # how the notebook names this module: "ch04", "ex", ...

    def __getitem__(self, key: str) -> Exercise:
        for ex in self.exercises:
            if ex.key == key:
                return ex
        raise KeyError(f"chapter {self.notebook} has no exercise {key!r}")

    def cells(self, ex: Exercise) -> list[tuple[str, str, list[str]]]:
        """The notebook cells of ``ex``: (cell_type, source, tags), six of them."""
        task = ex.task.strip()
        if ex.hints:
            task += "\n" + "\n".join(f"Hint: {h}" for h in ex.hints)
        call = f"{self.call_as}.check_{ex.key}({ex.name})"
        solution = f"{ex.solution_source()}\n\n\nassert {call}"
        if ex.follow_up:
            solution += "\n" + ex.follow_up.strip()
        return [
            ("markdown", f"```{{exercise}} {ex.title}\n:label: {ex.label}\n{task}\n```", []),
            ("code", f"def {ex.name}{ex.signature}:\n    raise NotImplementedError  # your code here", []),
            ("code", f"{call};", ["remove-output"]),
            ("markdown", f"```{{solution-start}} {ex.label}\n:class: dropdown\n```", []),
            ("code", solution, []),
            ("markdown", "```{solution-end}\n```", []),
        ]
