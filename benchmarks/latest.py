"""Run the whole suite in an environment of the newest releases and record what happened.

Usage: ``make test-latest`` (it builds ``.venv-latest`` from requirements.txt without pins or
constraints, then runs this file with that environment's Python). The project's pins are not
touched: this shows what the next upgrade will break, before a reader meets it. Not part of
``.ci/run``: a release elsewhere must not block a landing.

Arguments are passed on to pytest (the Makefile passes the ``--ignore`` options of ``make test``).

Writes ``benchmarks/results/latest.md``: each core package's pinned and newest version, the
suite's summary line and every failing test with its first error line. Exits with pytest's code.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.md"
NBVAL_OPTIONS = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "nbval-sanitize.cfg"]


def pinned_versions() -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line of requirements.txt."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def main() -> int:
    pins = pinned_versions()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", "notebooks", *NBVAL_OPTIONS, "-q", "-rfE",
         "-p", "no:cacheprovider", *sys.argv[1:]],
        cwd=ROOT, capture_output=True, text=True,
    )
    output = run.stdout + run.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "test-latest.log").write_text(output)
    lines = output.splitlines()
    summary = next((l.strip("= ") for l in reversed(lines) if re.search(r"\d+ (passed|failed)", l)),
                   "no summary line (see _build/test-latest.log)")
    failures = [l for l in lines if l.startswith(("FAILED ", "ERROR "))]
    table = ["| package | pinned | newest (tested here) |", "|---|---|---|"]
    for name, pinned in pins.items():
        try:
            newest = metadata.version(name)
        except metadata.PackageNotFoundError:
            newest = "not installed"
        mark = "" if newest == pinned else " **(newer)**"
        table.append(f"| {name} | {pinned} | {newest}{mark} |")
    report = [
        "# The suite on the newest releases",
        "",
        f"`make test-latest`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python "
        f"{sys.version.split()[0]}: a fresh `.venv-latest` with the newest release of every "
        "package of requirements.txt (no pins, no constraints), then the whole suite "
        "(`pytest tests notebooks --nbval ...`, figures compared).",
        "",
        *table,
        "",
        f"**Result: {summary}.**",
        "",
    ]
    if failures:
        report += ["Failures (full log: `_build/test-latest.log`):", ""]
        report += [f"- `{f[:300]}`" for f in failures] + [""]
    RESULTS.write_text("\n".join(report))
    print(f"{summary}; written to {RESULTS.relative_to(ROOT)}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
