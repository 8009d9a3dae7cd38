"""Gradient Descent Studio benchmarks: each speed figure is a ratio against a baseline
measured in the same run (median of several repeats), because these machines are noisy.

    python -m tests.bench.run_benchmarks                 # every group (long: the memory
                                                         #   groups train 10^7 and 3*10^6 epochs)
    python -m tests.bench.run_benchmarks --quick         # every group, short runs
    python -m tests.bench.run_benchmarks --only memory   # some groups (names below)

Groups: engine, studio, latency, sgd, large, landscape, edit (speed; modules of the same names),
compiled (``sgd.py``), cli-memory and window-memory (``memory.py``; ``memory`` names both), startup
(``startup.py``). Each group runs in a fresh process.

A run of every group writes ``tests/bench/results/benchmarks.md`` (the table of Speed, in
``results/README.md``) and ``benchmarks.json``; a run with ``--only`` writes
``benchmarks-<groups>.md`` and ``.json`` beside them and leaves the full results alone.
Kept out of the test suite: no module here is named ``test_*.py``, and ``conftest.py`` here
tells pytest to collect nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from . import edit, engine, landscape, large, memory, sgd, startup, studio
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
    "cli-memory": (memory.bench_cli_memory, memory.cli_rows),
    "window-memory": (memory.bench_window_memory, memory.window_rows),
    "startup": (startup.bench_startup, startup.rows),
}
ALIASES = {"memory": ["cli-memory", "window-memory"]}


def table(results: dict) -> str:
    lines = ["| benchmark | measured | baseline | ratio / figure | target |",
             "|---|---|---|---|---|"]
    for name, (_, rows) in GROUPS.items():
        if name in results:
            lines.extend(rows(results))
    m = results["machine"]
    lines.append("")
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, torch "
                 f"{m['torch']} ({m['torch_threads']} threads), PySide6 {m['PySide6']}, "
                 f"pyqtgraph {m['pyqtgraph']}; {m['date']}; mode: {results['mode']}.")
    return "\n".join(lines) + "\n"


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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _run_child(args)
    wanted: list[str] = []
    for name in args.only or GROUPS:
        for group in ALIASES.get(name, [name]):
            if group not in wanted:
                wanted.append(group)
    results = {"machine": machine(), "mode": "quick" if args.quick else "full"}
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
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "benchmarks" if set(wanted) == set(GROUPS) else "benchmarks-" + "+".join(args.only)
    text = table(results)
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"{stem}.md").write_text(text)
    print()
    print(text)
    print(f"Written: {out / stem}.md and .json", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
