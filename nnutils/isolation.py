"""What a check sets aside while it runs, so that its verdict is about one exercise only.

- The learner's own versions of EARLIER exercises that the candidate calls by name
  (``linear_activation_forward`` calling their ``linear_forward``) are replaced by
  the course's versions in the candidate's globals (``course``: in the learner's kernel the
  reference functions, in the class grader's sandbox proxies that the grader serves), and put back after,
  even on an error or an interrupt. A mistake in an early exercise then costs that
  exercise alone; the check says in a note that it used the course's version.
- NumPy functions reassigned in the kernel (``np.exp = ...``) get NumPy's own back
  for the duration, so that neither the candidate nor the reference use them.

Outside a check, the learner's own functions and NumPy's attributes are untouched. This module
imports no solution code: the class grader's sandbox uses it too.
"""

import types
from contextlib import contextmanager

import numpy as np

# NumPy's own functions, taken when the course is imported (before any learner's code runs).
NUMPY = {name: value for name, value in vars(np).items() if callable(value)}
LINALG = {name: value for name, value in vars(np.linalg).items() if callable(value)}


def _global_names(code):
    """Every global name that ``code`` or a function nested in it looks up."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return names


def earlier_exercises(candidate, exercise_id, course):
    """{name: learner's function} of the other exercises that ``candidate`` calls by name.

    Follows the learner's own helper functions (those defined with the same globals),
    not the exercises themselves, which the course's versions will replace. Only
    exercises with a course version (``course``: {exercise id: function}) count.
    """
    if not isinstance(candidate, types.FunctionType):
        return {}
    namespace = candidate.__globals__
    found, seen, stack = {}, {candidate}, [candidate]
    while stack:
        function = stack.pop()
        for name in _global_names(function.__code__):
            value = namespace.get(name)
            if name in course and name != exercise_id:
                if callable(value) and value is not course[name]:
                    found[name] = value
            elif (
                isinstance(value, types.FunctionType)
                and value.__globals__ is namespace
                and value not in seen
            ):
                seen.add(value)
                stack.append(value)
    return found


@contextmanager
def rebound(namespace, replacements):
    """Set ``namespace[name] = value`` for each replacement; restore the old values after."""
    saved = {name: namespace[name] for name in replacements if name in namespace}
    try:
        namespace.update(replacements)
        yield
    finally:
        for name in replacements:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)


def _changed(module, originals):
    """{name: NumPy's own function} for each attribute of ``module`` reassigned since import."""
    return {
        name: value for name, value in originals.items() if getattr(module, name, None) is not value
    }


def restore_numpy():
    """Give NumPy back its own functions (``np.allclose`` and the rest) wherever reassigned."""
    for module, originals in ((np, NUMPY), (np.linalg, LINALG)):
        for name, value in _changed(module, originals).items():
            setattr(module, name, value)


@contextmanager
def isolated(candidate, exercise_id, course):
    """Run a check with the course's earlier exercises and NumPy's own functions.

    Yields (earlier, numpy_names): the learner's earlier functions that were set
    aside ({name: function}) and the names of the NumPy functions restored. A function
    that runs elsewhere (the class grader's sandbox) isolates itself: its ``isolation``.
    """
    if hasattr(candidate, "isolation"):
        with candidate.isolation(exercise_id) as found:
            yield found
        return
    earlier = earlier_exercises(candidate, exercise_id, course)
    numpy_own, linalg_own = _changed(np, NUMPY), _changed(np.linalg, LINALG)
    namespace = candidate.__globals__ if earlier else {}
    references = {name: course[name] for name in earlier}
    with (
        rebound(namespace, references),
        rebound(vars(np), numpy_own),
        rebound(vars(np.linalg), linalg_own),
    ):
        yield earlier, [f"np.{n}" for n in numpy_own] + [f"np.linalg.{n}" for n in linalg_own]
