"""Resident memory of ``gdstudio train`` over a long run (Linux: reads /proc/PID/status).

    python -m tests.bench.cli_memory --epochs 10000000            # with and without --history

Each case runs the CLI twice as a subprocess with the same settings: 10 epochs, then the
long run. The growth is the long run's peak resident memory (VmHWM) minus the short run's:
what the epochs themselves cost. VmRSS is also sampled every half second, to show that it
stays flat rather than growing with the epochs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ARGS = ["train", "--impl", "analytic", "--lr", "0.01", "--quiet"]


def status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run(epochs: int, history: bool, folder: str) -> dict:
    """Run the CLI; return its peak memory (MB), RSS samples and duration."""
    argv = [sys.executable, "-m", "gdstudio", *ARGS, "--epochs", str(epochs)]
    if history:
        argv += ["--history", os.path.join(folder, f"history-{epochs}.csv")]
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples, peak = [], 0
    while proc.poll() is None:
        rss, hwm = status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "VmHWM")
        if rss is not None:
            samples.append((time.monotonic() - start, rss / 1024))
        if hwm is not None:
            peak = max(peak, hwm)
        time.sleep(0.5)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"gdstudio train failed ({proc.returncode}): {err}")
    return {"peak_mb": peak / 1024, "samples": samples, "seconds": time.monotonic() - start}


def measure(epochs: int, history: bool, folder: str) -> dict:
    short = run(10, history, folder)
    long = run(epochs, history, folder)
    samples = long["samples"]
    picks = [samples[int(f * (len(samples) - 1))] for f in (0.1, 0.5, 1.0)] if samples else []
    result = {"epochs": epochs, "history": history,
              "growth_mb": long["peak_mb"] - short["peak_mb"],
              "peak_short_mb": short["peak_mb"], "peak_long_mb": long["peak_mb"],
              "rss_mb": [(round(t), round(mb, 1)) for t, mb in picks],
              "seconds": long["seconds"]}
    print(f"{epochs:,} epochs, {'with' if history else 'without'} --history: peak "
          f"{long['peak_mb']:.1f} MB vs {short['peak_mb']:.1f} MB for 10 epochs: growth "
          f"{result['growth_mb']:+.1f} MB; RSS (s, MB) at 10/50/100% {result['rss_mb']}; "
          f"{long['seconds']:.0f} s", flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10_000_000)
    parser.add_argument("--only", choices=["with", "without"], default=None)
    args = parser.parse_args(argv)
    cases = {"with": [True], "without": [False], None: [False, True]}[args.only]
    with tempfile.TemporaryDirectory() as folder:
        for history in cases:
            measure(args.epochs, history, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
