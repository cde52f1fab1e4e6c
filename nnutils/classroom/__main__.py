"""``python -m nnutils.classroom COMMAND``: the teacher's commands."""

import argparse
from pathlib import Path

from nnutils.classroom.autograde import autograde
from nnutils.classroom.course import write_course


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnutils.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    source = commands.add_parser("source", help="write the nbgrader course source into DEST")
    source.add_argument("dest", metavar="DEST", type=Path)
    grade = commands.add_parser(
        "autograde",
        help="grade the collected submissions of LESSON in a sandbox, into nbgrader's gradebook",
    )
    grade.add_argument("lesson", metavar="LESSON")
    grade.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder")
    grade.add_argument("--student", action="append", help="only this student (repeatable)")
    args = parser.parse_args(argv)
    if args.command == "source":
        write_course(args.dest)
    elif args.command == "autograde":
        autograde(args.course, args.lesson, args.student)


if __name__ == "__main__":
    main()
