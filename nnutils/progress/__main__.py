"""``python -m nnutils.progress [--run [FOLDER]]``: the progress table, in a terminal."""

import argparse
import tempfile
from pathlib import Path

from nnutils.progress import __doc__ as PROGRESS_DOC
from nnutils.progress import load, progress_file, rows, save, text
from nnutils.progress.run import CELL_TIMEOUT, run_folder


def main(argv=None):
    """Print the table; returns the exit status, 1 after a note on the file or a lesson cut short."""
    parser = argparse.ArgumentParser(prog="python -m nnutils.progress", description=PROGRESS_DOC)
    parser.add_argument(
        "--run",
        nargs="?",
        const=".",
        metavar="FOLDER",
        help="execute the lesson notebooks in FOLDER (default: here) and show their verdicts",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=CELL_TIMEOUT,
        metavar="SECONDS",
        help=f"with --run: seconds one cell may run (default {CELL_TIMEOUT})",
    )
    args = parser.parse_args(argv)
    if args.run is None:
        path = progress_file()
        note = save({}, path)  # saves no verdict: tells whether checks can save theirs
        print(note if note else f"Progress recorded in {path}", end="\n\n")
        print(text(rows(load(path))))
        return 1 if note else 0
    with tempfile.TemporaryDirectory(prefix="nnutils-progress-") as scratch:
        path = Path(scratch) / "progress.json"
        problems = run_folder(Path(args.run), path, args.timeout)
        print(text(rows(load(path), only=list(problems)), problems))
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
