"""``python -m nnutils.classroom COMMAND``: the teacher's commands."""

import argparse
from pathlib import Path

from nnutils.classroom.course import write_course
from nnutils.files import why_not_written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnutils.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    source = commands.add_parser("source", help="write the nbgrader course source into DEST")
    source.add_argument("dest", metavar="DEST", type=Path)
    source.add_argument(
        "--force", action="store_true", help="overwrite source notebooks edited since written"
    )
    args = parser.parse_args(argv)
    if args.command == "source":
        try:
            kept = write_course(args.dest, force=args.force)
        except OSError as error:
            folder = Path(error.filename).parent if error.filename else args.dest
            raise SystemExit(
                f"Cannot write the course source in {args.dest}: "
                f"{why_not_written(error, folder)}, or choose another DEST."
            ) from None
        if kept:
            print(
                f"{len(kept)} edited notebook(s) kept as they are; "
                f"add --force to overwrite them with the course's."
            )


if __name__ == "__main__":
    main()
