"""Exercises and quizzes: :func:`check` a reader's function against :class:`Case` objects,
ask a :func:`quiz`. Chapter modules (``ganlib.exercises.ch02`` ...) hold the named checkers
that the chapters call, e.g. ``check_optimal_discriminator(fn)``.
"""

from .core import Case, check, quiz, quiz_html

__all__ = ["Case", "check", "quiz", "quiz_html"]
