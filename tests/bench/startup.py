"""8. Start-up: time until the window is painted, with its points, as a user sees it: the
window's pixels on the X server; against the time of ``import torch``.

Both are measured from process start, in fresh processes, alternating (window, torch,
window, torch, ...) so that a busy moment of the machine hits both alike; the figure is the
ratio of the medians.

- **Painted (pixels on the X server)**, the headline: ``python -m gdstudio`` on its own X
  server (``Xvfb``, 1366×768, started here; no window manager), whose screen is read with
  ``XGetImage`` (libX11) every few milliseconds: a few rows of the screen until the window's
  first pixels arrive, then the whole screen, until the data points' colour covers at least
  90 % of the pixels it covers once the window has settled (1.5 s later). The data drawn
  after the first frame would count late; it is counted in the first (``first frame with
  the points: yes``).
- **Shown** (the start-up check, offscreen): ends when the window prints its start-up line
  (``GDSTUDIO_STARTUP_CHECK=1``, printed from the first turn of the event loop after
  ``show()``), before it is painted.

- **A bare pyqtgraph window** with the same points (the floor: Python, Qt, numpy and
  pyqtgraph loaded and one plot painted, and nothing of the studio), measured the same way,
  so that the studio's own share of the time shows.

torch's time is the whole run of ``python -c "import torch"``. Each window start copies a
settings store written by a first, unmeasured start (the one a user has after the first
day), so that ending it (SIGKILL, once painted) leaves nothing to the next. Every process
runs from compiled bytecode, as an installed studio does (see :func:`_env`): compiling the
studio's modules from source took about half of its own import time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from .common import ROOT

SCREEN = (1366, 768)
#: The fill of a data point over the plot's white (31, 119, 180 at alpha 170), as B, G, R
POINT_BGR = np.array([205, 164, 106], dtype=np.int16)
SETTLE_S = 1.5  # after the first pixels: the window's settled picture


def _env(home: str) -> dict:
    """The environment of every process measured: its own settings store, and Python's
    compiled bytecode cached (in ``home``, not beside the sources) as an installed studio
    has it; a ``PYTHONDONTWRITEBYTECODE`` of the shell would have every start compile the
    studio's modules from source (torch's come compiled from its wheel)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, "config"), "GDSTUDIO_STARTUP_CHECK": "1",
            "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": os.path.join(home, "pycache")}


def time_window_shown(env: dict) -> tuple[float, bool]:
    """Seconds from process start to the window shown, and whether torch was imported then."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gdstudio"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    shown = None
    torch_at_show = None
    for line in proc.stdout:
        if line.startswith("started: ") and shown is None:
            shown = time.perf_counter() - t0
        elif line.startswith("torch imported when shown: "):
            torch_at_show = line.split(": ", 1)[1].strip() == "yes"
    proc.wait(timeout=120)
    if proc.returncode != 0 or shown is None:
        raise RuntimeError(f"the window did not start (exit {proc.returncode})")
    return shown, bool(torch_at_show)


def time_import_torch(env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, env=env)
    return time.perf_counter() - t0


# ---------------------------------------------------------------- pixels on the X server
class _ImageFuncs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_void_p) for name in (
        "create_image", "destroy_image", "get_pixel", "put_pixel", "sub_image", "add_pixel")]


class _XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.c_void_p),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int), ("red_mask", ctypes.c_ulong),
                ("green_mask", ctypes.c_ulong), ("blue_mask", ctypes.c_ulong),
                ("obdata", ctypes.c_void_p), ("f", _ImageFuncs)]


_DESTROY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_XImage))


class XScreen:
    """The root window's pixels of an X display (libX11's ``XGetImage``), as B, G, R arrays."""

    def __init__(self, display: str):
        x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XGetImage.restype = ctypes.POINTER(_XImage)
        x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._x = x
        self._display = x.XOpenDisplay(display.encode())
        if not self._display:
            raise RuntimeError(f"cannot open the X display {display}")
        self._root = x.XDefaultRootWindow(self._display)

    def grab(self, x: int = 0, y: int = 0, w: int = SCREEN[0], h: int = SCREEN[1]) -> np.ndarray:
        image = self._x.XGetImage(self._display, self._root, x, y, w, h, 0xFFFFFFFF, 2)
        if not image:
            raise RuntimeError("XGetImage failed")
        im = image.contents
        if im.bits_per_pixel != 32:
            raise RuntimeError(f"a {im.bits_per_pixel}-bit screen; 24-bit colour expected")
        raw = ctypes.string_at(im.data, im.bytes_per_line * im.height)
        pixels = np.frombuffer(raw, dtype=np.uint8).reshape(im.height, im.bytes_per_line)
        pixels = pixels[:, : im.width * 4].reshape(im.height, im.width, 4)[:, :, :3]
        _DESTROY(im.f.destroy_image)(image)
        return pixels

    def close(self) -> None:
        self._x.XCloseDisplay(self._display)


def start_x_server() -> tuple[subprocess.Popen, str] | None:
    """An Xvfb of :data:`SCREEN` on a free display number, or None (no Xvfb here)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return None
    read, write = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0",
                             f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        return None
    return proc, f":{number}"


#: The floor: the tutorial's points in one pyqtgraph plot, drawn as the studio draws them.
BARE_PLOT = """
import numpy as np, pyqtgraph as pg
from PySide6.QtWidgets import QApplication
app = QApplication([])
x = np.linspace(-5, 5, 100); y = -5 * x + np.sin(7 * x)
w = pg.PlotWidget(background="w")
w.plot(x, y, pen=None, symbol="o", symbolSize=7, symbolPen=pg.mkPen("#1f4e79"),
       symbolBrush=pg.mkBrush(31, 119, 180, 170))
w.resize(1000, 700)
w.show()
app.exec()
"""


def point_pixels(pixels: np.ndarray) -> int:
    """How many pixels have the colour of a data point's fill."""
    return int(np.count_nonzero((np.abs(pixels.astype(np.int16) - POINT_BGR) <= 8).all(axis=2)))


def time_window_painted(screen: XScreen, env: dict, command=("-m", "gdstudio")) -> dict:
    """Seconds from process start to the window's first pixels and to its points drawn."""
    rows = [SCREEN[1] * k // 8 for k in range(1, 8)]
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *command], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = None
        while first is None:
            if any(screen.grab(0, y, SCREEN[0], 1).any() for y in rows):
                first = time.perf_counter() - t0
            elif proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise RuntimeError(f"the window did not appear (exit {proc.poll()})")
            else:
                time.sleep(0.003)
        counts = []  # (seconds, point pixels), from the first pixels until settled
        while not counts or counts[-1][0] < first + SETTLE_S:
            t = time.perf_counter() - t0
            counts.append((t, point_pixels(screen.grab())))
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    settled = counts[-1][1]
    if settled < 300:
        raise RuntimeError(f"the window shows no data points ({settled} pixels of their colour)")
    # (the first full grab follows the first pixels within a few milliseconds)
    painted = next(t for t, n in counts if n >= 0.9 * settled)
    return {"first_pixels_s": first, "painted_s": max(painted, first),
            "points_in_first_frame": counts[0][1] >= 0.9 * settled}


def bench_startup(quick: bool) -> dict:
    repeats = 5 if quick else 11
    shown, torch_times, torch_at_show, painted, bare = [], [], [], [], []
    server = start_x_server()
    with tempfile.TemporaryDirectory() as home:
        env = _env(home)
        # The first starts write the settings store and the bytecode caches; not measured
        time_window_shown(env)
        time_import_torch(env)
        screen = x_env = None
        if server is not None:
            screen = XScreen(server[1])
            x_env = {k: v for k, v in env.items()
                     if k not in ("QT_QPA_PLATFORM", "GDSTUDIO_STARTUP_CHECK", "WAYLAND_DISPLAY")}
            x_env["DISPLAY"] = server[1]
            time_window_painted(screen, x_env, ("-c", BARE_PLOT))  # (its caches; not measured)
        try:
            for i in range(repeats):
                if screen is not None:
                    run_home = os.path.join(home, f"run{i}")
                    shutil.copytree(os.path.join(home, "config"),
                                    os.path.join(run_home, "config"))
                    painted.append(time_window_painted(screen, {
                        **x_env, "HOME": run_home,
                        "XDG_CONFIG_HOME": os.path.join(run_home, "config")}))
                    shutil.rmtree(run_home, ignore_errors=True)
                    bare.append(time_window_painted(screen, x_env, ("-c", BARE_PLOT)))
                torch_times.append(time_import_torch(env))
                s, loaded = time_window_shown(env)
                shown.append(s)
                torch_at_show.append(loaded)
        finally:
            if screen is not None:
                screen.close()
            if server is not None:
                server[0].kill()
                server[0].wait()
    w, t = statistics.median(shown), statistics.median(torch_times)
    result = {"window_shown_s": w, "import_torch_s": t, "ratio": w / t, "repeats": repeats,
              "window_shown_all_s": shown, "import_torch_all_s": torch_times,
              "torch_imported_at_show": any(torch_at_show)}
    line = f"startup  window shown {w:.3f} s"
    if painted:
        p = statistics.median(r["painted_s"] for r in painted)
        f = statistics.median(r["first_pixels_s"] for r in painted)
        # (each start against the torch import of its own round: steadier when the load of
        # a shared machine swings from one round to the next)
        rounds = statistics.median(
            r["painted_s"] / s for r, s in zip(painted, torch_times, strict=True))
        result.update({"painted_s": p, "painted_ratio": p / t, "first_pixels_s": f,
                       "painted_round_ratio": rounds,
                       "painted_all_s": [r["painted_s"] for r in painted],
                       "points_in_first_frame": all(r["points_in_first_frame"]
                                                    for r in painted)})
        b = statistics.median(r["painted_s"] for r in bare)
        result.update({"bare_plot_s": b, "bare_plot_ratio": b / t,
                       "bare_plot_all_s": [r["painted_s"] for r in bare]})
        line += f"  painted {p:.3f} s (first pixels {f:.3f} s; a bare pyqtgraph window {b:.3f} s)"
    print(f"{line}  import torch {t:.3f} s  ratio shown {w / t:.2f}"
          + (f" painted {result['painted_ratio']:.2f} (round by round "
             f"{result['painted_round_ratio']:.2f})" if painted else ""), flush=True)
    return result


def rows(results: dict) -> list[str]:
    r = results["startup"]
    n = r["repeats"]
    torch_s = f"`import torch` {r['import_torch_s']:.2f} s"
    lines = []
    if "painted_s" in r:
        lines.append(
            f"| 8. Start-up: window painted with its points (pixels on the X server; median "
            f"of {n}, fresh processes, Xvfb) | {r['painted_s']:.2f} s | {torch_s} | "
            f"**{r['painted_ratio']:.2f}×** (round by round: {r['painted_round_ratio']:.2f}×; "
            f"first frame with the points: {'yes' if r['points_in_first_frame'] else 'no'}) "
            f"| ≤ 0.6× |")
        lines.append(
            f"| 8. Start-up: a bare pyqtgraph window with the same points painted (the floor: "
            f"nothing of the studio; pixels, median of {n}) | {r['bare_plot_s']:.2f} s | "
            f"{torch_s} | {r['bare_plot_ratio']:.2f}× | |")
    else:
        lines.append("| 8. Start-up: window painted (pixels on the X server) | not measured: "
                     "no Xvfb | | | ≤ 0.6× |")
    lines.append(
        f"| 8. Start-up: window shown (start-up check, offscreen; median of {n}) | "
        f"{r['window_shown_s']:.2f} s | {torch_s} | {r['ratio']:.2f}× (torch imported when "
        f"shown: {'yes' if r['torch_imported_at_show'] else 'no'}) | |")
    return lines
