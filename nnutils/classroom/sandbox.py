"""The class grader's child: runs a submission's cells and serves calls to its functions.

Started by ``jail`` inside the sandbox as ``python -I -m nnutils.classroom.sandbox``; reads
requests from stdin and answers on stdout, one ``wire`` frame each, until stdin closes.
The course's solution code is not in the sandbox (``jail`` hides it) and this module imports
none: ``nnutils.reference``, ``checks``, ``grading`` and ``engine`` are stand-ins
(``StandIns``) whose functions ask the grader, which runs the course's function or refuses
(an answer that calls its own exercise's solution). Requests (``op``):

- ``course`` {modules: {module: {name: entry}}, packages, exercises}: first, once: the
  stand-ins' contents (an entry is {call: [[parameter, kind, has default], ...]}, {from:
  module} for a helper that is here, or {value}),
  and the ids of the exercises that have a course version.
- ``run`` {source, label}: run one cell; answers {error: "Type: message" or None}.
- ``function`` {name, exercise}: {parameters: [names], earlier: [ids], numpy: [names]}, the
  learner's earlier exercises and reassigned NumPy functions that ``isolation`` sets aside.
- ``call`` {name, exercise, args}: call the learner's function as the check would, with the
  course's earlier exercises and NumPy's own functions (``isolation``); answers {result,
  args (as the call left them), printed, raised: {type, message, line} or None, stopped}.
- ``values`` {names: {key: expression}}: {values: {key: value}, missing: {key: "Type: message"}}.

While a request runs, a call to a stand-in's function sends {course: "module.name", args,
kwargs} and reads the grader's answer: {result, args, printed}, {raised} or {refused}.

When stdin closes it answers once more, {cpu: seconds}, its own CPU time (the PID namespace
keeps it from the grader's accounting). Everything it prints goes into ``printed`` (at most
PRINTED characters); the protocol keeps its own copy of the original stdout.
"""

import contextlib
import importlib
import importlib.abc
import importlib.util
import inspect
import io
import linecache
import os
import resource
import sys

from nnutils.classroom.wire import copy_into, decode, encode, read_frame, rebuilt, write_frame
from nnutils.errors import failing_line, text_of
from nnutils.isolation import isolated

PRINTED = 4000
REFERENCE = "nnutils.reference"


class Refused(BaseException):
    """The grader refused a call into the course's solution code (its sentence says why)."""


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the course's solution modules as stand-ins whose functions ``ask`` the grader."""

    def __init__(self, modules, packages, ask):
        self.modules, self.packages, self.ask = modules, set(packages), ask

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.modules:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=fullname in self.packages)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        for name, entry in self.modules[module.__name__].items():
            if "call" in entry:
                value = course_function(f"{module.__name__}.{name}", entry["call"], self.ask)
            elif "from" in entry:
                value = getattr(importlib.import_module(entry["from"]), name)
            else:
                with contextlib.suppress(Exception):  # a constant that does not travel
                    value = decode(entry["value"])
            setattr(module, name, value)


def course_function(qualified, parameters, ask):
    """A function named and shaped as the course's ``qualified`` whose calls ``ask`` the grader."""

    def function(*args, **kwargs):
        return ask(qualified, args, kwargs)

    module, _, name = qualified.rpartition(".")
    function.__module__, function.__name__, function.__qualname__ = module, name, name
    function.__signature__ = inspect.Signature(
        [
            inspect.Parameter(n, k, default=None if d else inspect.Parameter.empty)
            for n, k, d in parameters
        ]
    )
    return function


def asker(replies):
    """The function that sends a stand-in's call to the grader on ``replies`` and returns its
    answer (raising what the course's function raised, or ``Refused``)."""

    def ask(qualified, args, kwargs):
        write_frame(replies, {"course": qualified, "args": encode(args), "kwargs": encode(kwargs)})
        answer = read_frame(0)
        if "refused" in answer:
            raise Refused(answer["refused"])
        print(answer.get("printed", ""), end="")
        for before, after in zip(args, decode(answer.get("args")) or (), strict=False):
            copy_into(before, after)
        if answer.get("raised"):
            raise rebuilt(answer["raised"])
        return decode(answer.get("result"))

    return ask


class Lazy:
    """A module, or a name of one, imported when first used: a setup cell's imports of drawing
    and display libraries cost the grader nothing unless an answer uses them."""

    def __init__(self, module, name=None):
        self._module, self._name = module, name

    def _resolved(self):
        module = importlib.import_module(self._module)
        if self._name is None:
            return module
        try:
            return getattr(module, self._name)
        except AttributeError:
            return importlib.import_module(f"{self._module}.{self._name}")

    def __getattr__(self, attribute):
        return getattr(self._resolved(), attribute)

    def __call__(self, *args, **kwargs):
        return self._resolved()(*args, **kwargs)


def course(namespace, modules, packages, exercises, ask):
    """Install the stand-ins; the course's versions of ``exercises`` go into ``namespace``."""
    sys.meta_path.insert(0, StandIns(modules, packages, ask))
    reference = importlib.import_module(REFERENCE)
    namespace["__course__"] = {n: getattr(reference, n) for n in exercises if hasattr(reference, n)}
    namespace["__lazy__"] = Lazy
    return {}


def run(namespace, source, label):
    lines = source.splitlines(keepends=True)
    linecache.cache[label] = (len(source), None, lines, label)
    with _captured():
        try:
            exec(compile(source, label, "exec"), namespace)
        except BaseException as error:  # the learner's cell: anything may come out
            return {"error": f"{type(error).__name__}: {text_of(error)}"}
    return {"error": None}


def function(namespace, name, exercise):
    candidate = namespace[name]
    try:
        parameters = list(inspect.signature(candidate).parameters)
    except (TypeError, ValueError):
        parameters = []
    with isolated(candidate, exercise, namespace.get("__course__", {})) as (earlier, numpy):
        return {"parameters": parameters, "earlier": list(earlier), "numpy": numpy}


def call(namespace, name, exercise, args):
    candidate = namespace[name]
    args = decode(args)
    printed = io.StringIO()
    answer = {"result": None, "raised": None, "stopped": None}
    with isolated(candidate, exercise, namespace.get("__course__", {})):
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                answer["result"] = encode(candidate(*args))
            except Refused as refused:
                answer["stopped"] = str(refused)
            except BaseException as error:  # the learner's code: anything may come out
                answer["raised"] = {
                    "type": type(error).__name__,
                    "message": text_of(error)[:PRINTED],
                    "line": failing_line(error),
                }
    answer["args"] = encode(args)
    answer["printed"] = printed.getvalue()[:PRINTED]
    return answer


def values(namespace, names):
    found, missing = {}, {}
    for key, expression in names.items():
        try:
            with _captured():
                found[key] = encode(eval(expression, namespace))
        except BaseException as error:  # a value cell that did not run leaves its names unset
            missing[key] = f"{type(error).__name__}: {text_of(error)}"
    return {"values": found, "missing": missing}


@contextlib.contextmanager
def _captured():
    """Whatever the learner's code prints is dropped."""
    with open(os.devnull, "w") as sink:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield


def serve():
    """Answer requests until stdin closes."""
    replies = os.dup(1)  # the learner's prints (even os.write(1, ...)) go to stderr instead
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    operations = {"run": run, "function": function, "call": call, "values": values}
    operations["course"] = lambda namespace, **contents: course(
        namespace, **contents, ask=asker(replies)
    )
    namespace = {"__name__": "__main__"}
    while True:
        try:
            request = read_frame(0)
        except Exception:  # stdin closed: say what this process cost, and end
            usage = resource.getrusage(resource.RUSAGE_SELF)
            write_frame(replies, {"cpu": usage.ru_utime + usage.ru_stime})
            return
        op = operations[request.pop("op")]
        try:
            reply = op(namespace, **request)
        except KeyError as error:
            reply = {"undefined": text_of(error)}
        write_frame(replies, reply)


if __name__ == "__main__":
    serve()
