"""The estimated time of a prepared learner per lesson: reading plus graded items.

    python benchmarks/lesson_load.py [--record]

Reading: every word of the lesson's markdown cells (hints and collapsed notes included, as a
learner opens most of them) at 110 words per minute. Graded items: 10 minutes for each item of
the lesson's outline (``nnutils/exercises.json``), exercises and predict-then-run questions
alike (a question is an item whose checker is in ``nnutils.grading.questions``). Code cells
that are only run, and training time, are not counted. Also counts the lesson's hints and how
many of them keep the answer in a second, nested level (``<details>`` in ``<details>``), so
that a learner gets a nudge before the answer. Prints a table; ``--record`` also writes it to
the benchmarks page.
"""

import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnutils.grading import EXERCISES  # noqa: E402

WORDS_PER_MINUTE = 110
MINUTES_PER_ITEM = 10
WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
HINT = "<details><summary>Hint</summary>"
ANSWER = "<details><summary>Show the answer</summary>"


def words(markdown):
    """The words of a markdown text, without its HTML tags and LaTeX commands."""
    text = re.sub(r"<[^>]+>", " ", markdown)
    text = re.sub(r"\\[A-Za-z]+", " ", text)
    return len(WORD.findall(text))


def hints(markdown):
    """(hints, hints whose answer sits in a nested level) of a markdown text: a hint's answer
    is nested when a "Show the answer" block opens before the hint's first ``</details>``."""
    opened = markdown.split(HINT)[1:]
    return len(opened), sum(ANSWER in text.split("</details>")[0] for text in opened)


def is_question(exercise_id):
    """True for a predict-then-run question, False for an exercise."""
    return EXERCISES[exercise_id].__module__.endswith(".questions")


def lesson_loads():
    """[{"lesson", "words", "exercises", "questions", "hints", "nested", "minutes"}] per
    lesson of the outline, in its order."""
    outline = json.loads((ROOT / "nnutils" / "exercises.json").read_text(encoding="utf-8"))
    rows = []
    for lesson, entry in outline.items():
        nb = nbformat.read(ROOT / "notebooks" / f"{lesson}.ipynb", as_version=4)
        markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
        questions = sum(map(is_question, entry["exercises"]))
        count, nested = (sum(column) for column in zip(*map(hints, markdown), strict=True))
        row = {
            "lesson": lesson,
            "words": sum(map(words, markdown)),
            "exercises": len(entry["exercises"]) - questions,
            "questions": questions,
            "hints": count,
            "nested": nested,
        }
        items = row["exercises"] + row["questions"]
        row["minutes"] = row["words"] / WORDS_PER_MINUTE + MINUTES_PER_ITEM * items
        rows.append(row)
    return rows


def count(n, noun):
    """'1 question', '2 questions'."""
    return f"{n} {noun}{'s' * (n != 1)}"


def main(argv):
    rows = lesson_loads()
    print(
        f"{'lesson':24s} {'words':>6s} {'exercises':>9s} {'questions':>9s} "
        f"{'answer nested / hints':>21s} {'minutes':>7s}"
    )
    for r in rows:
        nested = f"{r['nested']} / {r['hints']}"
        print(
            f"{r['lesson']:24s} {r['words']:6d} {r['exercises']:9d} {r['questions']:9d} "
            f"{nested:>21s} {r['minutes']:7.0f}"
        )
    if "--record" in argv:
        from report import record

        record(
            "lesson_load",
            [
                (
                    f"{r['lesson']}: {r['words']} words, {count(r['exercises'], 'exercise')}, "
                    f"{count(r['questions'], 'question')}; {r['nested']} of "
                    f"{count(r['hints'], 'hint')} keep the answer in the second level",
                    f"{r['minutes']:.0f} min",
                )
                for r in rows
            ],
        )


if __name__ == "__main__":
    main(sys.argv[1:])
