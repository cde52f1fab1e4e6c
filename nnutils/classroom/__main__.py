"""``python -m nnutils.classroom COMMAND``: the teacher's commands."""

import argparse
from pathlib import Path

from nnutils.classroom.autograde import autograde
from nnutils.classroom.collect import collect
from nnutils.classroom.course import write_course
from nnutils.classroom.remote import EXERCISE_SECONDS


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnutils.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    source = commands.add_parser("source", help="write the nbgrader course source into DEST")
    source.add_argument("dest", metavar="DEST", type=Path)
    grade = commands.add_parser(
        "autograde",
        help="grade the collected submissions of each LESSON in a sandbox, into nbgrader's gradebook",
    )
    grade.add_argument("lessons", metavar="LESSON", nargs="+")
    grade.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder")
    grade.add_argument("--student", action="append", help="only this student (repeatable)")
    grade.add_argument(
        "--seconds",
        type=float,
        default=EXERCISE_SECONDS,
        help="wall-clock seconds one exercise's check may take (default %(default)s)",
    )
    gather = commands.add_parser(
        "collect",
        help="nbgrader collect LESSON, then seal the collected copies against changes",
    )
    gather.add_argument("lesson", metavar="LESSON")
    gather.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "collect":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "source":
        write_course(args.dest)
    elif args.command == "autograde":
        for lesson_name in args.lessons:
            autograde(args.course, lesson_name, args.student, seconds=args.seconds)
    elif args.command == "collect":
        collect(args.course, args.lesson, extra)


if __name__ == "__main__":
    main()
