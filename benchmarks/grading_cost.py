"""What grading a class costs: the course's sandboxed grader against ``nbgrader autograde``.

    python benchmarks/grading_cost.py [--students N] [--lessons 01_data_visualisation ...]

Writes the nbgrader course of the lessons into a temporary folder, generates them, and
collects N copies of each lesson's full solution as N students' submissions. Then grades
the same submissions both ways, each command in a process of its own:
``nbgrader autograde LESSON`` (runs every cell, training included) and
``python -m nnutils.classroom autograde LESSON`` (runs the setup and answer cells in the
sandbox, the checks in the grader). CPU time is user + system of every process the command
started; a sandbox's, which its PID namespace keeps from that account, is what the grader
prints that its sandboxes reported. Each command has a fixed cost (Python, and nbgrader's imports:
about 3 s of CPU either way), measured once on a lesson without submissions; the table
shows, per lesson, the CPU time per submission beyond it (for the course's grader, the mean
it prints: each submission's worker and sandbox, measured around its grading), the wall
time per submission, and the ratio of nbgrader's CPU time to ours. Last, one student's lessons graded in one command
each way: that command's whole CPU and wall time. Both ways must give every submission full
marks.

Lesson 08 and 09 read CIFAR-10 from ``$NNUTILS_DATA``; when it is unset, a small fake set of
the real format is made (nbgrader's figures for those lessons then understate its cost).
Figures only: nothing is asserted about time.
"""

import argparse
import csv
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import record

from nnutils.classroom.collect import seal
from nnutils.classroom.course import write_course
from nnutils.progress import outline


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command, cwd, env, check=True):
    """(CPU seconds, wall seconds, output) of running ``command`` to its end; exits if it fails."""
    cpu, wall = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    sandboxes = sum(float(s) for s in re.findall(r"the sandboxes used ([0-9.]+) s", done.stdout))
    return children_cpu() - cpu + sandboxes, time.perf_counter() - wall, done.stdout


def per_submission(output):
    """The CPU seconds a submission took, as the course's grader reports it."""
    return float(re.search(r"([0-9.]+) s of CPU a submission", output)[1])


def full_marks(course, env, lesson, students):
    """True when the gradebook gives every student full marks in ``lesson``."""
    table = course / "grades.csv"
    subprocess.run(
        ["nbgrader", "export", f"--to={table}"],
        cwd=course,
        env=env,
        check=True,
        capture_output=True,
    )
    with open(table, newline="") as rows:
        scores = [r for r in csv.DictReader(rows) if r["assignment"] == lesson]
    return len(scores) == students and all(r["score"] == r["max_score"] for r in scores)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--lessons", nargs="+", default=list(outline()))
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="grading-cost-"))
    course = base / "course"
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        "JUPYTER_CONFIG_DIR": str(base / ".jupyter"),
    }
    if "NNUTILS_DATA" not in os.environ:
        sys.path.insert(0, str(Path(__file__).parents[1]))
        from tests.cifar_fixture import fake_cifar, write_folder

        write_folder(base / "data" / "cifar10", fake_cifar(per_batch=100, n_test=100))
        env["NNUTILS_DATA"] = str(base / "data")
        print(f"fake CIFAR-10 in {base / 'data'} (set NNUTILS_DATA for the real one)")
    try:
        write_course(course, data=env["NNUTILS_DATA"])
        subprocess.run(
            ["nbgrader", "generate_assignment", "*"],
            cwd=course,
            env=env,
            check=True,
            capture_output=True,
        )
        ways = {
            "nbgrader": lambda *what: ["nbgrader", "autograde", *what, "--force"],
            "sandbox": lambda *what: [
                sys.executable,
                "-m",
                "nnutils.classroom",
                "autograde",
                *what,
            ],
        }
        # What a command costs by itself: grading a lesson before anyone submitted it
        # (nbgrader then stops with an error, once it has loaded all it needs).
        fixed = {
            way: measured(command(args.lessons[0]), course, env, check=False)[0]
            for way, command in ways.items()
        }
        for lesson in args.lessons:
            for n in range(args.students):
                folder = course / "submitted" / f"student{n}" / lesson
                folder.mkdir(parents=True)
                shutil.copy(course / "source" / lesson / f"{lesson}.ipynb", folder)
                seal(folder)
        print(
            f"{args.students} submissions per lesson, {os.cpu_count()} cores; fixed CPU per "
            f"command: nbgrader {fixed['nbgrader']:.1f} s, sandboxed {fixed['sandbox']:.1f} s"
        )
        rows = [
            ("submissions per lesson", f"{args.students}"),
            (
                "fixed CPU per command (Python, imports)",
                f"nbgrader {fixed['nbgrader']:.1f} s, sandboxed {fixed['sandbox']:.1f} s",
            ),
        ]
        print(
            "| lesson | nbgrader CPU s per submission | wall s | sandboxed CPU s | wall s | "
            "CPU ratio |"
        )
        print("|---|---|---|---|---|---|")
        for lesson in args.lessons:
            row = {}
            for way, command in ways.items():
                cpu, wall, output = measured(command(lesson), course, env)
                if not full_marks(course, env, lesson, args.students):
                    sys.exit(f"{way}: not every solution got full marks in {lesson}")
                if way == "sandbox":  # the grader measures each submission itself
                    each = per_submission(output)
                else:
                    each = (cpu - fixed[way]) / args.students
                row[way] = (each, wall / args.students)
            (nb_cpu, nb_wall), (our_cpu, our_wall) = row["nbgrader"], row["sandbox"]
            print(
                f"| {lesson} | {nb_cpu:.1f} | {nb_wall:.1f} | {our_cpu:.2f} | {our_wall:.2f} "
                f"| {nb_cpu / our_cpu:.0f}x |"
            )
            rows.append(
                (
                    f"{lesson}, per submission: CPU s nbgrader / sandboxed (wall s)",
                    f"{nb_cpu:.1f} ({nb_wall:.1f}) / **{our_cpu:.2f}** ({our_wall:.2f}): "
                    f"{nb_cpu / our_cpu:.0f}x",
                )
            )
        one_student = {
            "nbgrader": ways["nbgrader"]("*", "--student=student0"),
            "sandbox": ways["sandbox"](*args.lessons, "--student", "student0"),
        }
        whole = {way: measured(command, course, env)[:2] for way, command in one_student.items()}
        (nb_cpu, nb_wall), (our_cpu, our_wall) = whole["nbgrader"], whole["sandbox"]
        print(
            f"| all {len(args.lessons)}, one student, one command (whole) | {nb_cpu:.1f} | "
            f"{nb_wall:.1f} | {our_cpu:.2f} | {our_wall:.2f} | {nb_cpu / our_cpu:.0f}x |"
        )
        rows.append(
            (
                f"all {len(args.lessons)} lessons of one student, one command (whole)",
                f"{nb_cpu:.1f} ({nb_wall:.1f}) / **{our_cpu:.2f}** ({our_wall:.2f}): "
                f"{nb_cpu / our_cpu:.0f}x",
            )
        )
        record("grading_cost", rows)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
