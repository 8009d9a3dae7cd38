"""Gradient Descent Studio benchmarks: each speed figure is a ratio against a baseline
measured in the same run (median of several repeats), because these machines are noisy.

    python -m tests.bench.run_benchmarks                 # every group (long: the memory
                                                         #   groups train 10^7 and 3*10^6 epochs)
    python -m tests.bench.run_benchmarks --quick         # every group, short runs
    python -m tests.bench.run_benchmarks --only memory   # some groups (names below)
    python -m tests.bench.run_benchmarks --busy          # the same on a busy machine

Groups: engine, studio, latency, sgd, large, landscape, edit, threads, sessions (speed;
modules of the same names), compiled (``sgd.py``), cli-memory and window-memory
(``memory.py``; ``memory`` names both), batch-memory (``batch_memory.py``), startup
(``startup.py``), logistic (``logistic.py``: the landscape and optimum), logistic-training
(``logistic_engine.py``: the engine and the analytic path). Each group runs in a fresh process.

``--busy`` runs the groups on a busy machine: it starts one CPU-heavy process per core (a
Python busy loop) beside them, for the whole run, and ends them when the run ends, also on
Ctrl+C. Its results go to ``<stem>-busy.json``; the table (``<stem>.md``) shows them in a
"busy machine" column next to the quiet run's figures (``<stem>.json``) when both are there,
so run the same command with and without ``--busy``.

A run of every group writes ``tests/bench/results/benchmarks.md`` (the table of Speed, in
``results/README.md``) and ``benchmarks.json`` (``benchmarks-busy.json`` with ``--busy``); a
run with ``--only`` writes ``benchmarks-<groups>.md`` and ``.json`` beside them and leaves
the full results alone.
Kept out of the test suite: no module here is named ``test_*.py``, and ``conftest.py`` here
tells pytest to collect nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from . import (
    batch_memory,
    edit,
    engine,
    landscape,
    large,
    launch,
    logistic,
    logistic_engine,
    memory,
    sessions,
    sgd,
    startup,
    studio,
    threads,
)
from .common import RESULTS, machine

# name: (benchmark, its rows in the table), in the table's order
GROUPS = {
    "engine": (engine.bench_engine, engine.rows),
    "studio": (studio.bench_studio, studio.studio_rows),
    "latency": (studio.bench_latency, studio.latency_rows),
    "sgd": (sgd.bench_sgd, sgd.rows),
    "compiled": (sgd.bench_compiled, sgd.compiled_rows),
    "large": (large.bench_large, large.rows),
    "landscape": (landscape.bench_landscape, landscape.rows),
    "edit": (edit.bench_edit, edit.rows),
    "threads": (threads.bench_threads, threads.rows),
    "cli-memory": (memory.bench_cli_memory, memory.cli_rows),
    "window-memory": (memory.bench_window_memory, memory.window_rows),
    "batch-memory": (batch_memory.bench_batch_memory, batch_memory.rows),
    "startup": (startup.bench_startup, startup.rows),
    "sessions": (sessions.bench_sessions, sessions.rows),
    "logistic": (logistic.bench_logistic, logistic.rows),
    "logistic-training": (logistic_engine.bench_logistic, logistic_engine.rows),
    "launch": (launch.bench_launch, launch.rows),
}
ALIASES = {"memory": ["cli-memory", "window-memory"]}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table(results: dict | None, busy: dict | None = None) -> str:
    """The table of ``results`` (a quiet run), with ``busy``'s figures (a ``--busy`` run) in a
    "busy machine" column when both are given; either alone: its own table."""
    base = results if results is not None else busy
    merged = results is not None and busy is not None
    if merged:
        lines = ["| benchmark | measured | baseline | ratio / figure | busy machine | target |",
                 "|---|---|---|---|---|---|"]
    else:
        lines = ["| benchmark | measured | baseline | ratio / figure | target |",
                 "|---|---|---|---|---|"]
    busy_rows = {}
    if merged:
        for name, (_, rows) in GROUPS.items():
            if name in busy:
                busy_rows.update({_cells(r)[0]: _cells(r) for r in rows(busy)})
    for name, (_, rows) in GROUPS.items():
        if name in base:
            for row in rows(base):
                if merged:
                    cells = _cells(row)
                    other = busy_rows.get(cells[0])
                    figure = "—" if other is None else f"{other[1]}; {other[3]}"
                    row = "| " + " | ".join([*cells[:4], figure, *cells[4:]]) + " |"
                lines.append(row)
    lines.append("")
    for run in ([results, busy] if merged else [base]):
        m = run["machine"]
        mode = run["mode"] + (", busy machine" if run.get("busy") else "")
        load = run.get("load")
        lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, torch "
                     f"{m['torch']} ({m['torch_threads']} threads), PySide6 {m['PySide6']}, "
                     f"pyqtgraph {m['pyqtgraph']}; {m['date']}; mode: {mode}"
                     + ("." if load is None else
                        f"; load average {load[0]:.1f} at the start, {load[1]:.1f} at the end."))
    return "\n".join(lines) + "\n"


#: A CPU-heavy process: a busy loop that ends quietly on Ctrl+C, and by itself once the run
#: that started it is gone (it looks every few million steps).
BUSY_LOOP = """import os, signal
signal.signal(signal.SIGINT, signal.SIG_DFL)
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(3_000_000):
        pass
"""


def start_busy() -> list[subprocess.Popen]:
    """One CPU-heavy process per core, for a busy machine."""
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL)
            for _ in range(os.cpu_count() or 1)]


def stop_busy(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.kill()
    for proc in procs:
        proc.wait()


def _run_child(args) -> int:
    bench = GROUPS[args.child][0]
    options = {"cap_mb": args.memory_cap_mb} if args.child == "cli-memory" else {}
    print(json.dumps(bench(args.quick, **options)))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs")
    parser.add_argument("--only", nargs="+", default=None, metavar="GROUP",
                        choices=[*GROUPS, *ALIASES],
                        help=f"run these groups only: {', '.join([*GROUPS, *ALIASES])}")
    parser.add_argument("--out", default=str(RESULTS), help="folder for the table and JSON")
    parser.add_argument("--memory-cap-mb", type=float, default=memory.DEFAULT_CAP_MB,
                        help="stop (Ctrl+C) a `gdstudio train` run whose resident memory grows "
                             "by more than this; its figure is then per epoch (default "
                             "%(default)s)")
    parser.add_argument("--busy", action="store_true",
                        help="run beside one CPU-heavy process per core (a busy machine); "
                             "its figures go to the table's busy machine column")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _run_child(args)
    if not args.busy:
        return _run(args)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still end them
    burners = start_busy()
    try:
        return _run(args)
    finally:
        stop_busy(burners)
        signal.signal(signal.SIGTERM, previous)


def _run(args) -> int:
    wanted: list[str] = []
    for name in args.only or GROUPS:
        for group in ALIASES.get(name, [name]):
            if group not in wanted:
                wanted.append(group)
    results = {"machine": machine(), "mode": "quick" if args.quick else "full",
               "busy": args.busy, "load": [os.getloadavg()[0]]}
    for name in wanted:
        # Each benchmark runs in a fresh process: torch work on one thread leaves an OpenMP
        # pool behind that would slow the next benchmark's training thread.
        cmd = [sys.executable, "-m", "tests.bench.run_benchmarks", "--child", name,
               "--memory-cap-mb", repr(args.memory_cap_mb)]
        if args.quick:
            cmd.append("--quick")
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            print(f"benchmark {name} failed (exit {proc.returncode})", file=sys.stderr)
            return 1
        lines = proc.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        results[name] = json.loads(lines[-1])
    results["load"].append(os.getloadavg()[0])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "benchmarks" if set(wanted) == set(GROUPS) else "benchmarks-" + "+".join(args.only)
    quiet_file, busy_file = out / f"{stem}.json", out / f"{stem}-busy.json"
    (busy_file if args.busy else quiet_file).write_text(json.dumps(results, indent=2) + "\n")
    other = quiet_file if args.busy else busy_file  # the other mode's run, if there is one
    other = json.loads(other.read_text()) if other.exists() else None
    text = table(other, results) if args.busy else table(results, other)
    (out / f"{stem}.md").write_text(text)
    print()
    print(text)
    print(f"Written: {out / stem}.md and {busy_file if args.busy else quiet_file}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
