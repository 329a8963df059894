"""Time each notebook's execution and its kernel's peak memory; write the results to a file.

Usage (from the repository root, in the project's environment)::

    make benchmark                            # every notebooks/*.ipynb, one BLAS thread
    python benchmarks/notebooks.py            # the same, with this shell's BLAS threads
    python benchmarks/notebooks.py notebooks/03-*.ipynb

Each notebook runs in a fresh kernel, one after the other, exactly as nbval and ``make run``
run them (outputs are not written back); the whole series runs ``REPEATS`` times. The peak
resident memory is the kernel's, read from the operating system once the kernel has exited.
Each round starts with no stored fits (``PITY_FIT_CACHE`` points at a new, empty folder), as
in a fresh clone: the first notebook that needs the series' networks trains them and the later
ones load them (``helpers.models.fit_once``); a notebook timed alone trains its own.
The project's budgets on 2 CPU cores with one BLAS thread, each checked and reported: the whole
series at most 10 s times the number of notebooks, each notebook at most 20 s, no cell over 5 s
(each notebook's slowest cell, from the execution times nbclient records) and each kernel under
500 MB.
Results go to ``benchmarks/results/notebooks.md``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "notebooks.md"
#: The project's budgets (README, "How long it takes"): seconds of the whole series (at most),
#: of each notebook (at most), of each cell (at most), and each kernel's peak memory (below).
SERIES_SECONDS_PER_NOTEBOOK = 10.0
NOTEBOOK_SECONDS_TARGET = 20.0
CELL_SECONDS_TARGET = 5.0
MEMORY_TARGET_MB = 500.0
#: Whole runs of the series; the results give each notebook's median and fastest time.
REPEATS = 3

#: Run in a child process so that its RUSAGE_CHILDREN is the kernel's alone.
_ONE_NOTEBOOK = r"""
import json, resource, sys, time
from datetime import datetime
import nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(notebook, timeout=1200, kernel_name="python3", record_timing=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
cells = [0.0]
for cell in notebook.cells:
    timing = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
        begun, done = (datetime.fromisoformat(timing[key].replace("Z", "+00:00"))
                       for key in ("iopub.execute_input", "shell.execute_reply"))
        cells.append((done - begun).total_seconds())
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "slowest_cell": max(cells)}))
"""


def measure(notebook: Path, fit_cache: str) -> dict[str, float]:
    """Execute one notebook in a fresh kernel: its wall time (s), peak memory (MB), slowest cell (s)."""
    completed = subprocess.run(
        [sys.executable, "-c", _ONE_NOTEBOOK, str(notebook), str(notebook.parent)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PITY_FIT_CACHE": fit_cache},
    )
    if completed.returncode != 0:
        raise SystemExit(f"{notebook.name} failed to execute:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(paths: list[str], repeats: int = REPEATS) -> None:
    notebooks = [Path(p).resolve() for p in paths] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    threads = ", ".join(f"{name}={os.environ.get(name, 'unset')}"
                        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    seconds: dict[str, list[float]] = {notebook.name: [] for notebook in notebooks}
    peaks: dict[str, list[float]] = {notebook.name: [] for notebook in notebooks}
    slowest: dict[str, list[float]] = {notebook.name: [] for notebook in notebooks}
    for round_ in range(1, repeats + 1):  # whole rounds, so that a busy spell hits every notebook
        with tempfile.TemporaryDirectory(prefix="fits-") as fit_cache:  # no stored fits yet
            for notebook in notebooks:
                result = measure(notebook, fit_cache)
                seconds[notebook.name].append(result["seconds"])
                peaks[notebook.name].append(result["peak_mb"])
                slowest[notebook.name].append(result["slowest_cell"])
                print(f"round {round_}: {notebook.name}: {result['seconds']:.1f} s, "
                      f"slowest cell {result['slowest_cell']:.1f} s, "
                      f"peak {result['peak_mb']:.0f} MB", flush=True)
    rows = [(name, statistics.median(times), min(times), statistics.median(slowest[name]),
             max(peaks[name]))
            for name, times in seconds.items()]
    total = sum(median for _, median, *_ in rows)
    fastest = sum(least for _, _, least, *_ in rows)
    longest = max(rows, key=lambda row: row[1])
    longest_cell = max(rows, key=lambda row: row[3])
    peak = max(mb for *_, mb in rows)
    series_target = SERIES_SECONDS_PER_NOTEBOOK * len(rows)

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    verdict = (
        f"whole series {total:.1f} s, median of {repeats} runs (fastest runs: {fastest:.1f} s; "
        f"target at most {SERIES_SECONDS_PER_NOTEBOOK:.0f} s per notebook, {series_target:.0f} s: "
        f"{met(total <= series_target)}); "
        f"slowest notebook {longest[1]:.1f} s, {longest[0][:2]} (target at most "
        f"{NOTEBOOK_SECONDS_TARGET:.0f} s each: {met(longest[1] <= NOTEBOOK_SECONDS_TARGET)}); "
        f"slowest cell {longest_cell[3]:.1f} s, in {longest_cell[0][:2]} (target at most "
        f"{CELL_SECONDS_TARGET:.0f} s: {met(longest_cell[3] <= CELL_SECONDS_TARGET)}); "
        f"largest peak {peak:.0f} MB (target below {MEMORY_TARGET_MB:.0f} MB per kernel: "
        f"{met(peak < MEMORY_TARGET_MB)})"
    )
    print(verdict)
    lines = [
        "# Notebook execution time and peak memory",
        "",
        f"Command: `make benchmark` (`python benchmarks/notebooks.py` with one BLAS thread), "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. Each notebook in a fresh kernel, one after another, "
        f"the whole series {repeats} times, each time from no stored fits (notebook 03 trains the "
        "networks, later notebooks load them: `helpers.models.fit_once`); time includes starting "
        "the kernel. The machine is shared "
        "with other virtual machines, so single runs vary by up to ± 20 %: the median is the figure, "
        "the fastest run the least disturbed one.",
        f"BLAS threads: {threads}. Load average when the run started (1, 5, 15 min): {load}.",
        "",
        "| notebook | execution, median (s) | fastest (s) | slowest cell, median (s) | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
        *[f"| {name} | {median:.1f} | {least:.1f} | {cell:.1f} | {mb:.0f} |"
          for name, median, least, cell, mb in rows],
        f"| **total / largest** | **{total:.1f}** | **{fastest:.1f}** | **{longest_cell[3]:.1f}** "
        f"| **{peak:.0f}** |",
        "",
        verdict[0].upper() + verdict[1:] + ".",
        "",
    ]
    if not paths:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(lines))
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    started = time.perf_counter()
    main(sys.argv[1:])
    print(f"benchmark took {time.perf_counter() - started:.0f} s")
