"""The class grader's child: runs a submission's cells and serves calls to its functions.

Started by ``jail`` inside the sandbox as ``python -I -m nnutils.classroom.sandbox``; reads
requests from stdin and answers on stdout, one ``wire`` frame each, until stdin closes.
Requests (``op``):

- ``run`` {source, label}: run one cell; answers {error: "Type: message" or None}.
- ``function`` {name, exercise}: {parameters: [names], earlier: [ids], numpy: [names]}, the
  learner's earlier exercises and reassigned NumPy functions that ``isolation`` sets aside.
- ``call`` {name, exercise, args}: call the learner's function as the check would, with the
  course's earlier exercises and NumPy's own functions (``isolation``) and no call into the
  course's solution (``own_code``); answers {result, args (as the call left them), printed,
  raised: {type, message, line} or None, stopped: sentence or None}.
- ``values`` {names: {key: expression}}: {values: {key: value}, missing: {key: "Type: message"}}.

When stdin closes it answers once more, {cpu: seconds}, its own CPU time (the PID namespace
keeps it from the grader's accounting). Everything it prints goes into ``printed`` (at most PRINTED characters); the protocol keeps
its own copy of the original stdout.
"""

import contextlib
import inspect
import io
import linecache
import os
import resource
import sys

from nnutils.classroom.wire import decode, encode, read_frame, write_frame
from nnutils.grading import EXERCISES
from nnutils.grading.expect import Stopped, _failing_line, text_of
from nnutils.grading.isolation import isolated
from nnutils.grading.own_code import own_code_only

PRINTED = 4000

# Calls go through this trampoline, compiled as the learner's code, so that a learner's name
# bound to the course's own function (``sigmoid = reference.sigmoid``) counts as calling it.
TRAMPOLINE = eval(compile("lambda f: lambda *a, **k: f(*a, **k)", "<answer>", "eval"))


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
    with isolated(candidate, exercise, EXERCISES) as (earlier, numpy_names):
        return {"parameters": parameters, "earlier": list(earlier), "numpy": numpy_names}


def call(namespace, name, exercise, args):
    candidate = namespace[name]
    args = decode(args)
    printed = io.StringIO()
    answer = {"result": None, "raised": None, "stopped": None}
    with isolated(candidate, exercise, EXERCISES) as (earlier, _):
        guarded = own_code_only(TRAMPOLINE(candidate), exercise, earlier)
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                answer["result"] = encode(guarded(*args))
            except Stopped as stop:
                answer["stopped"] = str(stop)
            except BaseException as error:  # the learner's code: anything may come out
                answer["raised"] = {
                    "type": type(error).__name__,
                    "message": text_of(error)[:PRINTED],
                    "line": _failing_line(error),
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
