"""The grader's side of the sandbox: a submission's child process, and its functions as proxies.

``Child(cells, seconds)`` runs the cells [(label, source)] in a sandboxed child (``jail``), each within
CELL_SECONDS; a cell that kills or hangs its child is skipped when the child is started again.
``child.function(name)`` is a ``Remote``: a callable the genuine checks call like the learner's
function. Arguments go in; the result, the arguments as the call left them (copied back into
the caller's objects, so in-place changes show), printed output and any exception come back,
as data (``wire``). A check of one exercise has ``seconds`` in all; past that, or when the
child dies, the call raises ``Stopped`` with a one-line reason and the next request starts a
new child.
"""

import builtins
import contextlib
import inspect
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import numpy as np

from nnutils.classroom import jail
from nnutils.classroom.wire import WireError, decode, encode, read_frame, stand_in, write_frame
from nnutils.grading.expect import Stopped

CELL_SECONDS = 30
EXERCISE_SECONDS = 30
CLOSE_SECONDS = 5


class Child:
    """The sandboxed child of one submission (started on the first request)."""

    def __init__(self, cells, seconds=EXERCISE_SECONDS):
        self.cells, self.seconds = cells, seconds
        self.skipped = {}  # label: why the cell stopped the child (it is skipped after)
        self.errors = {}  # label: "Type: message" of a cell that raised
        self.process = None
        self.deadline = None

    def request(self, message, seconds=None):
        """The child's answer to ``message`` (a dict); ``Stopped`` if it died or ran late."""
        if self.process is None:
            self._start()
        deadline = self.deadline if seconds is None else time.monotonic() + seconds
        try:
            write_frame(self.process.stdin.fileno(), message)
            answer = read_frame(self.process.stdout.fileno(), deadline)
            if not isinstance(answer, dict):
                raise WireError("not a dict")
            return answer
        except (WireError, OSError) as error:
            raise Stopped(self._stop(error)) from None

    def _start(self):
        self.process = jail.start()
        for label, source in self.cells:
            if label in self.skipped:
                continue
            try:
                error = self.request({"op": "run", "source": source, "label": label}, CELL_SECONDS)
            except Stopped as stop:
                self.skipped[label] = str(stop)
                return self._start()
            if error.get("error"):
                self.errors[label] = str(error["error"])

    def _stop(self, error):
        """End the child; the one-line reason it stopped."""
        process, self.process = self.process, None
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        status = process.wait()
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        if str(error) == "deadline":
            return f"your code did not finish within {self.seconds:g} s: the grader stopped it."
        if status < 0 or status > 128:
            number = -status if status < 0 else status - 128
            name = signal.Signals(number).name if number in signal.valid_signals() else number
            return (
                f"your code was killed ({name}): it went past a limit of the sandbox "
                "(time, memory, processes or file size)."
            )
        return f"your code ended its process (status {status}) before answering."

    @contextmanager
    def checking(self):
        """Give the requests inside ``seconds`` in all (not counting the child's start)."""
        if self.process is None:
            self._start()
        self.deadline = time.monotonic() + self.seconds
        try:
            yield
        finally:
            self.deadline = None

    def function(self, name):
        return Remote(self, name)

    def trouble(self):
        """' (running your cells: ...)' naming the first cell's error or stop, else ''."""
        found = [*self.errors.values(), *self.skipped.values()]
        return f" (running your cells: {found[0]})" * bool(found)

    def values(self, names):
        """({key: value}, {key: "Type: message"}) of the expressions {key: expression}."""
        answer = self.request({"op": "values", "names": names}, CELL_SECONDS)
        try:
            values = {str(k): decode(v) for k, v in answer["values"].items()}
            return values, {str(k): str(v) for k, v in answer["missing"].items()}
        except (WireError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise Stopped(f"your values could not be read ({error}).") from None

    def close(self):
        """End the child: it exits when its input closes (it is killed after CLOSE_SECONDS).

        Returns the CPU seconds it says it used (0 if it does not say)."""
        if self.process is None:
            return 0.0
        self.process.stdin.close()
        try:
            cpu = read_frame(self.process.stdout.fileno(), time.monotonic() + CLOSE_SECONDS)["cpu"]
        except (WireError, TypeError, KeyError):
            cpu = 0.0
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=CLOSE_SECONDS)
        self._stop(WireError("closed"))
        return float(cpu) if isinstance(cpu, int | float) else 0.0


class Remote:
    """The learner's function ``name`` in the child, called as the checks call a function."""

    def __init__(self, child, name):
        self.child, self.__name__, self.exercise = child, name, name
        self.problem = None  # why it cannot be called, once known

    @contextmanager
    def isolation(self, exercise_id):
        """What ``isolation.isolated`` yields for this function: ({name: Remote}, numpy names).

        A child that cannot answer leaves nothing to isolate; the calls then raise ``Stopped``.
        """
        self.exercise = exercise_id
        with self.child.checking():
            try:
                answer = self.child.request(
                    {"op": "function", "name": self.__name__, "exercise": exercise_id}
                )
            except Stopped as stop:
                answer = {"stopped": str(stop)}
            self.problem = answer.get("stopped") or (
                f"`{self.__name__}` is not defined{self.child.trouble()}."
                if "undefined" in answer
                else None
            )
            self.__signature__ = inspect.Signature(
                [
                    inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                    for name in map(str, answer.get("parameters", []))
                    if name.isidentifier()
                ]
            )
            earlier = {
                str(name): Remote(self.child, str(name)) for name in answer.get("earlier", [])
            }
            yield earlier, [str(name) for name in answer.get("numpy", [])]

    def __call__(self, *args):
        if self.problem:
            raise Stopped(self.problem)
        answer = self.child.request(
            {"op": "call", "name": self.__name__, "exercise": self.exercise, "args": encode(args)}
        )
        if answer.get("stopped"):
            raise Stopped(str(answer["stopped"]))
        if "too large" in answer:
            raise Stopped(f"your function's answer is too large to check ({answer['too large']}).")
        try:
            result, after = decode(answer.get("result")), decode(answer.get("args"))
        except (WireError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise Stopped(f"your function's answer could not be read ({error}).") from None
        for before, value in zip(args, after if isinstance(after, tuple) else (), strict=False):
            copy_into(before, value)
        sys.stdout.write(str(answer.get("printed", "")))
        if answer.get("raised"):
            raise rebuilt(answer["raised"])
        return result


def copy_into(target, value):
    """Make the mutable parts of ``target`` hold ``value`` (what the child's call left there)."""
    if isinstance(target, dict) and isinstance(value, dict):
        merged = {key: merged_into(target.get(key), item) for key, item in value.items()}
        target.clear()
        target.update(merged)
    elif isinstance(target, list) and isinstance(value, list | tuple):
        target[:] = [
            merged_into(target[i] if i < len(target) else None, item)
            for i, item in enumerate(value)
        ]
    elif isinstance(target, tuple) and isinstance(value, list | tuple):
        for before, after in zip(target, value, strict=False):
            copy_into(before, after)
    elif isinstance(target, np.random.Generator) and isinstance(value, np.random.Generator):
        target.bit_generator.state = value.bit_generator.state
    elif isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
        if target.shape == value.shape and target.flags.writeable:
            np.copyto(target, value, casting="unsafe")


def merged_into(old, new):
    """``old`` made to hold ``new`` when it can (arrays keep their identity), else ``new``."""
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray) and old.shape == new.shape:
        copy_into(old, new)
        return old
    if isinstance(old, dict | list) and type(new) is type(old):
        copy_into(old, new)
        return old
    return new


def rebuilt(raised):
    """The exception the child reported, rebuilt from its name and text only."""
    name, message = str(raised.get("type")), str(raised.get("message", ""))
    kind = getattr(builtins, name, None)
    if not (isinstance(kind, type) and issubclass(kind, Exception | SystemExit)):
        kind = type(stand_in(name).__class__.__name__, (Exception,), {})
    error = kind(message)
    error.failing_line = str(raised.get("line") or "")
    return error
