"""How many of each lesson's cataloged mistakes get a specific message, not a generic one.

    python benchmarks/diagnoses.py

Runs the checks' tests (``tests/test_grading_*.py``) on seed 0 and records the verdict on
every wrong answer that a test hands to ``tests.checking.fails_with``: the catalogue, one
entry per call. A message is generic when its first line only says that values are wrong
("has wrong values", "differs from the answer beyond its first digits", "is wrong:
expected ...", "could not be checked"); any other names a cause. Writes the counts per
lesson to the benchmarks page and prints the generic ones.
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

GENERIC = re.compile(
    r"has wrong values\.|differs from the answer beyond|is wrong: expected|could not be checked"
)


class Catalogue:
    """A pytest plugin that keeps the first verdict of every ``fails_with`` call."""

    def __init__(self):
        self.entries = []  # (lesson, test id, exercise, first line)
        self.test = ""

    def pytest_runtest_setup(self, item):
        self.test = item.nodeid

    def record(self, exercise_id, result):
        lesson = self.test.split("::")[0].removeprefix("tests/test_grading_").removesuffix(".py")
        self.entries.append((lesson, self.test, exercise_id, result.messages[0]))


def main():
    catalogue = Catalogue()
    fails_with = checking.fails_with

    def recording(exercise_id, candidate, *words, seeds=checking.SEEDS):
        result = fails_with(exercise_id, candidate, *words, seeds=seeds)
        catalogue.record(exercise_id, result)
        return result

    # The test modules import fails_with by name: replace it in each once it is imported.
    class Swap:
        def pytest_collection_modifyitems(self, items):
            for module in {item.module for item in items}:
                if getattr(module, "fails_with", None) is fails_with:
                    module.fails_with = recording

    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_grading_*.py"))
    os.chdir(ROOT)
    pytest.main(["-q", "-n", "0", "-p", "no:cacheprovider", *files], plugins=[catalogue, Swap()])

    counts = defaultdict(lambda: [0, 0])
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
