"""Run All in JupyterLab, in a real (headless) browser, against ``make notebooks``, per notebook.

Usage (from the repository root, in the project's environment; ``make benchmark-lab``)::

    python benchmarks/jupyterlab.py              # every notebook, REPEATS rounds
    python benchmarks/jupyterlab.py --repeats 1 notebooks/03-*.ipynb

Three ways of executing each notebook, timed from the first cell to the last with the kernel
already started (starting a kernel is not part of Run All):

- ``make notebooks``: the cells run one after another by nbclient (what ``jupyter nbconvert
  --execute`` uses), with the Makefile's ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1``;
- ``jupyter lab`` (the README's command before ``make lab``): JupyterLab started with neither
  variable set, as a reader's shell has it; the notebook opened in Chromium and *Run → Run All
  Cells* pressed (the ``notebook:run-all-cells`` command), timed until every cell has run;
- ``binder/start jupyter lab``: the same, with JupyterLab started through Binder's start script,
  which sets the two variables as ``make lab`` does.

The notebooks run from a temporary copy, so that JupyterLab's autosave cannot touch them. Each
round runs every notebook in the three ways one after the other, so a busy spell of the shared
machine hits all three. Results go to ``benchmarks/results/jupyterlab.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "jupyterlab.md"
START_SCRIPT = ROOT / "binder" / "start"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
#: Run All within this factor of ``make notebooks`` (issue 14's target).
TARGET_RATIO = 1.2
REPEATS = 3
WAYS = ("make notebooks", "jupyter lab", "binder/start jupyter lab")

#: In a child process, so that the kernel gets exactly the environment given to it.
_NBCLIENT = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(notebook, timeout=1200, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}})
with client.setup_kernel():
    start = time.perf_counter()
    for index, cell in enumerate(notebook.cells):
        client.execute_cell(cell, index)
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds}))
"""

# Run in the JupyterLab page: wait for the notebook's kernel, press Run All, wait until every code
# cell has an execution count and the kernel is idle again. Returns the seconds and any errors.
_RUN_ALL = """async (path) => {
    const app = window.jupyterapp;
    const sleep = ms => new Promise(done => setTimeout(done, ms));
    const deadline = performance.now() + 1200 * 1000;
    const waitFor = async (condition, what) => {
        while (!condition()) {
            if (performance.now() > deadline) { throw new Error(`timed out waiting for ${what}`); }
            await sleep(50);
        }
    };
    // The notebook's own panel (not whatever tab JupyterLab restored or focused).
    const find = () => Array.from(app.shell.widgets("main"))
        .find(widget => widget.context && widget.context.path === path && widget.sessionContext);
    await waitFor(() => find(), `the panel of ${path}`);
    const panel = find();
    await panel.context.ready;
    await panel.sessionContext.ready;
    const kernel = () => panel.sessionContext.session && panel.sessionContext.session.kernel;
    await waitFor(() => kernel() && kernel().status === "idle", "an idle kernel");
    const cells = () => Array.from(panel.content.widgets).filter(cell => cell.model.type === "code");
    app.shell.activateById(panel.id);
    const start = performance.now();
    await app.commands.execute("notebook:run-all-cells");
    await waitFor(() => cells().every(cell => cell.model.executionCount !== null)
                  && kernel().status === "idle", "Run All to finish");
    const seconds = (performance.now() - start) / 1000;
    const errors = cells().flatMap(cell => {
        const outputs = cell.model.outputs;
        return Array.from({length: outputs.length}, (_, i) => outputs.get(i).toJSON())
            .filter(output => output.output_type === "error")
            .map(output => `${output.ename}: ${output.evalue}`);
    });
    const count = cells().length;
    await panel.sessionContext.shutdown();
    return {seconds, errors, cells: count};
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(threads: bool) -> dict[str, str]:
    """This process's environment, with the thread variables set to 1 or removed."""
    environment = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    if threads:
        environment.update({name: "1" for name in THREAD_VARIABLES})
    return environment


def run_like_make(notebook: Path) -> float:
    """Seconds to run every cell of ``notebook`` as ``make notebooks`` does."""
    completed = subprocess.run(
        [sys.executable, "-c", _NBCLIENT, str(notebook), str(notebook.parent)],
        capture_output=True, text=True, check=False, env=_environment(threads=True),
    )
    if completed.returncode != 0:
        raise SystemExit(f"{notebook.name} failed under nbclient:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])["seconds"]


@contextmanager
def jupyterlab_server(folder: Path, through_start_script: bool):
    """A JupyterLab server on a free port of 127.0.0.1 serving ``folder``; yields its base URL
    and token. Started through ``binder/start`` or directly, in both cases from an environment
    without the thread variables (the start script sets them)."""
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={folder}",
        f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
        "--ServerApp.allow_root=True",  # harmless for a user, needed where the benchmark runs as root
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if through_start_script:
        command = [str(START_SCRIPT), *command]
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(command, env=_environment(threads=False), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"JupyterLab did not start:\n{log.read().decode()[-3000:]}")
                time.sleep(0.2)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _chromium() -> Path:
    spec = importlib.util.spec_from_file_location("find_chromium", ROOT / "scripts" / "find_chromium.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["find_chromium"] = module
    spec.loader.exec_module(module)
    browser = module.find_chromium()
    print(f"browser: {browser.describe()}", flush=True)
    return browser.path


def run_all_in_lab(context, base: str, token: str, relative: str) -> float:
    """Open the notebook in JupyterLab, Run All, return the seconds; fail on an error output."""
    page = context.new_page()
    try:
        # ?reset: a fresh workspace, without the tabs of the previous notebook.
        page.goto(f"{base}/lab/tree/{relative}?reset&token={token}", wait_until="load")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=120_000)
        result = page.evaluate(_RUN_ALL, relative)
    finally:
        page.close()
    if result["errors"]:
        raise SystemExit(f"{relative} raised in JupyterLab: {result['errors']}")
    return result["seconds"]


def write_results(seconds: dict[str, dict[str, list[float]]], repeats: int, load: str, load_after: str) -> str:
    """Write the Markdown table; return the verdict sentence."""
    rows, worst = [], 0.0

    def rounds(values: list[float]) -> str:
        return "; ".join(f"{value:.1f}" for value in values)

    for name, ways in seconds.items():
        make, plain, started = (statistics.median(ways[way]) for way in WAYS)
        worst = max(worst, started / make)
        rows.append(f"| {name} | {make:.1f} ({rounds(ways[WAYS[0]])}) | {plain:.1f} ({plain / make:.2f}×; "
                    f"{rounds(ways[WAYS[1]])}) | {started:.1f} ({started / make:.2f}×; {rounds(ways[WAYS[2]])}) |")
    totals = [sum(statistics.median(ways[way]) for ways in seconds.values()) for way in WAYS]
    verdict = (
        f"Run All through binder/start (the thread settings of `make lab` and Binder) is at most "
        f"{worst:.2f}× `make notebooks` per notebook (target ≤ {TARGET_RATIO}×: "
        f"{'met' if worst <= TARGET_RATIO else 'NOT met'}); plain `jupyter lab` takes "
        f"{totals[1] / totals[0]:.1f}× as long for the whole series"
    )
    lines = [
        "# Run All in JupyterLab vs `make notebooks`",
        "",
        f"Command: `make benchmark-lab` (`python benchmarks/jupyterlab.py`), "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Machine: {platform.machine()}, "
        f"{os.cpu_count()} CPU cores (shared), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average (1, 5, 15 min) when the run "
        f"started: {load}, when it ended: {load_after}. Other work shared the machine: single "
        "runs vary, so each cell lists the rounds after the median, and the three ways of a "
        "round ran back to back.",
        "",
        "Seconds from the first cell to the last, the kernel already started; medians of "
        f"{repeats} rounds (each round runs every notebook the three ways, one after the other).",
        "",
        "- **make notebooks**: nbclient runs the cells one after another (as `jupyter nbconvert "
        "--execute` does) with `OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1`, the Makefile's settings.",
        "- **jupyter lab**: JupyterLab started without either variable (a reader's shell); the "
        "notebook opened in headless Chromium (Playwright) and Run All Cells pressed "
        "(`notebook:run-all-cells`), timed until every code cell has run and the kernel is idle.",
        "- **binder/start jupyter lab**: the same, JupyterLab started through Binder's start script, "
        "which sets the two variables (as `make lab` does).",
        "",
        "| notebook | make notebooks (s; rounds) | jupyter lab (s, × make; rounds) | "
        "binder/start jupyter lab (s, × make; rounds) |",
        "|---|---:|---:|---:|",
        *rows,
        f"| **series** | **{totals[0]:.1f}** | **{totals[1]:.1f} ({totals[1] / totals[0]:.2f}×)** | "
        f"**{totals[2]:.1f} ({totals[2] / totals[0]:.2f}×)** |",
        "",
        verdict + ".",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    return verdict


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebooks/NN-*.ipynb")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    arguments = parser.parse_args(argv)
    sources = ([Path(p).resolve() for p in arguments.notebooks]
               or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lab-benchmark-") as folder:
        copies = Path(folder) / "notebooks"
        copies.mkdir()
        for source in sources:
            shutil.copy2(source, copies / source.name)
        seconds = {source.name: {way: [] for way in WAYS} for source in sources}
        with (jupyterlab_server(Path(folder), through_start_script=False) as plain,
              jupyterlab_server(Path(folder), through_start_script=True) as started,
              sync_playwright() as playwright):
            browser = playwright.chromium.launch(
                executable_path=str(_chromium()),
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
            )
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(600_000)
            try:
                for round_ in range(1, arguments.repeats + 1):
                    for source in sources:
                        copy, relative = copies / source.name, f"notebooks/{source.name}"
                        times = seconds[source.name]
                        times[WAYS[0]].append(run_like_make(copy))
                        times[WAYS[1]].append(run_all_in_lab(context, *plain, relative))
                        times[WAYS[2]].append(run_all_in_lab(context, *started, relative))
                        print(f"round {round_}: {source.name}: " + ", ".join(
                            f"{way} {times[way][-1]:.1f} s" for way in WAYS), flush=True)
            finally:
                browser.close()
    if arguments.notebooks:
        print("(a subset of the notebooks: results not written)")
        return
    load_after = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(write_results(seconds, arguments.repeats, load, load_after))
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    started_at = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - started_at:.0f} s")
