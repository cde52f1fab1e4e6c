"""The estimated time of a prepared learner per lesson: reading plus exercises.

    python benchmarks/lesson_load.py [--record]

Reading: every word of the lesson's markdown cells (hints and collapsed notes included, as a
learner opens most of them) at 110 words per minute. Exercises: 10 minutes for each graded
item of the lesson's outline (``nnutils/exercises.json``: exercises and predict-then-run
questions alike). Code cells that are only run, and training time, are not counted. Prints a
table; ``--record`` also writes it to the benchmarks page.
"""

import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS_PER_MINUTE = 110
MINUTES_PER_EXERCISE = 10
WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def words(markdown):
    """The words of a markdown text, without its HTML tags and LaTeX commands."""
    text = re.sub(r"<[^>]+>", " ", markdown)
    text = re.sub(r"\\[A-Za-z]+", " ", text)
    return len(WORD.findall(text))


def lesson_loads():
    """[(lesson, words, items, minutes)] for each lesson of the outline."""
    outline = json.loads((ROOT / "nnutils" / "exercises.json").read_text(encoding="utf-8"))
    rows = []
    for lesson, entry in outline.items():
        nb = nbformat.read(ROOT / "notebooks" / f"{lesson}.ipynb", as_version=4)
        count = sum(words(c.source) for c in nb.cells if c.cell_type == "markdown")
        items = len(entry["exercises"])
        minutes = count / WORDS_PER_MINUTE + MINUTES_PER_EXERCISE * items
        rows.append((lesson, count, items, minutes))
    return rows


def main(argv):
    rows = lesson_loads()
    print(f"{'lesson':24s} {'words':>6s} {'items':>5s} {'minutes':>7s}")
    for lesson, count, items, minutes in rows:
        print(f"{lesson:24s} {count:6d} {items:5d} {minutes:7.0f}")
    if "--record" in argv:
        from report import record

        record(
            "lesson_load",
            [
                (f"{lesson}: {count} words, {items} graded items", f"{minutes:.0f} min")
                for lesson, count, items, minutes in rows
            ],
        )


if __name__ == "__main__":
    main(sys.argv[1:])
