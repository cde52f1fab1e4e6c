"""The grader's side of the sandbox: a submission's child process, and its functions as proxies.

``Child(cells, seconds)`` runs the cells [(label, source)] in a sandboxed child (``jail``), each within
CELL_SECONDS; a cell that kills or hangs its child is skipped when the child is started again.
``child.function(name)`` is a ``Remote``: a callable the genuine checks call like the learner's
function. Arguments go in; the result, the arguments as the call left them (copied back into
the caller's objects, so in-place changes show), printed output and any exception come back,
as data (``wire``). A check of one exercise has ``seconds`` in all; past that, or when the
child dies, the call raises ``Stopped`` with a one-line reason and the next request starts a
new child.

The course's solution code runs here only. The child's stand-ins of it (``sandbox``) send
their calls to ``Child``, which runs the course's function on the data they carry, or refuses
a call that the exercise being checked may not make (``own_code.refusal``: its own solution,
a later exercise's, the engine's): the check then fails, naming the call, whatever the child
answers. The grader's own functions (``check`` left in an answer cell) do nothing there.
"""

import contextlib
import functools
import importlib
import inspect
import io
import os
import pkgutil
import resource
import signal
import subprocess
import sys
import time
import types
from contextlib import contextmanager

from nnutils.classroom import jail
from nnutils.classroom.sandbox import PRINTED
from nnutils.classroom.wire import (
    WireError,
    copy_into,
    decode,
    encode,
    read_frame,
    rebuilt,
    write_frame,
)
from nnutils.errors import text_of
from nnutils.grading.api import course_versions
from nnutils.grading.expect import Stopped
from nnutils.grading.own_code import refusal

CELL_SECONDS = 30
EXERCISE_SECONDS = 30
CLOSE_SECONDS = 5
# The course's solution code: the sandbox holds stand-ins of these modules (and their submodules).
SOLUTION_MODULES = ("nnutils.reference", "nnutils.engine", "nnutils.checks", "nnutils.grading")
GRADER = ("nnutils.checks.", "nnutils.grading.")  # called from the sandbox: never run
COURSE_CALL_BYTES = 2 * 2**30  # memory a served call may take beyond what the grader holds


@functools.cache
def stand_ins():
    """The ``course`` request that sets up the child's stand-ins (see ``sandbox``): for each
    solution module, its functions' names and parameters and, outside the grader, its
    constants (the grader's stay here: they may hold a question's answer)."""
    modules, packages = {}, []
    for root in SOLUTION_MODULES:
        found = [importlib.import_module(root)]
        if hasattr(found[0], "__path__"):
            infos = list(pkgutil.walk_packages(found[0].__path__, f"{root}."))
            packages += [root, *(info.name for info in infos if info.ispkg)]
            found += [importlib.import_module(info.name) for info in infos]
        for module in found:
            constants = not f"{module.__name__}.".startswith(GRADER)
            modules[module.__name__] = {
                name: entry
                for name, value in vars(module).items()
                if not name.startswith("_") and (entry := _entry(value, constants))
            }
    return {
        "op": "course",
        "modules": modules,
        "packages": packages,
        "exercises": sorted(course_versions()),
    }


def _entry(value, constants):
    """A stand-in's entry for ``value``: {call: parameters} for the course's solution code,
    {from: module} for its helpers, {value} for a constant (if ``constants``), else None."""
    if isinstance(value, types.ModuleType):
        return None
    if callable(value):
        module = str(getattr(value, "__module__", ""))
        if not module.startswith("nnutils"):
            return None
        if not module.startswith(SOLUTION_MODULES):  # a helper, imported as it is
            return {"from": module}
        try:
            parameters = inspect.signature(value).parameters.values()
        except (TypeError, ValueError):
            return {"call": [["args", 2, False], ["kwargs", 4, False]]}
        return {"call": [[p.name, int(p.kind), p.default is not p.empty] for p in parameters]}
    return {"value": encode(value)} if constants else None


@contextmanager
def memory_cap(extra=COURSE_CALL_BYTES):
    """At most ``extra`` bytes of address space beyond what this process holds now, while
    it runs a course function on arguments that an answer chose."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):  # no /proc: no cap
        yield
        return
    cap = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Child:
    """The sandboxed child of one submission (started on the first request)."""

    def __init__(self, cells, seconds=EXERCISE_SECONDS):
        self.cells, self.seconds = cells, seconds
        self.skipped = {}  # label: why the cell stopped the child (it is skipped after)
        self.errors = {}  # label: "Type: message" of a cell that raised
        self.process = None
        self.deadline = None
        self.exercise = None  # the exercise being checked (None while cells run)
        self.refused = None  # the first call to the course's code refused since it was reset

    def request(self, message, seconds=None):
        """The child's answer to ``message`` (a dict); ``Stopped`` if it died or ran late."""
        if self.process is None:
            self._start()
        deadline = self.deadline if seconds is None else time.monotonic() + seconds
        try:
            write_frame(self.process.stdin.fileno(), message)
            while True:
                answer = read_frame(self.process.stdout.fileno(), deadline)
                if not isinstance(answer, dict):
                    raise WireError("not a dict")
                if "course" not in answer:
                    return answer
                write_frame(self.process.stdin.fileno(), self._served(answer))
        except (WireError, OSError) as error:
            raise Stopped(self._stop(error)) from None

    def _served(self, call):
        """The answer to a stand-in's call: the course function's result, or why not."""
        qualified = str(call["course"])
        module, _, name = qualified.rpartition(".")
        if "call" not in stand_ins()["modules"].get(module, {}).get(name, {}):
            return {"refused": f"{qualified} is not a function of the course."}
        if qualified.startswith(GRADER):  # a check left in an answer cell does nothing here
            return {"result": None}
        why = self.exercise and refusal(qualified, self.exercise)
        if why:
            self.refused = self.refused or why
            return {"refused": why}
        printed = io.StringIO()
        try:
            args, kwargs = decode(call.get("args")), decode(call.get("kwargs"))
            function = getattr(importlib.import_module(module), name)
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                with memory_cap():
                    result = function(*args, **kwargs)
            answer = {"result": encode(result), "args": encode(args)}
        except Exception as error:  # the answer chose the arguments: any error is its own
            answer = {"raised": {"type": type(error).__name__, "message": text_of(error)}}
        return {**answer, "printed": printed.getvalue()[:PRINTED]}

    def _start(self):
        self.process = jail.start()
        exercise, self.exercise = self.exercise, None
        try:
            self.request(stand_ins(), CELL_SECONDS)
            for label, source in self.cells:
                if label in self.skipped:
                    continue
                try:
                    message = {"op": "run", "source": source, "label": label}
                    error = self.request(message, CELL_SECONDS)
                except Stopped as stop:
                    self.skipped[label] = str(stop)
                    return self._start()
                if error.get("error"):
                    self.errors[label] = str(error["error"])
        finally:
            self.exercise = exercise

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
        self.exercise = None
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
        self.child.exercise, self.child.refused = self.exercise, None
        answer = self.child.request(
            {"op": "call", "name": self.__name__, "exercise": self.exercise, "args": encode(args)}
        )
        if self.child.refused:
            raise Stopped(self.child.refused)
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
