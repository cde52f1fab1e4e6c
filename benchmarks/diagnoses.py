"""How many of each lesson's cataloged mistakes get a specific message, not a generic one.

    python benchmarks/diagnoses.py

Runs the checks' tests (``tests/test_grading_*.py``) on seed 0 and records the verdict on
every wrong answer that a test hands to ``tests.checking.fails_with`` (a function) or
``values_fail_with`` (the answer to a question or a value exercise): the catalogue, one entry
per call, counted under the lesson whose outline (``nnutils/exercises.json``) lists the
exercise. A message is generic when its first line only says that values are wrong ("has
wrong values", "differs from the answer beyond its first digits", "is wrong: expected ...",
"the difference is ..., expected about ...", "could not be checked"); any other names a cause.
Writes the counts per lesson to the benchmarks page and prints the generic ones.
"""

import os
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["CHECK_SEEDS"] = "1"  # seed 0: one verdict per cataloged mistake

import pytest  # noqa: E402
from report import record  # noqa: E402

import tests.checking as checking  # noqa: E402
from nnutils.progress import outline  # noqa: E402

GENERIC = re.compile(
    r"has wrong values\.|differs from the answer beyond|is wrong: expected|could not be checked"
    r"|the difference is [^,;]+, expected about"
)


class Catalogue:
    """A pytest plugin that keeps the first verdict of every cataloged wrong answer."""

    def __init__(self):
        self.entries = []  # (lesson, test id, exercise, first line)
        self.test = ""
        self.lesson_of = {e: stem for stem, info in outline().items() for e in info["exercises"]}

    def pytest_runtest_setup(self, item):
        self.test = item.nodeid

    def record(self, exercise_id, result):
        test_file = self.test.split("::")[0].removeprefix("tests/test_grading_")
        lesson = self.lesson_of.get(exercise_id, test_file.removesuffix(".py"))
        self.entries.append((lesson, self.test, exercise_id, result.messages[0]))


def recording(helper, catalogue):
    """``helper`` (``fails_with`` or ``values_fail_with``), recording each verdict it returns."""

    def recorded(exercise_id, *args, **kwargs):
        result = helper(exercise_id, *args, **kwargs)
        catalogue.record(exercise_id, result)
        return result

    return recorded


def main():
    catalogue = Catalogue()
    helpers = [checking.fails_with, checking.values_fail_with]
    swaps = [(helper.__name__, helper, recording(helper, catalogue)) for helper in helpers]

    # The test modules import the helpers by name: replace them in each once it is imported.
    class Swap:
        def pytest_collection_modifyitems(self, items):
            for module in {item.module for item in items}:
                for name, helper, recorded in swaps:
                    if getattr(module, name, None) is helper:
                        setattr(module, name, recorded)

    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_grading_*.py"))
    os.chdir(ROOT)
    pytest.main(["-q", "-n", "0", "-p", "no:cacheprovider", *files], plugins=[catalogue, Swap()])

    counts = defaultdict(lambda: [0, 0])
    for lesson in outline():  # the course's order; lessons without cataloged mistakes show 0
        counts[lesson]
    generic = []
    for lesson, test, exercise_id, line in catalogue.entries:
        counts[lesson][1] += 1
        if GENERIC.search(line):
            generic.append(f"{test} ({exercise_id}): {line}")
        else:
            counts[lesson][0] += 1
    rows = [(f"{lesson}: specific / cataloged", f"{s} / {n}") for lesson, (s, n) in counts.items()]
    specific = sum(s for s, _ in counts.values())
    total = sum(n for _, n in counts.values())
    rows.append(("all lessons: specific / cataloged", f"{specific} / {total}"))
    for what, figure in rows:
        print(f"{what}: {figure}")
    print("generic:", *generic, sep="\n  ")
    record("Diagnoses of the cataloged mistakes", rows)


if __name__ == "__main__":
    main()
