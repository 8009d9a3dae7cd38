"""7. Session files of a million points: saving and opening (issue 17 item 5).

``sessions``
    A session of N = 10^6 float32 points (2·10^5 quick) and a kept run of 10^5 epochs:
    ``write_session`` and ``read_session`` (median of several), against ``np.save`` and
    ``np.load`` of the same columns in the same run (the baseline: the fastest a file of these
    numbers can be written and read); once each, the same session in format version 1 (every
    number JSON text: how sessions were written before). Memory of an open: in a fresh
    process, the peak resident memory (VmHWM, reset before reading through
    ``/proc/self/clear_refs``) above the resident memory before it, and tracemalloc's peak,
    each divided by the file's size; ``np.load``'s the same way. In the window (offscreen),
    with the worker thread: from File ▸ Open of the file until the session is in the studio,
    and from Save until the file is written, with the longest gap of a 10 ms timer in the GUI
    thread meanwhile (the window staying live). Targets: open ≤ 1.5 s, peak ≤ 3× the file.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import ROOT, app, new_window
from .edit import _settle

N_POINTS, N_QUICK = 1_000_000, 200_000
EPOCHS = 100_000
OPEN_TARGET_S = 1.5
MEMORY_TARGET = 3.0

# The open, measured in a fresh process: prints JSON of resident memory and tracemalloc.
MEASURE_OPEN = r"""
import json, sys, tracemalloc
import numpy as np

def status():
    out = {}
    for line in open("/proc/self/status"):
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1]) * 1024
    return out

kind, path = sys.argv[1], sys.argv[2]
if kind == "session":
    from gdstudio.core.files.session_read import read_session
    read = lambda: read_session(path)
else:
    read = lambda: [np.load(p) for p in path.split(",")]
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak (VmHWM) starts again from now
except OSError:
    pass
before = status()["VmRSS"]
result = read()
after = status()
del result
tracemalloc.start()
result = read()
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"rss_peak_above": after["VmHWM"] - before, "tracemalloc_peak": peak}))
"""


def _session(n: int):
    from gdstudio.core.files.session import RunRecord, Session
    from gdstudio.core.settings.config import TrainConfig
    from gdstudio.core.training.results import RunSummary

    rng = np.random.default_rng(0)
    x = rng.normal(size=n).astype(np.float32)
    y = (2 * x + 0.5 + rng.normal(size=n)).astype(np.float32)
    h = np.cumsum(rng.random(EPOCHS))
    summary = RunSummary(config=TrainConfig(), w=2.0, b=0.5, loss=float(h[-1]),
                         epochs_done=EPOCHS, status="done", n_points=n, dtype="float32",
                         init_w=0.0, init_b=0.0)
    run = RunRecord(summary, h, h / 2, -h, key=1, label="#1", color="#1f77b4")
    return Session(x, y, "float32", runs=[run], next_run=2)


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _memory(kind: str, path: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run([sys.executable, "-c", MEASURE_OPEN, kind, path], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _in_window(path: Path, repeats: int) -> dict:
    """Open and save ``path`` in a window through its worker thread: seconds until done,
    and the longest gap of a 10 ms GUI timer meanwhile."""
    from PySide6.QtCore import QTimer

    from gdstudio.ui.sessions import session_files

    a = app()
    win = new_window()
    files = win.session_files
    session_files.BACKGROUND_BYTES = 0  # (a file this large goes to the thread anyway)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    result = {"open_s": [], "save_s": [], "open_gap_ms": [], "save_gap_ms": []}
    out = path.with_name("saved.gdstudio")
    for _ in range(repeats):
        for kind in ("open", "save"):
            _settle(win, a)  # (the last open's drawing and numbers are done first)
            ticks.clear()
            timer.start()
            t0 = time.perf_counter()
            ticks.append(t0)
            assert files.open_path(str(path)) if kind == "open" else files.save_as(str(out))
            while files.job.busy:
                a.processEvents()
                time.sleep(0.001)
            t1 = time.perf_counter()
            timer.stop()
            ticks.append(t1)
            assert files.state.path == str(path if kind == "open" else out)
            result[f"{kind}_s"].append(t1 - t0)
            result[f"{kind}_gap_ms"].append(1000 * float(np.diff(ticks).max()))
    assert len(win.controller.dataset) == len(np.load(path.with_name("x.npy")))
    win.controller.shutdown()
    files._closing_ok = True
    win.close()
    return {key: statistics.median(v) for key, v in result.items()}


def bench_sessions(quick: bool) -> dict:
    from gdstudio.core.files.session import session_chunks, write_session
    from gdstudio.core.files.session_read import read_session

    n = N_QUICK if quick else N_POINTS
    repeats = 3 if quick else 5
    session = _session(n)
    run = session.runs[0]
    columns = {"x": session.x, "y": session.y, "loss": run.loss, "w": run.w, "b": run.b}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = folder / "s.gdstudio"
        npy = [folder / f"{k}.npy" for k in columns]
        save = _median(lambda: write_session(path, session), repeats)
        open_ = _median(lambda: read_session(path), repeats)
        np_save = _median(lambda: [np.save(p, v) for p, v in zip(npy, columns.values(),
                                                                    strict=True)], repeats)
        np_load = _median(lambda: [np.load(p) for p in npy], repeats)
        size = path.stat().st_size
        npy_size = sum(p.stat().st_size for p in npy)
        old = folder / "old.gdstudio"
        t0 = time.perf_counter()
        with open(old, "w") as f:
            f.writelines(session_chunks(session, compact=False))
        old_save = time.perf_counter() - t0
        old_open = _median(lambda: read_session(old), 1)
        old_size = old.stat().st_size
        memory = _memory("session", str(path))
        old_memory = _memory("session", str(old))
        np_memory = _memory("npy", ",".join(map(str, npy)))
        window = _in_window(path, repeats)
    result = {
        "n": n, "epochs": EPOCHS, "size": size, "npy_size": npy_size, "old_size": old_size,
        "save_s": save, "open_s": open_, "np_save_s": np_save, "np_load_s": np_load,
        "old_save_s": old_save, "old_open_s": old_open,
        "memory": memory, "old_memory": old_memory, "np_memory": np_memory, "window": window,
    }
    print(f"session of {n:,} points and {EPOCHS:,} epochs: file {size / 1e6:.1f} MB "
          f"(format 1: {old_size / 1e6:.1f} MB; .npy {npy_size / 1e6:.1f} MB)", flush=True)
    print(f"save {save:.3f} s ({save / np_save:.1f}x np.save {np_save:.3f} s; format 1 "
          f"{old_save:.2f} s); open {open_:.3f} s ({open_ / np_load:.1f}x np.load "
          f"{np_load:.3f} s; format 1 {old_open:.2f} s)", flush=True)
    for name, m, base in (("open", memory, size), ("format 1 open", old_memory, old_size),
                          ("np.load", np_memory, npy_size)):
        print(f"{name}: peak RSS above start {m['rss_peak_above'] / base:.2f}x the file, "
              f"tracemalloc peak {m['tracemalloc_peak'] / base:.2f}x", flush=True)
    print(f"in the window: open {window['open_s']:.2f} s (GUI timer's longest gap "
          f"{window['open_gap_ms']:.0f} ms), save {window['save_s']:.2f} s (longest gap "
          f"{window['save_gap_ms']:.0f} ms)", flush=True)
    return result


def rows(results: dict) -> list[str]:
    r = results["sessions"]
    n, w = r["n"], r["window"]
    m, o, p = r["memory"], r["old_memory"], r["np_memory"]
    np_ratio = p["rss_peak_above"] / r["npy_size"]
    return [
        f"| 7. session of {n:,} points + {r['epochs']:,} epochs: save "
        f"(`write_session`) | {r['save_s']:.3f} s | np.save {r['np_save_s']:.3f} s; format 1 "
        f"{r['old_save_s']:.2f} s | {r['save_s'] / r['np_save_s']:.1f}x np.save | |",
        f"| 7. the same: open (`read_session`) | {r['open_s']:.3f} s | np.load "
        f"{r['np_load_s']:.3f} s; format 1 {r['old_open_s']:.2f} s | "
        f"{r['open_s'] / r['np_load_s']:.1f}x np.load | ≤ 1.5 s |",
        f"| 7. the same: open's peak memory / file size ({r['size'] / 1e6:.1f} MB) | RSS "
        f"**{m['rss_peak_above'] / r['size']:.2f}x**, tracemalloc "
        f"{m['tracemalloc_peak'] / r['size']:.2f}x | np.load {np_ratio:.2f}x; "
        f"format 1 {o['rss_peak_above'] / r['old_size']:.2f}x "
        f"({o['rss_peak_above'] / n:.0f} B/point) | | ≤ 3x |",
        f"| 7. the same in the window (worker thread): File ▸ Open until in the studio; "
        f"Save until written | open **{w['open_s']:.2f} s**, save {w['save_s']:.2f} s | | "
        f"GUI timer's longest gap: open {w['open_gap_ms']:.0f} ms, save "
        f"{w['save_gap_ms']:.0f} ms | open ≤ 1.5 s |",
    ]
