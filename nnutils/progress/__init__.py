"""Learner progress: the latest verdict of every check, and a table of them per lesson.

``check`` calls ``record(result)``. ``python -m nnutils.progress`` prints one table per
lesson (done, failing with the reason, not yet) and a total; ``show()`` displays the same
in a notebook. ``python -m nnutils.progress --run [FOLDER]`` first executes the lesson
notebooks in FOLDER (see ``nnutils.progress.run``) and shows the verdicts of that run alone.

The file is ``$NNUTILS_PROGRESS`` if set, else ``progress.json`` in the user's data folder
(``~/.local/share/nnutils`` on Linux, ``~/Library/Application Support/nnutils`` on macOS,
``%LOCALAPPDATA%\\nnutils`` on Windows). A write locks ``<file>.lock``, reads the file,
and replaces it atomically, so kernels writing at once lose nothing; a missing or corrupt
file reads as empty, and nothing here ever makes a check fail.
"""

import html
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from nnutils import display
from nnutils.settings import autograding

OUTLINE_FILE = Path(__file__).parent.parent / "exercises.json"  # by `python -m nnutils.authoring`
LOCK_WAIT = 5.0  # seconds a write waits for another writer before giving up
REASON_WIDTH = 90  # characters of a failure's reason in the text table

if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle):
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle):
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle):
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle):
        fcntl.flock(handle, fcntl.LOCK_UN)


def progress_file():
    """Path of the progress file: ``$NNUTILS_PROGRESS``, else the user's data folder."""
    override = os.environ.get("NNUTILS_PROGRESS")
    if override:
        return Path(override).expanduser()
    return Path(user_data_dir("nnutils", appauthor=False)) / "progress.json"


def outline():
    """The course's lessons in order: {stem: {"title": str, "exercises": [id, ...]}}."""
    return json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))


def status_of(result):
    """'passed', 'failed' or 'not written' for a CheckResult."""
    if result.passed:
        return "passed"
    return "not written" if result.not_written else "failed"


def record(result, path=None):
    """Store ``result`` (a CheckResult) as the latest verdict of its exercise.

    Skipped under nbgrader's autograder (the gradebook keeps those verdicts). Returns
    True when stored, False when the file could not be written (the check goes on).
    """
    if autograding():
        return False
    lesson = next(
        (stem for stem, info in outline().items() if result.exercise in info["exercises"]), ""
    )
    entry = {
        "lesson": lesson,
        "status": status_of(result),
        "message": "" if result.passed else result.messages[0].split("\n")[0],
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = Path(path) if path else progress_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            verdicts = load(path)
            verdicts[result.exercise] = entry
            _replace(path, {"version": 1, "exercises": verdicts})
    except OSError:
        return False
    return True


def load(path=None):
    """{exercise id: {"lesson", "status", "message", "time"}} from the file ({} if unreadable)."""
    path = Path(path) if path else progress_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        verdicts = data["exercises"]
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    if not isinstance(verdicts, dict):
        return {}
    return {k: v for k, v in verdicts.items() if isinstance(v, dict) and "status" in v}


@contextmanager
def _locked(path):
    """Hold an exclusive lock on ``<path>.lock``; TimeoutError after LOCK_WAIT seconds."""
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                _try_lock(handle)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {LOCK_WAIT} s") from None
                time.sleep(0.01)
        try:
            yield
        finally:
            _unlock(handle)


def _replace(path, data):
    """Write ``data`` as JSON to a temporary file beside ``path``, then rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- the table ------------------------------------------------------------------------


def rows(verdicts, only=None):
    """[(stem, title, [(exercise, state, reason)])] per lesson; state: done, failing, not yet.

    ``only``: the lesson stems to include (all by default).
    """
    table = []
    for stem, info in outline().items():
        if only is not None and stem not in only:
            continue
        lines = []
        for exercise in info["exercises"]:
            entry = verdicts.get(exercise, {})
            status = entry.get("status")
            if status == "passed":
                lines.append((exercise, "done", ""))
            elif status == "failed":
                lines.append((exercise, "failing", str(entry.get("message", ""))))
            elif status == "not written":
                lines.append((exercise, "not yet", "still raises NotImplementedError"))
            else:
                lines.append((exercise, "not yet", ""))
        table.append((stem, info["title"], lines))
    return table


def _counts(table):
    states = [state for _, _, lines in table for _, state, _ in lines]
    return {state: states.count(state) for state in ("done", "failing", "not yet")}, len(states)


def _total_line(table):
    counts, total = _counts(table)
    return (
        f"Total: {counts['done']} of {total} done, {counts['failing']} failing, "
        f"{counts['not yet']} not yet."
    )


def text(table):
    """The table as plain text: one block per lesson, then the total."""
    width = max((len(e) for _, _, lines in table for e, _, _ in lines), default=0)
    out = []
    for _, title, lines in table:
        done = sum(state == "done" for _, state, _ in lines)
        out.append(f"{title}: {done} of {len(lines)} done")
        for exercise, state, reason in lines:
            if len(reason) > REASON_WIDTH:
                reason = reason[: REASON_WIDTH - 3] + "..."
            out.append(f"  {state:<8} {exercise:<{width}}  {reason}".rstrip())
    out.append(_total_line(table))
    return "\n".join(out)


COLORS = {"done": "pass", "failing": "fail", "not yet": "muted"}  # display.PALETTE keys


def html_table(table):
    """The table as HTML, for a notebook."""
    parts = []
    for _, title, lines in table:
        done = sum(state == "done" for _, state, _ in lines)
        body = "".join(
            f"<tr><td style='color:{display.PALETTE[COLORS[state]]};font-weight:600;text-align:left'>{state}</td>"
            f"<td style='text-align:left'><code>{html.escape(exercise)}</code></td>"
            f"<td style='text-align:left'>{html.escape(reason)}</td></tr>"
            for exercise, state, reason in lines
        )
        parts.append(
            f"<b>{html.escape(title)}</b>: {done} of {len(lines)} done<table>{body}</table>"
        )
    parts.append(f"<p>{html.escape(_total_line(table))}</p>")
    return "<div>" + "".join(parts) + "</div>"


class Report:
    """A progress table that renders as text, or as HTML in a notebook."""

    def __init__(self, table):
        self.table = table

    def __str__(self):
        return text(self.table)

    def _repr_html_(self):
        return html_table(self.table)


def show(lesson=None, path=None):
    """Display the progress of one lesson (its file stem, e.g. "03_forward") or of all."""
    if autograding():
        print("Progress is not recorded under the autograder: the gradebook holds the scores.")
        return
    if lesson is not None and lesson not in outline():
        raise KeyError(f"no lesson {lesson!r}; lessons: {', '.join(outline())}")
    display.show(Report(rows(load(path), only=None if lesson is None else [lesson])))
