"""An answer must be the learner's own code: calling the course's solution fails its check.

``own_code_only(candidate, exercise_id, allowed)`` wraps a learner's function. While it runs,
a call into the course's own solution code stops it with ``Stopped``, naming what it called
("linear_forward calls nnutils.reference.linear_forward: the exercise is to write it
yourself"). The course's solution code, for exercise E, is:

- any function of ``nnutils`` named E or named after an exercise that comes after E;
- the grading package, the engine's layers and trainers (``nnutils.engine``), and the
  reference trainer ``gradient_descent``.

Allowed: NumPy, SciPy, the course's helpers (``nnutils.data``, ``nnutils.gradcheck``'s
vector helpers, ``flatten``, ...), and the course's versions of EARLIER exercises
(``allowed``: later lessons import them, and ``isolation`` puts them in place of the
learner's), together with everything those call.
"""

import functools
import sys
import types
from pathlib import Path

from ..progress import outline
from .expect import Stopped

PACKAGE = str(Path(__file__).parents[1])
# Folders whose functions are checked without this rule: the course's own tests, whose wrong
# answers are built on the reference (``conftest.py`` adds ``tests/``).
EXEMPT = []
SOLUTION_CODE = ("nnutils.grading.", "nnutils.engine.", "nnutils.reference.gradient_descent")


@functools.cache
def course_order():
    """Every exercise id, in the order the course teaches them."""
    return tuple(name for lesson in outline().values() for name in lesson["exercises"])


@functools.cache
def not_before(exercise_id):
    """The ids of ``exercise_id`` and of every exercise after it (only itself if unknown)."""
    order = course_order()
    return frozenset(order[order.index(exercise_id) :] if exercise_id in order else [exercise_id])


def may_call(exercise_id, allowed=()):
    """The exercise ids whose course versions ``exercise_id`` may call: the earlier ones and
    ``allowed``."""
    return frozenset(course_order()) - not_before(exercise_id) | frozenset(allowed)


def _course_name(frame):
    """'module.qualname' of a frame running the course's code, else None."""
    if not frame.f_code.co_filename.startswith(PACKAGE):
        return None
    return f"{frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}"


def refusal(qualified, exercise_id, allowed=()):
    """Why exercise ``exercise_id`` may not call the course's ``qualified`` ('module.qualname'),
    or None when it may (``allowed``: exercise ids it may call besides the earlier ones)."""
    name = qualified.rpartition(".")[2]
    if name in may_call(exercise_id, allowed):
        return None
    if name in not_before(exercise_id) or qualified.startswith(SOLUTION_CODE):
        return f"{exercise_id} calls {qualified}: the exercise is to write it yourself."
    return None


def own_code_only(candidate, exercise_id, allowed=()):
    """``candidate`` wrapped so that calling the course's solution code raises ``Stopped``.

    ``allowed``: exercise ids whose course versions the candidate may call. Anything but
    a plain Python function of the learner's (a dict of values, a sandboxed function, the
    course's own function, which the course's tests check) is returned as is.
    """
    code = getattr(candidate, "__code__", None)
    if not isinstance(candidate, types.FunctionType) or code.co_filename.startswith(
        (PACKAGE, *EXEMPT)
    ):
        return candidate
    earlier = may_call(exercise_id, allowed)

    def solution(frame):
        name = _course_name(frame)
        return name if name and refusal(name, exercise_id, allowed) else None

    @functools.wraps(candidate)
    def guarded(*args, **kwargs):
        boundary = sys._getframe()
        found = []

        def watch(frame, event, arg):
            name = solution(frame)
            if name and not found and not _inside_allowed(frame, boundary, earlier):
                found.append(name)
            return None

        previous = sys.gettrace()
        sys.settrace(watch)
        try:
            return candidate(*args, **kwargs)
        finally:
            sys.settrace(previous)
            if found:
                raise Stopped(refusal(found[0], exercise_id, allowed))

    return guarded


def _inside_allowed(frame, boundary, earlier):
    """True when a course function named after an allowed exercise encloses ``frame``."""
    caller = frame.f_back
    while caller is not None and caller is not boundary:
        if caller.f_code.co_name in earlier and _course_name(caller):
            return True
        caller = caller.f_back
    return False
