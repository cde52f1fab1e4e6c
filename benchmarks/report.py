"""What every benchmark shares: its peak memory, the machine's GEMM peak, and the page of figures.

``record(name, rows)`` replaces the section ``name`` of ``benchmarks/README.md`` with a table
of ``rows`` (what, figure), stamped with the date, the machine (processor, cores, load) and
the command that measured it. Figures reach the page only this way: no figure is typed in.
"""

import datetime
import os
import platform
import re
import resource
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from filelock import FileLock

from nnutils.files import atomic_write

PAGE = Path(__file__).with_name("README.md")


def peak_memory_mb():
    """Peak resident set size of this process, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gemm_peak(dtype=np.float32, n=2048, repeats=5):
    """This machine's FLOP/s in an n x n matrix product with NumPy's BLAS (all its threads), best of ``repeats``."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    b = a.T.copy()
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best


def timed(function):
    """Seconds that ``function()`` takes."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def machine():
    """'processor, N cores, load a / b / c' of this machine."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1).strip() if found else model
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load} (1, 5, 15 min) at the end"


def section(name, rows):
    """The page's section ``name``: its stamp and its table, between the two markers."""
    command = "python " + shlex.join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    today = datetime.date.today().isoformat()
    table = "\n".join(f"| {what} | {figure} |" for what, figure in rows)
    return (
        f"<!-- {name}: written by the script -->\n"
        f"Measured {today} on {machine()}: `{command}`\n\n"
        f"| what | figure |\n|---|---|\n{table}\n"
        f"<!-- end {name} -->"
    )


def record(name, rows):
    """Write ``rows`` [(what, figure)] as section ``name`` of the page (a new one at its end)."""
    start, end = f"<!-- {name}: written by the script -->", f"<!-- end {name} -->"
    block = re.compile(f"{re.escape(start)}.*?{re.escape(end)}", re.S)
    with FileLock(f"{PAGE}.lock", timeout=60):
        text = PAGE.read_text(encoding="utf-8")
        if block.search(text):
            text = block.sub(lambda _: section(name, rows), text)
        else:
            text = f"{text.rstrip()}\n\n### {name}\n\n{section(name, rows)}\n"
        atomic_write(PAGE, text)
    print(f"figures written to {PAGE} ({name})")
