"""``python -m nnutils.classroom COMMAND``: the teacher's commands."""

import argparse
from pathlib import Path

from nnutils.classroom.course import write_course


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnutils.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    source = commands.add_parser("source", help="write the nbgrader course source into DEST")
    source.add_argument("dest", metavar="DEST", type=Path)
    args = parser.parse_args(argv)
    if args.command == "source":
        write_course(args.dest)


if __name__ == "__main__":
    main()
