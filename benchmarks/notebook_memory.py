"""Peak memory of a lesson notebook, cell by cell, in a real kernel.

    python benchmarks/notebook_memory.py NOTEBOOK [--data DATA] [--folder DIR] [--quick]

Runs NOTEBOOK (a solved lesson, for example ``solutions/08_cifar10.ipynb``) top to bottom with
a fresh kernel in DIR (a temporary folder by default; give the same DIR to lesson 08 and then
lesson 09, which reads the files that lesson 08 saves; the executed notebook is written there
too), and prints for each code cell its wall time, the
kernel's peak resident memory during that cell (Linux resets the high-water mark,
``/proc/PID/clear_refs``, before each cell) and its resident memory after it. ``--data``
sets ``NNUTILS_DATA`` (a folder holding ``cifar10/``, so nothing is downloaded);
``--quick`` runs the reduced configuration of the tests. Needs Linux; figures only.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from report import record


def kernel_memory(pid):
    """(peak, current) resident memory of process ``pid`` in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--data", help="folder holding cifar10/ (NNUTILS_DATA)")
    parser.add_argument(
        "--folder", type=Path, help="where the notebook runs (default: a temporary one)"
    )
    parser.add_argument("--quick", action="store_true", help="the tests' reduced configuration")
    args = parser.parse_args()
    if args.data:
        os.environ["NNUTILS_DATA"] = str(Path(args.data).resolve())
    os.environ["COURSE_QUICK"] = "1" if args.quick else "0"
    notebook = nbformat.read(args.notebook, as_version=4)
    rows, clock = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        client = NotebookClient(
            notebook, timeout=None, resources={"metadata": {"path": str(folder)}}
        )

        def before(cell, cell_index, **_):
            Path(f"/proc/{client.km.provisioner.pid}/clear_refs").write_text("5")
            clock["start"] = time.perf_counter()

        def after(cell, cell_index, **_):
            peak, now = kernel_memory(client.km.provisioner.pid)
            seconds = time.perf_counter() - clock["start"]
            first_line = cell.source.splitlines()[0] if cell.source else ""
            rows.append((cell_index, seconds, peak, now, first_line))
            print(
                f"cell {cell_index:3d} {seconds:7.1f} s  peak {peak:6.0f} MB  after {now:6.0f} MB"
                f"  {first_line[:60]}",
                flush=True,
            )

        client.on_cell_execute, client.on_cell_executed = before, after
        client.execute()
        if args.folder:  # the executed notebook, outputs and all, to read what it printed
            nbformat.write(notebook, folder / args.notebook.name)
    worst = max(rows, key=lambda row: row[2])
    total = sum(row[1] for row in rows)
    print(f"peak {worst[2]:.0f} MB ({worst[2] / 1024:.2f} GiB) in cell {worst[0]}: {worst[4][:60]}")
    print(f"all cells: {total:.0f} s ({total / 60:.1f} min)")
    mode = "quick" if args.quick else "full"
    record(
        f"notebook_memory {args.notebook.stem} {mode}",
        [
            ("peak memory, cell by cell", f"**{worst[2] / 1024:.2f} GiB** (cell {worst[0]})"),
            ("all cells", f"{total / 60:.1f} min"),
        ],
    )


if __name__ == "__main__":
    main()
