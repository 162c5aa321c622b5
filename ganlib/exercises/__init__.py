"""Exercises and quizzes: :func:`~ganlib.exercises.check` a reader's function against
:class:`~ganlib.exercises.Case` objects, ask a :func:`~ganlib.exercises.quiz`. Each chapter module (``ganlib.exercises.ch04`` ...) is a registry:
its :class:`Exercise` objects hold the task, the reference solution, the cases, the hints
and known wrong answers, and give the named checkers the chapters call, e.g.
``check_kl(fn)``; see :mod:`ganlib.exercises.registry` for how to define one.
"""

from .core import Case, Mistake, check, quiz, quiz_html
from .registry import Chapter, Exercise, Part, Wrong

__all__ = ["Case", "Chapter", "Exercise", "Mistake", "Part", "Wrong", "check", "quiz", "quiz_html"]
