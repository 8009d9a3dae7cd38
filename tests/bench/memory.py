"""6. Memory over long runs.

``cli-memory``
    ``gdstudio train --impl analytic --quiet --epochs N``, with and without ``--history FILE``
    (into a temporary folder), in a subprocess whose ``/proc/PID/status`` (VmRSS, VmHWM) is
    sampled as it runs. Its growth is its peak resident memory minus the peak of the same
    command with ``--epochs 1`` (start-up, data and one epoch). Target: ≤ 50 MB at 10^7 epochs.
    A run whose resident memory grows past ``--memory-cap-mb`` gets Ctrl+C (SIGINT), which
    ``gdstudio train`` answers by writing its files and printing how many epochs it did: the
    figure is then reported per epoch and for the epochs reached.
``window-memory``
    A main window (offscreen) trains N epochs of the analytic implementation at full speed;
    resident memory of this process is sampled during the run. Reported in bytes per epoch:
    the growth over the run, the slope of resident memory against epochs, and the bytes the
    history's own arrays hold. Target: about 32 bytes an epoch (a float64 history).
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import ROOT, app, data, new_window, proc_status, rss_mb, set_panel

MB = 1024 * 1024
CLI_EPOCHS, CLI_EPOCHS_QUICK = 10_000_000, 500_000
WINDOW_EPOCHS, WINDOW_EPOCHS_QUICK = 3_000_000, 200_000
DEFAULT_CAP_MB = 2048.0  # Ctrl+C a run whose memory grows beyond this (the machine is shared)
CLI_TARGET_MB = 50
WINDOW_TARGET_BYTES = 32
TIMEOUT_S = 3 * 3600


# --------------------------------------------------------------------------- gdstudio train
# `python -m gdstudio ARGS`, with Ctrl+C working even when this runs as a background job
# (a shell starts those with SIGINT ignored, and Python keeps an ignored SIGINT ignored).
RUN_GDSTUDIO = ("import runpy, signal, sys; "
                "signal.signal(signal.SIGINT, signal.default_int_handler); "
                "sys.argv[0] = 'gdstudio'; runpy.run_module('gdstudio', run_name='__main__')")
def _env() -> dict:
    """The environment of a subprocess that imports this checkout's gdstudio."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_cli(args: list[str], folder: Path, baseline_mb: float | None = None,
            cap_mb: float | None = None, interval: float = 0.05) -> dict:
    """Run ``gdstudio train ARGS`` in ``folder`` and sample its resident memory.

    Returns the peak (VmHWM and the kernel's ru_maxrss, in MB), the samples' last VmRSS, the
    exit code, the wall time, the epochs it reports, and whether it was stopped at the cap
    (VmRSS more than ``cap_mb`` above ``baseline_mb``).
    """
    out_path, err_path = folder / "stdout.txt", folder / "stderr.txt"
    cmd = [sys.executable, "-c", RUN_GDSTUDIO, "train", *args]
    samples: list[tuple[float, float, float]] = []
    capped = False
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=_env(), cwd=folder)
        try:
            while True:
                # wait4, not Popen.poll: it also gives the child's own peak (ru_maxrss)
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                now = time.perf_counter() - t0
                s = proc_status(proc.pid)
                if "VmRSS" in s:
                    samples.append((now, s["VmRSS"], s.get("VmHWM", s["VmRSS"])))
                    if (cap_mb is not None and baseline_mb is not None and not capped
                            and s["VmRSS"] - baseline_mb > cap_mb):
                        os.kill(proc.pid, signal.SIGINT)
                        capped = True
                if now > TIMEOUT_S:
                    raise TimeoutError(f"{' '.join(cmd)} still running after {TIMEOUT_S} s")
                time.sleep(interval)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t0
    stdout, stderr = out_path.read_text(), err_path.read_text()
    match = re.search(r"after (\d[\d,]*) epoch", stdout)
    epochs = int(match.group(1).replace(",", "")) if match else None
    peak = max([usage.ru_maxrss / 1024] + [h for _, _, h in samples])
    return {"exit_code": proc.returncode, "seconds": elapsed, "epochs_done": epochs,
            "peak_mb": peak, "last_rss_mb": samples[-1][1] if samples else None,
            "samples": len(samples), "stopped_at_cap": capped,
            "stderr": stderr.strip().splitlines()[-1:] if stderr.strip() else []}


def _history_facts(path: Path) -> dict:
    """Size of a history file and the epoch of its last row (read from its end only)."""
    if not path.exists():
        return {"history_mb": None, "history_last_epoch": None}
    size = path.stat().st_size
    last = None
    with open(path, "rb") as f:
        f.seek(max(0, size - 4096))
        lines = f.read().decode("utf-8", "replace").splitlines()
    if lines:
        first = lines[-1].split(",", 1)[0].strip()
        last = int(first) if first.isdigit() else None
    return {"history_mb": size / MB, "history_last_epoch": last}


def bench_cli_memory(quick: bool, cap_mb: float = DEFAULT_CAP_MB) -> list[dict]:
    epochs = CLI_EPOCHS_QUICK if quick else CLI_EPOCHS
    rows = []
    for with_history in (False, True):
        folder = Path(tempfile.mkdtemp(prefix="gdstudio-bench-"))
        try:
            def args(n, name, with_history=with_history, folder=folder):
                a = ["--impl", "analytic", "--quiet", "--epochs", str(n)]
                return a + (["--history", str(folder / name)] if with_history else [])

            base = run_cli(args(1, "one.csv"), folder)
            if base["exit_code"] != 0:
                raise RuntimeError(f"gdstudio train --epochs 1 failed: {base}")
            run = run_cli(args(epochs, "history.csv"), folder, base["peak_mb"], cap_mb)
            facts = _history_facts(folder / "history.csv") if with_history else {}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        done = run["epochs_done"] or (epochs if run["exit_code"] == 0 else None)
        growth = run["peak_mb"] - base["peak_mb"]
        row = {"history": with_history, "epochs": epochs, "epochs_done": done,
               "baseline_peak_mb": base["peak_mb"], "peak_mb": run["peak_mb"],
               "growth_mb": growth,
               "bytes_per_epoch": growth * MB / done if done else None,
               "growth_mb_at_requested_epochs": growth * epochs / done if done else None,
               "exit_code": run["exit_code"], "seconds": run["seconds"],
               "epochs_per_s": done / run["seconds"] if done else None,
               "stopped_at_cap": run["stopped_at_cap"], "cap_mb": cap_mb,
               "stderr": run["stderr"], **facts}
        rows.append(row)
        label = "with --history" if with_history else "no history   "
        extra = ""
        if with_history:
            extra = (f"; history {facts['history_mb']:.0f} MB, last epoch "
                     f"{facts['history_last_epoch']}")
        capped = f" (stopped at the {cap_mb:.0f} MB cap)" if run["stopped_at_cap"] else ""
        per_epoch = f"{row['bytes_per_epoch']:.1f}" if done else "?"
        print(f"cli-mem {label} {done or 0:>11,} of {epochs:,} epochs{capped}: peak RSS "
              f"+{growth:.1f} MB over a 1-epoch run ({base['peak_mb']:.0f} MB), "
              f"{per_epoch} B/epoch, exit {run['exit_code']}, {run['seconds']:.0f} s{extra}",
              flush=True)
    return rows


def cli_rows(results: dict) -> list[str]:
    lines = []
    for r in results["cli-memory"]:
        what = "with `--history FILE`" if r["history"] else "no history"
        done = r["epochs_done"] or 0
        measured = f"{round(r['growth_mb'], 1) + 0.0:+.1f} MB peak RSS"
        if done != r["epochs"]:
            measured += (f" at {done:,} epochs (stopped); ≈ +"
                         f"{r['growth_mb_at_requested_epochs']:,.0f} MB at {r['epochs']:,}")
        per_epoch = (f"{round(r['bytes_per_epoch'], 1) + 0.0:.1f} B/epoch"
                     if r["bytes_per_epoch"] else "")
        lines.append(f"| 6. `gdstudio train --impl analytic --quiet`, {what}, "
                     f"{r['epochs']:,} epochs | {measured} | {r['baseline_peak_mb']:.0f} MB "
                     f"(1 epoch) | {per_epoch} | ≤ {CLI_TARGET_MB} MB over 10^7 epochs "
                     f"(≤ {CLI_TARGET_MB * MB / CLI_EPOCHS:.1f} B/epoch) |")
    return lines


# --------------------------------------------------------------------------- the window
def _array_bytes(obj) -> int:
    """Bytes held by the numpy arrays among an object's attributes (one level down)."""
    total = 0
    for value in getattr(obj, "__dict__", {}).values():
        items = value if isinstance(value, (list, tuple)) else (
            value.values() if isinstance(value, dict) else (value,))
        total += sum(v.nbytes for v in items if isinstance(v, np.ndarray))
    return total


def _count(history) -> int:
    count = getattr(history, "count", None)
    return int(count if count is not None else len(history))


def bench_window_memory(quick: bool) -> dict:
    epochs = WINDOW_EPOCHS_QUICK if quick else WINDOW_EPOCHS
    a = app()
    win = new_window(data(4))
    set_panel(win, impl="analytic", epochs=epochs, lr=1e-3)
    a.processEvents()
    gc.collect()
    before = rss_mb()
    peak = before
    samples: list[tuple[int, float]] = []
    t0 = last = time.perf_counter()
    assert win.controller.train()
    while win.controller.session.state != "idle":
        a.processEvents()
        time.sleep(0.001)
        now = time.perf_counter()
        if now - last >= 0.05:
            last = now
            rss = rss_mb()
            peak = max(peak, rss)
            samples.append((_count(win.controller.session.history), rss))
    elapsed = time.perf_counter() - t0
    gc.collect()
    after = rss_mb()
    history = win.controller.session.history
    count = _count(history)
    arrays = _array_bytes(history)
    drawn = getattr(win.loss_plot, "drawn_points", None)
    win.close()
    # slope of resident memory against epochs, over the run's last three quarters
    tail = [(c, r) for c, r in samples if c >= count / 4]
    slope = None
    if len(tail) >= 3 and tail[-1][0] > tail[0][0]:
        slope = float(np.polyfit([c for c, _ in tail], [r for _, r in tail], 1)[0]) * MB
    row = {"epochs": epochs, "epochs_done": count, "rss_before_mb": before,
           "rss_after_mb": after, "growth_mb": after - before, "peak_growth_mb": peak - before,
           "bytes_per_epoch": (after - before) * MB / count if count else None,
           "slope_bytes_per_epoch": slope,
           "history_array_bytes_per_epoch": arrays / count if count else None,
           "loss_curve_points_drawn": drawn, "seconds": elapsed,
           "epochs_per_s": count / elapsed if elapsed else None}
    slope_text = f"{slope:.1f}" if slope is not None else "?"
    print(f"win-mem {count:,} of {epochs:,} epochs in {elapsed:.0f} s: RSS +{after - before:.1f}"
          f" MB (peak +{peak - before:.1f}) = {row['bytes_per_epoch']:.1f} B/epoch, slope "
          f"{slope_text} B/epoch, history arrays {row['history_array_bytes_per_epoch']:.1f} "
          f"B/epoch; loss curve draws {drawn:,} points", flush=True)
    return row


def window_rows(results: dict) -> list[str]:
    r = results["window-memory"]
    slope = r["slope_bytes_per_epoch"]
    slope_text = f", slope {slope:.1f} B/epoch" if slope is not None else ""
    return [f"| 7. window memory over {r['epochs_done']:,} epochs (analytic, full speed) | "
            f"+{r['growth_mb']:.1f} MB RSS (peak +{r['peak_growth_mb']:.1f}) | "
            f"history arrays {r['history_array_bytes_per_epoch']:.1f} B/epoch | "
            f"**{r['bytes_per_epoch']:.1f} B/epoch**{slope_text}; "
            f"{r['loss_curve_points_drawn']:,} loss points drawn | "
            f"≈ {WINDOW_TARGET_BYTES} B/epoch (float64 history) |"]
