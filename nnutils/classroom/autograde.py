"""Class grading: ``python -m nnutils.classroom autograde LESSON``, in place of ``nbgrader autograde``.

For each collected submission (``submitted/STUDENT/LESSON/LESSON.ipynb``) the genuine checks
run in this process, which never runs student code: the submission's answer cells
(``lesson``) run in a sandboxed child (``jail``, ``sandbox``) and each checked function is
called there through a proxy (``remote``). Submissions are graded in parallel, one process
per core. The results go where ``nbgrader autograde`` puts them, so that Formgrader,
``nbgrader export``, ``generate_feedback`` and ``release_feedback`` work unchanged: the
scores into the gradebook (each check cell's points, or 0), and
``autograded/STUDENT/LESSON/LESSON.ipynb``: the instructor's notebook with the student's
answers, each check cell showing its verdict (a failure's message is its error output).

A submission that someone other than the grader could change after collection (a file or
folder not owned by the grader, or writable by others: collect with ``collect``, which
seals) is not run: every check fails, saying so.
"""

import contextlib
import io
import os
import resource
import shutil
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from nnutils.authoring.generate import render
from nnutils.classroom import lesson
from nnutils.classroom.remote import EXERCISE_SECONDS, Child, stand_ins
from nnutils.classroom.sandbox import PRINTED
from nnutils.grading import CheckResult, run_check
from nnutils.grading.expect import Stopped


def untrusted_reason(course, path):
    """Why the collected ``path`` may have been changed after collection, or ''."""
    submitted = Path(course) / "submitted"
    for item in [path, *path.parents]:
        if item == submitted.parent:
            return ""
        try:
            info = item.lstat()
        except FileNotFoundError:  # a missing notebook is graded as one without answers
            continue
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o002:
            return (
                f"the collected copy ({item.relative_to(submitted)}) could be changed after "
                "collection, so it was not graded: collect it with "
                "`python -m nnutils.classroom collect`."
            )
    return ""


def grade_submission(course, lesson_name, student, seconds=EXERCISE_SECONDS):
    """({exercise: (CheckResult, printed text)}, CPU seconds of its sandbox, CPU seconds of
    this process) of one student's submission; ``seconds``: the wall-clock time each
    exercise's check may take."""
    start = _own_cpu()
    plan = lesson.plan(Path(course) / "source" / lesson_name / f"{lesson_name}.ipynb")
    path = Path(course) / "submitted" / student / lesson_name / f"{lesson_name}.ipynb"
    reason = untrusted_reason(course, path)
    if reason:
        failed = {c.exercise: (CheckResult(c.exercise, False, [reason]), "") for c in plan.checks}
        return failed, 0.0, _own_cpu() - start
    grade_ids = {value for kind, value in plan.cells if kind == "answer"}
    answers = lesson.answers(path, grade_ids)
    child = Child(lesson.cells_to_run(plan, answers), seconds)
    try:
        results = {c.exercise: _checked(child, c) for c in plan.checks}
    finally:
        cpu = child.close()
    return results, cpu, _own_cpu() - start


def _own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _checked(child, check):
    """(CheckResult, printed text) of ``check`` on the child's function or values."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        if check.function:
            result = run_check(check.exercise, child.function(check.function))
        else:
            result = _values_check(child, check)
    return result, printed.getvalue()[:PRINTED]


def _values_check(child, check):
    try:
        values, missing = child.values(check.values)
    except Stopped as stop:
        return CheckResult(check.exercise, False, [str(stop)])
    if missing:
        key, error = next(iter(missing.items()))
        not_written = error.startswith("NotImplementedError")
        sentence = f"`{key}` is not set: running your cells raised {error}."
        return CheckResult(check.exercise, False, [sentence], not_written=not_written)
    return run_check(check.exercise, **values)


def feedback_notebook(plan, answers, results):
    """The instructor's notebook with the student's answers and each check's verdict."""
    nb = nbformat.from_dict(plan.notebook)
    for cell in nb.cells:
        meta = lesson.nbgrader_meta(cell)
        if meta.get("solution"):
            cell.source = answers.get(meta["grade_id"], "# (not in the submission)")
        elif meta.get("grade"):
            exercise = lesson.parse_check(cell.source)[0]
            result, printed = results[exercise]
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)] * bool(
                printed
            )
            if result.passed:
                cell.outputs.append(
                    nbformat.v4.new_output("stream", name="stdout", text=f"{result}\n")
                )
            else:
                cell.outputs.append(
                    nbformat.v4.new_output(
                        "error", ename="CheckFailed", evalue=str(result), traceback=[str(result)]
                    )
                )
    return nb


def record(course, lesson_name, student, results, gradebook):
    """Write one student's results: the autograded notebook and the gradebook's scores."""
    plan = lesson.plan(Path(course) / "source" / lesson_name / f"{lesson_name}.ipynb")
    submitted = Path(course) / "submitted" / student / lesson_name
    grade_ids = {value for kind, value in plan.cells if kind == "answer"}
    answers = lesson.answers(submitted / f"{lesson_name}.ipynb", grade_ids)
    folder = Path(course) / "autograded" / student / lesson_name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"{lesson_name}.ipynb").write_text(render(feedback_notebook(plan, answers, results)))
    for name in ("timestamp.txt", "submission_secret.txt"):  # as nbgrader autograde keeps them:
        kept = submitted / name  # release_feedback finds a student's feedback by the secret
        if not untrusted_reason(course, kept) and kept.is_file():
            shutil.copyfile(kept, folder / name)
    timestamp = None
    with contextlib.suppress(OSError, ValueError):
        timestamp = parse_utc((folder / "timestamp.txt").read_text()[:100].strip())
    gradebook.update_or_create_student(student)
    gradebook.update_or_create_submission(lesson_name, student, timestamp=timestamp)
    for check in plan.checks:
        grade = gradebook.find_grade(check.grade_id, lesson_name, lesson_name, student)
        grade.auto_score = check.points if results[check.exercise][0].passed else 0
    gradebook.db.commit()


def _grade_one(job):
    course, lesson_name, student, seconds = job
    return student, *grade_submission(course, lesson_name, student, seconds)


def autograde(course, lesson_name, students=None, workers=None, seconds=EXERCISE_SECONDS):
    """Grade every collected submission of ``lesson_name`` (or of ``students``) on ``workers``
    processes (one per core); returns {student: {exercise: (CheckResult, printed)}}."""
    course = Path(course).resolve()
    found = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{lesson_name}/"))
    students = [s for s in found if students is None or s in students]
    jobs = [(course, lesson_name, student, seconds) for student in students]
    lesson.plan(course / "source" / lesson_name / f"{lesson_name}.ipynb")  # before the fork
    stand_ins()
    graded, sandbox_cpu, grader_cpu = {}, 0.0, 0.0
    with (
        ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool,
        Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook,
    ):
        for student, results, cpu, own in pool.map(_grade_one, jobs):
            record(course, lesson_name, student, results, gradebook)
            graded[student], sandbox_cpu, grader_cpu = results, sandbox_cpu + cpu, grader_cpu + own
            score = sum(result.passed for result, _ in results.values())
            print(f"{lesson_name} {student}: {score} / {len(results)}")
    each = (sandbox_cpu + grader_cpu) / max(len(graded), 1)
    print(
        f"{lesson_name}: {len(graded)} graded; the sandboxes used {sandbox_cpu:.2f} s of CPU; "
        f"{each:.2f} s of CPU a submission, sandbox and checks"
    )
    return graded
