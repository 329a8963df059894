"""Benchmark: training for robustness, certified and checked exactly (notebook 08, issue 27).

Three networks per seed, all :func:`helpers.models.mnist_standard_network` (784-50-20-10, ReLU)
on the bundled digits with the series' split (a quarter held out, seed 0):

- ``standard``: trained as the series trains it (``fit``);
- ``pgd``: adversarially trained at eps = 0.1 (pixels in [0, 1]) with PGD, 10 steps from a random
  start (Madry et al. 2018), :class:`helpers.training.AdversarialMLPClassifier`: 40 epochs, the
  size growing from 0 over the first 10;
- ``fgsm``: the same with one FGSM step of 1.25 eps from a random start (Wong, Rice and Kolter
  2020).

On 200 test digits (the same for every network: ``np.random.default_rng(0).permutation`` of
the 1,250, the first 200), at eps = 0.05 and 0.1, the share that each network classifies
correctly and

- PGD does not fool (what PGD claims): ``attacks.pgd``, 20 steps, from the digit and from 2
  random starts;
- the bounds certify (``attacks.certified_at``: interval bounds; LP-tightened bounds);
- no change fools, decided exactly (MIPVerify's measure, Tjeng et al. 2019): a fooling change
  found by PGD (at eps, or by ``smallest_pgd``'s bisection below it) says no; else an LP
  certificate says yes; else the MILP feasibility problem ``attacks.adversarial_within_relu``
  decides within 60 s (or not: "undecided").

Also per network: clean accuracy (all 1,250 test digits), training time, and Hein et al.'s two
far-away numbers (``ood.far_away_summary``: 60 noise images, scales 1 to 10^4). For the series'
seed (21) also, per digit: the certified radii (interval, LP), the exact minimum
(``attacks.minimal_perturbation_relu``, 60 s per digit, from PGD's fooling change), PGD's
smallest size, and the units whose sign the bounds fix at eps = 0.1.

Run from the repository root, one BLAS thread (two processes on the 2 cores share the jobs)::

    export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
    run=".venv/bin/python benchmarks/robust.py"
    $run train                                  # seeds 21 and 0-8
    for seed in 21 0 1 2 3 4 5 6 7 8; do for network in standard pgd fgsm; do
        $run measure --network $network --seed $seed      # two such loops, other seeds
    done; done
    $run minima --network standard --n-digits 100
    $run minima --network pgd --n-digits 50
    $run summary

``train`` saves every network with ``fitcache.save_fit`` in ``data/robust-fits/`` (git-ignored)
with its training time, and seed 21's PGD-trained network also in
``benchmarks/results/robust-pgd-seed21.npz``, which notebook 08 loads (committed: training it
takes about a minute, beyond the notebook's budget). ``measure`` and ``minima`` append one line
per digit to ``benchmarks/results/robust-<network>-seed<seed>.jsonl`` and
``robust-minima-<network>.jsonl`` (a run can be stopped and resumed; another process may take
other jobs). ``summary`` writes ``robust.csv`` (one row per network and seed),
``robust-digits.csv`` (seed 21, one row per network and digit) and ``robust.md``. Targets
(issue 27): exact robust accuracy at eps = 0.1 after PGD training >= 0.5 and >= 3 times the
standard network's; >= 99 % of the trained network's 200 digits decided within 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import attacks, data, fitcache, models, ood
from helpers.training import AdversarialMLPClassifier

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FITS = ROOT / "data" / "robust-fits"
COMMITTED = RESULTS / "robust-pgd-seed21.npz"
#: Seed 21's PGD training without the warm-up (at the full size from the first step).
NO_WARMUP = RESULTS / "robust-no-warmup.json"
NETWORKS = ("standard", "pgd", "fgsm")
SEEDS = (models.MNIST_SEED, *range(9))
TRAINING = {"eps": 0.1, "n_steps": 10, "epochs": 40, "warmup_epochs": 10}
EPSILONS = (0.05, 0.1)
N_DIGITS = 200
TIME_LIMIT = 60.0
CLIP = (0.0, 1.0)
#: The papers' settings, for robust.md (from their code and abstracts).
LITERATURE = (
    "Madry et al. 2018 (MadryLab/mnist_challenge, config.json): a CNN (convolutions of 32 and "
    "64 filters, 1,024 units), MNIST's 60,000 digits, eps = 0.3, PGD 40 steps of 0.01 from a "
    "random start, 100,000 batches of 50; its white-box leaderboard: 88.0 % accuracy at "
    "eps = 0.3 under the strongest attack submitted.",
    "Wong, Rice and Kolter 2020 (locuslab/fast_adversarial, MNIST/train_mnist.py): a CNN "
    "(convolutions of 16 and 32 filters, 100 units), 60,000 digits, eps = 0.3, FGSM step 0.375 "
    "(1.25 eps) from a random start, 10 epochs, cyclic learning rate up to 5e-3; evaluated by "
    "PGD, 50 steps of 0.01, 10 restarts.",
    "Tjeng, Xiao and Tedrake 2019: the exact adversarial accuracy of an MNIST classifier at "
    "eps = 0.1 (MIPVerify, Gurobi): adversarial examples for 4.38 % of the test digits, "
    "certificates for the rest.",
    "Xiao et al. 2019: weight sparsity alone turned intractable exact verification tractable; "
    "ReLU stability gave a further 4-13x speed-up (their training adds an L1 penalty, pruning "
    "and a ReLU-stability loss to adversarial training).",
)
#: PGD's runs at a fixed size: from the digit, then from random starts (seeds 1, 2).
PGD_STARTS = 3
PGD_STEPS = 20


def split():
    """The series' split of the bundled digits 0-9."""
    X, y = data.load_mnist_digits(digits=tuple(range(10)))
    return data.split_digits(X, y, test_size=0.25, random_state=0)


def benchmark_rows(n_test: int) -> np.ndarray:
    """The benchmark's test digits: the first 200 of a seeded permutation of the test split."""
    return np.random.default_rng(0).permutation(n_test)[:N_DIGITS]


def trainer(name: str, seed: int):
    """The estimator that trains network ``name`` at ``seed``."""
    base = models.mnist_standard_network(seed)
    if name == "standard":
        return base
    return AdversarialMLPClassifier(base, attack=name, random_state=seed, **TRAINING)


def _fit_path(name: str, seed: int) -> Path:
    return FITS / f"{name}-seed{seed}.npz"


def train(seeds) -> None:
    X_train, _, y_train, _ = split()
    for seed in seeds:
        for name in NETWORKS:
            path = _fit_path(name, seed)
            if path.exists():
                continue
            start = time.perf_counter()
            fitted = trainer(name, seed).fit(X_train, y_train)
            seconds = time.perf_counter() - start
            net = fitted if name == "standard" else fitted.network_
            fitcache.save_fit(net, path)
            path.with_suffix(".json").write_text(json.dumps({
                "train seconds": seconds, "epochs": int(getattr(net, "n_iter_", 0))
                if name == "standard" else TRAINING["epochs"],
                "load average": os.getloadavg()[0]}))
            if name == "pgd" and seed == models.MNIST_SEED:
                fitcache.save_fit(net, COMMITTED)
            print(f"{name}, seed {seed}: {seconds:.1f} s", flush=True)
    if models.MNIST_SEED in seeds and not NO_WARMUP.exists():  # why the warm-up
        X_test, y_test = split()[1::2]
        fitted = AdversarialMLPClassifier(models.mnist_standard_network(models.MNIST_SEED),
                                          attack="pgd", random_state=models.MNIST_SEED,
                                          **(TRAINING | {"warmup_epochs": 0}))
        fitted.fit(X_train, y_train)
        NO_WARMUP.write_text(json.dumps({
            "clean accuracy": fitted.score(X_test, y_test),
            "last epoch loss": fitted.loss_curve_[-1]}))


def load(name: str, seed: int):
    """Network ``name`` trained at ``seed`` (by ``train``)."""
    return fitcache.load_fit(_fit_path(name, seed), models.mnist_standard_network(seed))


def _progress(name: str, seed: int) -> Path:
    return RESULTS / f"robust-{name}-seed{seed}.jsonl"


def _read(path: Path) -> dict[int, dict]:
    if not path.exists():
        return {}
    return {r["row"]: r for r in map(json.loads, path.read_text().splitlines()) if r}


def _append(path: Path, record: dict) -> None:
    with path.open("a") as out:
        out.write(json.dumps(record) + "\n")


def pgd_fools(net, X: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """Whether any of PGD's runs at size ``eps`` (from the digit, from random starts) fools."""
    fooled = np.zeros(len(X), dtype=bool)
    for start in range(PGD_STARTS):
        changed = attacks.pgd(net, X, y, eps, n_steps=PGD_STEPS, random_start=start > 0,
                              random_state=start)
        fooled |= net.predict(changed) != y
    return fooled


def decide(net, x: np.ndarray, eps: float, attacked: bool) -> tuple[str, float, bool | None]:
    """Exact robustness of one correctly classified digit at ``eps``: ``"attack"`` (a fooling
    change found), ``"certified"`` (LP bounds), ``"milp none"`` / ``"milp adversarial"`` (the
    MILP's proof or change), or ``"undecided"``; the seconds the certificate and the MILP
    took; and whether the LP bounds certify (None where an attack fooled: no sound bound can
    certify there, so it is not computed)."""
    if attacked:
        return "attack", 0.0, None
    start = time.perf_counter()
    certified = bool(attacks.certified_at(net, x, eps, time_limit=TIME_LIMIT)[0])
    if certified:
        return "certified", time.perf_counter() - start, certified
    left = max(TIME_LIMIT - (time.perf_counter() - start), 1e-3)
    answer = attacks.adversarial_within_relu(net, x, eps, time_limit=left)[0]
    verdict = {"none": "milp none", "adversarial": "milp adversarial"}.get(answer, "undecided")
    return verdict, time.perf_counter() - start, certified


def measure(name: str, seed: int) -> None:
    _, X_test, _, y_test = split()
    rows = benchmark_rows(len(X_test))
    net = load(name, seed)
    X, y = X_test[rows], y_test[rows]
    correct = net.predict(X) == y
    smallest = attacks.smallest_pgd(net, X, y)
    fooled = {eps: pgd_fools(net, X, y, eps) for eps in EPSILONS}
    progress = _progress(name, seed)
    done = _read(progress)
    for i, row in enumerate(rows):
        if int(row) in done:
            continue
        record = {"row": int(row), "label": int(y[i]), "correct": bool(correct[i]),
                  "pgd smallest": float(smallest.eps[i])}
        for eps in EPSILONS:
            record[f"pgd fooled {eps}"] = bool(fooled[eps][i])
            if not correct[i]:
                continue
            record[f"interval certified {eps}"] = bool(
                attacks.certified_at(net, X[i], eps, bounds="interval")[0])  # microseconds
            witness = bool(fooled[eps][i] or smallest.eps[i] <= eps)
            (record[f"exact {eps}"], record[f"exact seconds {eps}"],
             record[f"lp certified {eps}"]) = decide(net, X[i], eps, witness)
        _append(progress, record)


def minima(name: str, n_digits: int) -> None:
    """Seed 21: certified radii, exact minimum and fixed-sign units per correct digit."""
    _, X_test, _, y_test = split()
    rows = benchmark_rows(len(X_test))
    net = load(name, models.MNIST_SEED)
    rows = rows[net.predict(X_test[rows]) == y_test[rows]][:n_digits]
    X, y = X_test[rows], y_test[rows]
    smallest = attacks.smallest_pgd(net, X, y)
    progress = RESULTS / f"robust-minima-{name}.jsonl"
    done = _read(progress)
    for i, row in enumerate(rows):
        if int(row) in done:
            continue
        x = X[[i]]
        known = x + smallest.delta[[i]] if smallest.fooled[i] else np.full_like(x, np.nan)
        exact = attacks.minimal_perturbation_relu(net, x, x_fooling=known,
                                                  time_limit=TIME_LIMIT, clip=CLIP)
        high = exact.eps[0] if np.isfinite(exact.eps[0]) else None
        record = {"row": int(row), "label": int(y[i]), "pgd smallest": float(smallest.eps[i]),
                  "exact": float(exact.eps[0]), "status": exact.status[0],
                  "lower bound": float(exact.lower_bound[0]),
                  "solve seconds": float(exact.solve_time[0]),
                  "binaries": int(exact.n_binaries[0]),
                  "fooled": bool(np.isfinite(exact.eps[0])
                                 and net.predict(exact.x_adv)[0] != y[i])}
        for bounds in ("interval", "lp"):
            start = time.perf_counter()
            record[f"{bounds} radius"] = float(attacks.certified_radius(
                net, x, bounds=bounds, upper_bound=high)[0])
            record[f"{bounds} seconds"] = time.perf_counter() - start
            record[f"{bounds} fixed units 0.1"] = attacks.fixed_sign_units(
                net, x, 0.1, bounds=bounds)[0].tolist()
        _append(progress, record)


def _share(mask) -> float:
    return round(float(np.mean(mask)), 4)


def seed_table() -> pd.DataFrame:
    """One row per network and seed whose 200 digits are all measured."""
    _, X_test, _, y_test = split()
    noise = np.random.default_rng(0).uniform(size=(60, X_test.shape[1]))
    alphas = np.geomspace(1.0, 1e4, 13)
    rows = []
    for name in NETWORKS:
        for seed in SEEDS:
            answers = _read(_progress(name, seed))
            if len(answers) < N_DIGITS:
                continue
            frame = pd.DataFrame(list(answers.values()))
            net = load(name, seed)
            trained = json.loads(_fit_path(name, seed).with_suffix(".json").read_text())
            row = {"network": name, "seed": seed,
                   "clean accuracy": round(float(net.score(X_test, y_test)), 4),
                   "train seconds": round(trained["train seconds"], 1),
                   "load average (training)": round(trained["load average"], 1)}
            for eps in EPSILONS:
                correct = frame["correct"].to_numpy()
                verdict = frame[f"exact {eps}"].fillna("misclassified")
                seconds = frame[f"exact seconds {eps}"].fillna(0.0)
                worked = verdict.isin(["certified", "milp none", "milp adversarial",
                                       "undecided"])
                row |= {f"PGD {eps}": _share(correct & ~frame[f"pgd fooled {eps}"]),
                        f"interval {eps}": _share(frame[f"interval certified {eps}"]
                                                  .fillna(False).astype(bool)),
                        f"LP {eps}": _share(frame[f"lp certified {eps}"]
                                            .fillna(False).astype(bool)),
                        f"exact {eps}": _share(verdict.isin(["certified", "milp none"])),
                        f"undecided {eps}": int((verdict == "undecided").sum()),
                        f"MILP {eps}": int(verdict.str.startswith("milp").sum()),
                        f"decision seconds median {eps}": round(float(
                            seconds[worked].median()), 2) if worked.any() else 0.0,
                        f"decision seconds max {eps}": round(float(seconds.max()), 2)}
            rays = ood.relu_ray_limits(net, noise, alphas)
            row |= {key: round(value, 4) for key, value in
                    ood.far_away_summary(net, noise, alphas).items()}
            row |= {"clipped share below 10": round(ood.confident_share_clipped(
                        net, noise, alphas[alphas < 10], 0.95), 4),
                    "all-ink confidence": round(float(
                        net.predict_proba(np.ones((1, noise.shape[1]))).max()), 4),
                    "rays settled": int(np.isfinite(rays["alpha"]).sum()),
                    "ray limit confidence min": round(float(rays["limit confidence"].min()), 4)}
            rows.append(row)
    return pd.DataFrame(rows)


def digit_table() -> pd.DataFrame:
    """Seed 21, one row per network and digit: the three numbers and the solver's work."""
    frames = []
    for name in NETWORKS:
        answers = _read(RESULTS / f"robust-minima-{name}.jsonl")
        if not answers:
            continue
        frame = pd.DataFrame(list(answers.values()))
        decided = _read(_progress(name, models.MNIST_SEED))
        frame["exact 0.1"] = [decided.get(r, {}).get("exact 0.1") for r in frame["row"]]
        for bounds in ("interval", "lp"):
            units = np.array(frame.pop(f"{bounds} fixed units 0.1").tolist())
            frame[f"{bounds} fixed units 0.1"] = units.sum(axis=1)
        frames.append(frame.rename(columns={"row": "test_row"}).assign(network=name))
    table = pd.concat(frames, ignore_index=True)
    return table[["network", *[c for c in table.columns if c != "network"]]]


def _spread(values) -> str:
    return ood.spread(np.asarray(values, dtype=float), 3)


def summary() -> None:
    seeds, digits = seed_table(), digit_table()
    seeds.to_csv(RESULTS / "robust.csv", index=False)
    digits.to_csv(RESULTS / "robust-digits.csv", index=False)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    lines = [
        "# Training for robustness, certified and checked exactly", "",
        "Produced by `benchmarks/robust.py` (commands in its docstring; one BLAS thread).", "",
        f"- summary written: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
        f"cores, {platform.platform()}; load average (1, 5, 15 min) at the summary: "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        f"- Python {platform.python_version()}; numpy {version('numpy')}, scikit-learn "
        f"{version('scikit-learn')}, highspy {version('highspy')}",
        f"- training: {TRAINING}; 200 test digits; time limit {TIME_LIMIT:g} s per digit", "",
        "## Robust accuracy over seeds: median [min, max]", "",
        "Share of the 200 digits classified correctly and robust at eps; `exact` counts the "
        "digits proven robust (undecided digits counted as not robust).", "",
        "| network | seeds | clean accuracy | eps | PGD | interval | LP | exact | undecided "
        "| train s |", "| --- | ---: | --- | ---: | --- | --- | --- | --- | ---: | --- |"]
    for name in NETWORKS:
        part = seeds[seeds["network"] == name]
        for eps in EPSILONS:
            lines.append(
                f"| {name} | {len(part)} | {_spread(part['clean accuracy'])} | {eps} | "
                f"{_spread(part[f'PGD {eps}'])} | {_spread(part[f'interval {eps}'])} | "
                f"{_spread(part[f'LP {eps}'])} | {_spread(part[f'exact {eps}'])} | "
                f"{int(part[f'undecided {eps}'].sum())} | {_spread(part['train seconds'])} |")
    lines += ["", "## Targets (issue 27)", ""]
    both = seeds[seeds["network"] == "standard"].merge(
        seeds[seeds["network"] == "pgd"], on="seed", suffixes=(" standard", " pgd"))
    if not both.empty:
        robust, before = both["exact 0.1 pgd"], both["exact 0.1 standard"]
        ratio = robust / before.where(before > 0)
        lines += [
            f"- exact robust accuracy at eps = 0.1 after PGD training >= 0.5 at every seed: "
            f"{'met' if (robust >= 0.5).all() else 'NOT met'} ({_spread(robust)}, "
            f"{len(both)} seeds)",
            f"- >= 3 times the standard network's at every seed: "
            f"{'met' if ((robust >= 3 * before)).all() else 'NOT met'} (ratio "
            f"{_spread(ratio)}; standard {_spread(before)})",
            f"- PGD-trained network, digits decided exactly at eps = 0.1 within "
            f"{TIME_LIMIT:g} s: {_spread(1 - both['undecided 0.1 pgd'] / N_DIGITS)} of 200 "
            f"(target >= 0.99)"]
    if NO_WARMUP.exists():
        ablation = json.loads(NO_WARMUP.read_text())
        lines += ["", f"- without the warm-up (PGD at eps = 0.1 from the first step, seed 21): "
                  f"clean accuracy {ablation['clean accuracy']:.3f}, last epoch's loss "
                  f"{ablation['last epoch loss']:.3f} (chance: log 10 = 2.303)"]
    lines += ["", "## Far from the data (60 images of uniform noise, scales 1 to 10^4): median "
              "[min, max] over seeds", "",
              "| network | median alpha to 99.9 % | clipped share | clipped share, alpha < 10 | "
              "all-ink image's confidence | rays settled (of 60) | smallest limit confidence |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in NETWORKS:
        part = seeds[seeds["network"] == name]
        lines.append(f"| {name} | {_spread(part['median alpha'])} | "
                     f"{_spread(part['clipped share'])} | "
                     f"{_spread(part['clipped share below 10'])} | "
                     f"{_spread(part['all-ink confidence'])} | "
                     f"{int(part['rays settled'].min())}-{int(part['rays settled'].max())} | "
                     f"{_spread(part['ray limit confidence min'])} |")
    lines += ["", "## Seed 21, per digit: the three numbers and the solver's work", "",
              "| network | digits | exact minimum proven within 60 s | solve s: median | p90 "
              "| max | binaries median | interval / exact | LP / exact | PGD / exact | fixed "
              "units at 0.1, interval | LP |", "| --- | ---: | --- | ---: | ---: | ---: | ---: "
              "| ---: | ---: | ---: | ---: | ---: |"]
    for name, part in digits.groupby("network", sort=False):
        proven = part[part["status"] == "optimal"]
        times = part["solve seconds"]
        ratios = [np.median(proven[c] / proven["exact"]) if len(proven) else np.nan
                  for c in ("interval radius", "lp radius", "pgd smallest")]
        lines.append(
            f"| {name} | {len(part)} | {len(proven)} ({len(proven) / len(part):.1%}) | "
            f"{times.median():.1f} | {times.quantile(0.9):.1f} | {times.max():.1f} | "
            f"{part['binaries'].median():.0f} | {ratios[0]:.3f} | {ratios[1]:.3f} | "
            f"{ratios[2]:.3f} | {part['interval fixed units 0.1'].median():.0f} | "
            f"{part['lp fixed units 0.1'].median():.0f} |")
        attack = part["pgd smallest"].fillna(np.inf)
        order_ok = (part["interval radius"] <= part["lp radius"]) & \
            (part["lp radius"] <= part["exact"]) & (part["exact"] <= attack * (1 + 1e-9))
        lines.append(f"|  | interval <= LP <= exact <= PGD on {int(order_ok.sum())} of "
                     f"{len(part)} digits (where not proven, exact is the best change found) "
                     "| | | | | | | | | | |")
    lines += ["", "## Beside the literature (their settings, not ours)", "",
              *[f"- {line}" for line in LITERATURE],
              f"- ours: the bundled digits (3,750 for training), 784-50-20-10 fully connected, "
              f"eps = {TRAINING['eps']}, PGD {TRAINING['n_steps']} steps or FGSM 1.25 eps from a "
              f"random start, {TRAINING['epochs']} epochs (the size growing over "
              f"{TRAINING['warmup_epochs']}), Adam at a constant 3e-3, batches of 200.",
              "", "Per network and seed: [`robust.csv`](robust.csv); per digit: "
              "[`robust-digits.csv`](robust-digits.csv)."]
    (RESULTS / "robust.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "measure", "minima", "summary"])
    parser.add_argument("--network", choices=NETWORKS, default="pgd")
    parser.add_argument("--seed", type=int, default=models.MNIST_SEED)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--n-digits", type=int, default=N_DIGITS)
    arguments = parser.parse_args()
    if arguments.command == "train":
        train(arguments.seeds)
    elif arguments.command == "measure":
        measure(arguments.network, arguments.seed)
    elif arguments.command == "minima":
        minima(arguments.network, arguments.n_digits)
    else:
        summary()
