"""5. A million points: CSV read (and the same rows pasted, and labelled rows read as
logistic regression's labels), import and first draw (and the GUI thread's longest silence
while the file is read), and frame times during a run."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from gdstudio.core.data.csv_read import read_dataset

from .common import app, data, median_ratio, new_window, run_window, set_panel


def bench_labels(folder: Path, quick: bool) -> dict:
    """A million labelled points (two classes) read as labels 0 or 1 against the same file
    read as a line's points: checking every label costs (almost) nothing."""
    from gdstudio.core.data.csv_io import write_dataset
    from gdstudio.core.data.two_classes import two_classes
    from gdstudio.ui.threads.offload import call_off_gui_thread

    d = call_off_gui_thread(two_classes, n0=500_000, n1=500_000)
    path = folder / "labelled.csv"
    write_dataset(path, d)
    assert read_dataset(path, labels=True) == d
    # (median_ratio's "base" over "fast": the labels' time over the plain read's)
    t_plain, t_labels, ratio = median_ratio(lambda: read_dataset(path),
                                            lambda: read_dataset(path, labels=True),
                                            2 if quick else 5)
    return {"labels_read_s": t_labels, "labels_plain_s": t_plain, "labels_over_plain": ratio}


def bench_large(quick: bool) -> dict:
    from gdstudio.core.data.csv_io import write_dataset

    n = 1_000_000
    d = data(n)
    folder = Path(tempfile.mkdtemp())
    path = folder / "million.csv"
    write_dataset(path, d)
    t0 = time.perf_counter()
    loaded = read_dataset(path)
    t_read = time.perf_counter() - t0
    assert loaded == d
    # half a million of those rows pasted (a paste holds at most 32M characters), against the
    # same rows read as a file: the paste uses the file reader's fast parser
    from gdstudio.core.data.paste import parse_points

    pasted_rows = 500_000
    text = "".join(path.read_text().splitlines(True)[:pasted_rows + 1]).replace(",", "\t")
    (folder / "pasted.csv").write_text(text)
    t0 = time.perf_counter()
    same = read_dataset(folder / "pasted.csv")
    t_same_file = time.perf_counter() - t0
    t0 = time.perf_counter()
    pasted = parse_points(text)
    t_paste = time.perf_counter() - t0
    assert pasted == same and len(pasted) == pasted_rows
    del text, pasted, same
    labelled = bench_labels(folder, quick)
    a = app()
    win = new_window()
    a.processEvents()
    from PySide6.QtCore import QEventLoop, QTimer

    ticks: list[float] = []
    read_at: list[float] = []  # when the file had been read (then the data is installed)
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    win.controller.csv_import.finished.connect(lambda *_: read_at.append(time.perf_counter()))
    timer.start(10)
    t0 = time.perf_counter()
    assert win.files.import_csv(str(path))
    if win.controller.csv_import.busy:  # read on a worker thread: wait for it
        loop = QEventLoop()
        win.controller.csv_import.settled.connect(loop.quit)
        loop.exec()
    timer.stop()
    stamps = [t0, *(t for t in ticks if t0 < t < read_at[0]), read_at[0]] if read_at else []
    import_silence = float(np.max(np.diff(stamps))) if len(stamps) > 1 else None
    assert win.controller.model.dataset == d
    win.plot.viewport().repaint()
    win.loss_plot.viewport().repaint()
    a.processEvents()
    t_first = time.perf_counter() - t0

    # frame times during a run: the redraw slot plus the paints of both plots
    frames: list[float] = []
    paints: list[float] = []
    redraw = win.run_view.redraw

    def timed_redraw(*args, **kwargs):
        t = time.perf_counter()
        redraw(*args, **kwargs)
        frames.append(time.perf_counter() - t)

    win.run_view.redraw = timed_redraw
    for view in (win.plot, win.loss_plot):
        original = view.paintEvent

        def timed_paint(ev, original=original):
            t = time.perf_counter()
            original(ev)
            paints.append(time.perf_counter() - t)

        view.paintEvent = timed_paint
    scatter_sets = []
    orig_set = win.plot.scatter.setData
    win.plot.scatter.setData = lambda *a, **k: (scatter_sets.append(1), orig_set(*a, **k))
    set_panel(win, epochs=20 if quick else 60)
    run_window(win)
    win.close()
    row = {"n": n, "csv_import_s": t_read, "pasted_rows": pasted_rows, "paste_s": t_paste,
           "paste_file_s": t_same_file, "paste_over_file": t_paste / t_same_file,
           "import_gui_silence_ms": None if import_silence is None else 1000 * import_silence,
           "window_import_and_first_draw_s": t_first,
           "shown_points": int(win.plot.shown_count), "frames": len(frames),
           "frame_redraw_ms_median": 1000 * statistics.median(frames) if frames else None,
           "frame_redraw_ms_max": 1000 * max(frames) if frames else None,
           "paint_ms_median": 1000 * statistics.median(paints) if paints else None,
           "paint_ms_p95": 1000 * float(np.percentile(paints, 95)) if paints else None,
           "scatter_set_during_run": len(scatter_sets), **labelled}
    print(f"large   1M points: read_dataset {t_read:.2f} s, {pasted_rows:,} rows pasted "
          f"{t_paste:.2f} s (as a file {t_same_file:.2f} s), GUI "
          f"thread's longest silence while the file is read "
          f"{row['import_gui_silence_ms'] or float('nan'):.0f} ms, "
          f"import + first draw {t_first:.2f} s, "
          f"shown {row['shown_points']:,}; per frame: redraw median "
          f"{row['frame_redraw_ms_median']:.2f} ms, paint median {row['paint_ms_median']:.2f} "
          f"ms / p95 {row['paint_ms_p95']:.2f} ms; scatter set during run: "
          f"{len(scatter_sets)}", flush=True)
    return row


def rows(results: dict) -> list[str]:
    r = results["large"]
    return [
        f"| 5. 1M points: CSV read | {r['csv_import_s']:.2f} s | | | ≤ 2 s |",
        f"| 5. {r['pasted_rows']:,} rows pasted | {r['paste_s']:.2f} s | "
        f"{r['paste_file_s']:.2f} s (read as a file) | **{r['paste_over_file']:.2f}** | ≤ 3 |",
        *([f"| 5. 1M labelled points: CSV read as labels 0/1 | {r['labels_read_s']:.2f} s | "
           f"{r['labels_plain_s']:.2f} s (read as a line's points) | "
           f"**{r['labels_over_plain']:.2f}** | ≤ 1.1 |"] if "labels_read_s" in r else []),
        "| 5. 1M points: GUI thread's longest silence while the file is read | "
        f"{r.get('import_gui_silence_ms') or float('nan'):.0f} ms | | | ≤ 500 ms |",
        f"| 5. 1M points: import + first draw in the window | "
        f"{r['window_import_and_first_draw_s']:.2f} s | | {r['shown_points']:,} "
        "points shown | |",
        "| 5. 1M points: each frame during a run | redraw "
        f"{r['frame_redraw_ms_median']:.1f} ms, paint {r['paint_ms_median']:.1f} ms "
        f"(p95 {r['paint_ms_p95']:.1f}) | | "
        f"scatter re-set {r['scatter_set_during_run']}× | 0 re-sets |",
    ]
