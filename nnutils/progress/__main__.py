"""``python -m nnutils.progress [--run [FOLDER]]``: the progress table, in a terminal."""

import argparse
import tempfile
from pathlib import Path

from nnutils.progress import __doc__ as PROGRESS_DOC
from nnutils.progress import load, progress_file, rows, text
from nnutils.progress.run import run_folder


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnutils.progress", description=PROGRESS_DOC)
    parser.add_argument(
        "--run",
        nargs="?",
        const=".",
        metavar="FOLDER",
        help="execute the lesson notebooks in FOLDER (default: here) and show their verdicts",
    )
    args = parser.parse_args(argv)
    if args.run is None:
        path = progress_file()
        print(f"Progress recorded in {path}\n")
        print(text(rows(load(path))))
        return
    with tempfile.TemporaryDirectory(prefix="nnutils-progress-") as scratch:
        path = Path(scratch) / "progress.json"
        ran = run_folder(Path(args.run), path)
        print(text(rows(load(path), only=ran)))


if __name__ == "__main__":
    main()
