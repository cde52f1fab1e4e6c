"""Learner progress: the latest verdict of every check, and a table of them per lesson.

``check`` calls ``record(result)``. ``python -m nnutils.progress`` prints one table per
lesson (done, failing with the reason, not yet) and a total; ``show()`` displays the same
in a notebook. ``python -m nnutils.progress --run [FOLDER]`` first executes the lesson
notebooks in FOLDER (see ``nnutils.progress.run``) and shows the verdicts of that run alone.

The file is ``$NNUTILS_PROGRESS`` if set, else ``progress.json`` in the user's data folder
(``~/.local/share/nnutils`` on Linux, ``~/Library/Application Support/nnutils`` on macOS,
``%LOCALAPPDATA%\\nnutils`` on Windows). A write locks ``<file>.lock`` (for ``LOCK_WAIT``
seconds at most), reads the file and replaces it atomically (through a symlink, to the file
it points to), so kernels writing at once lose nothing. A file that cannot be read is kept
aside as ``<file>.corrupt-<time>`` before a new one is begun; a folder, FIFO or device in
its place is left alone. Nothing here makes a check fail: ``record`` returns a one-line
note instead, which the check shows under its verdict.
"""

import html
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import filelock
from platformdirs import user_data_dir

from nnutils import display
from nnutils.files import NotAFile, atomic_write, read_file, why_not_written
from nnutils.settings import autograding

OUTLINE_FILE = Path(__file__).parent.parent / "exercises.json"  # by `python -m nnutils.authoring`
LOCK_WAIT = 2.0  # seconds a write waits for another writer before giving up
REASON_WIDTH = 90  # characters of a failure's reason in the text table
ELSEWHERE = "or set NNUTILS_PROGRESS to another file"


class ProgressError(Exception):
    """The progress file cannot be read or written; the message says why and what to do."""


class _Unreadable(ProgressError):
    """The progress file is there but does not hold progress (a typo, a truncated write)."""


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

    Skipped under nbgrader's autograder (the gradebook keeps those verdicts). Returns None,
    or one line for the learner: why the verdict was not saved, or that an unreadable file
    was kept aside. Never raises because of the file.
    """
    if autograding():
        return None
    lesson = next(
        (stem for stem, info in outline().items() if result.exercise in info["exercises"]), ""
    )
    entry = {
        "lesson": lesson,
        "status": status_of(result),
        "message": "" if result.passed else result.messages[0].split("\n")[0],
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return save({result.exercise: entry}, path)


def save(verdicts, path=None):
    """Add ``verdicts`` ({exercise: entry}, may be empty) to the progress file.

    Returns None, or one line: why nothing was saved ("progress not saved: ..."), or where
    an unreadable file was kept aside. ``python -m nnutils.progress`` saves nothing this way,
    to tell whether checks can.
    """
    path = Path(path) if path else progress_file()
    note = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(path.with_name(path.name + ".lock"), timeout=LOCK_WAIT):
            try:
                stored = _read(path)
            except _Unreadable as error:
                stored, note = (
                    {},
                    f"{error}; it is kept as {_keep_aside(path)}, and a new one begun.",
                )
            atomic_write(
                path,
                json.dumps(
                    {"version": 1, "exercises": stored | verdicts}, indent=1, sort_keys=True
                ),
            )
    except filelock.Timeout:
        return (
            f"progress not saved: another process held {path}.lock for {LOCK_WAIT:.0f} s; "
            "if a kernel is stuck, restart it."
        )
    except ProgressError as error:
        return f"progress not saved: {error}."
    except OSError as error:
        return f"progress not saved: {why_not_written(error, path.parent)}, {ELSEWHERE}."
    return note


def load(path=None):
    """{exercise id: {"lesson", "status", "message", "time"}} from the file ({} if unreadable)."""
    try:
        return _read(Path(path) if path else progress_file())
    except (ProgressError, OSError):
        return {}


def _read(path):
    """The verdicts in ``path`` ({} if it does not exist); ``ProgressError`` if they cannot be read.

    A folder, a FIFO or a device there is refused without waiting on it; content that is not
    a progress file (bad JSON, too deeply nested, another layout) raises ``_Unreadable``.
    """
    try:
        content = read_file(path)
    except FileNotFoundError:
        return {}
    except NotAFile as error:
        raise ProgressError(f"{path} is {error.strerror}: move it away, {ELSEWHERE}") from None
    except PermissionError as error:
        raise ProgressError(f"{path} cannot be read ({error.strerror}): make it readable") from None
    try:
        verdicts = json.loads(content)["exercises"]
        sound = all(
            isinstance(v, dict) and isinstance(v.get("status"), str) for v in verdicts.values()
        )
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise _Unreadable(f"{path} could not be read ({_what(error)})") from None
    if not sound:
        raise _Unreadable(f"{path} could not be read (an exercise without a status)")
    return verdicts


def _what(error):
    """A few words on why ``json.loads`` or the layout failed."""
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}: {error.msg}"
    return "not a progress file"


def _keep_aside(path):
    """Rename the file ``path`` (or the file it links to) to ``<name>.corrupt-<time>``; return that."""
    real = Path(os.path.realpath(path))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside, n = real.with_name(f"{real.name}.corrupt-{stamp}"), 1
    while os.path.lexists(aside):
        n += 1
        aside = real.with_name(f"{real.name}.corrupt-{stamp}-{n}")
    os.replace(real, aside)
    return aside


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


def text(table, problems=None):
    """The table as plain text: one block per lesson, then the total.

    ``problems``: {stem: why the headless run of that lesson stopped}, one line under its title.
    """
    width = max((len(e) for _, _, lines in table for e, _, _ in lines), default=0)
    out = []
    for stem, title, lines in table:
        done = sum(state == "done" for _, state, _ in lines)
        out.append(f"{title}: {done} of {len(lines)} done")
        if problems and problems.get(stem):
            out.append(f"  stopped: {problems[stem]}")
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
