"""``python -m nnutils.classroom COMMAND``: the teacher's commands (see TEACHING.md)."""

import argparse
from pathlib import Path

from nnutils.classroom import setup as class_setup
from nnutils.classroom.collect import collect
from nnutils.classroom.course import write_course
from nnutils.classroom.remote import EXERCISE_SECONDS
from nnutils.files import why_not_written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnutils.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    source = commands.add_parser("source", help="write the nbgrader course source into DEST")
    source.add_argument("dest", metavar="DEST", type=Path)
    source.add_argument(
        "--force", action="store_true", help="overwrite source notebooks edited since written"
    )
    hub = commands.add_parser(
        "setup",
        help="as root: write jupyterhub_config.py and nbgrader's config, set the class's permissions",
        description=class_setup.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hub.add_argument("--instructor", required=True, metavar="USER", help="the instructor's account")
    hub.add_argument("--students", required=True, metavar="GROUP", help="the students' Unix group")
    hub.add_argument(
        "--course-dir", type=Path, help="the instructor's course folder (default: ~USER/nn-course)"
    )
    hub.add_argument("--exchange", type=Path, default=class_setup.EXCHANGE)
    hub.add_argument("--data", type=Path, default=class_setup.DATA, help="CIFAR-10, shared")
    hub.add_argument("--config-dir", type=Path, default=class_setup.CONFIG_DIR)
    hub.add_argument("--course-id", default=class_setup.COURSE_ID)
    gather = commands.add_parser(
        "collect",
        help="nbgrader collect LESSON, then seal the collected copies against changes",
    )
    gather.add_argument("lesson", metavar="LESSON")
    gather.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder")
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
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "collect":  # collect passes the rest to nbgrader collect
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "source":
        source_command(args.dest, args.force)
    elif args.command == "setup":
        class_setup.setup(
            args.instructor,
            args.students,
            course_dir=args.course_dir,
            exchange=args.exchange,
            data=args.data,
            config_dir=args.config_dir,
            course_id=args.course_id,
        )
    elif args.command == "collect":
        collect(args.course, args.lesson, extra)
    elif args.command == "autograde":
        try:  # here, not above: the other commands run without nbgrader
            from nnutils.classroom.autograde import autograde
        except ModuleNotFoundError as error:
            raise SystemExit(
                f"autograde needs {error.name}: pip install -e '.[classroom]' in the course's folder."
            ) from None
        for lesson_name in args.lessons:
            autograde(args.course, lesson_name, args.student, seconds=args.seconds)


def source_command(dest, force):
    """Write the course source into ``dest``; an OS error is one line naming DEST and the cause."""
    try:
        kept = write_course(dest, force=force)
    except OSError as error:
        folder = Path(error.filename).parent if error.filename else dest
        raise SystemExit(
            f"Cannot write the course source in {dest}: "
            f"{why_not_written(error, folder)}, or choose another DEST."
        ) from None
    if kept:
        print(
            f"{len(kept)} edited notebook(s) kept as they are; "
            f"add --force to overwrite them with the course's."
        )


if __name__ == "__main__":
    main()
