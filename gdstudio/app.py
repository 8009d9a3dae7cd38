"""Start-up: QApplication and the main window.

The window opens before PyTorch has loaded: it imports only the torch-free parts of core,
and torch is imported on a background thread once the window's first frame is on screen
(:mod:`gdstudio.core.torch_loader`); a run requested meanwhile waits for it.
"""

from __future__ import annotations

import os
import socket
import sys

#: Exit status when no window can be opened (no display).
EXIT_NO_DISPLAY = 1


def display_problem(environ=None) -> str | None:
    """One line saying why no window can open here (no display to show it on), or None.

    On Linux and other X11/Wayland systems Qt aborts the process (with a page about its
    platform plugins, "xcb-cursor0 is needed") when it finds no display; this checks first,
    for the platforms Qt would try: those ``QT_QPA_PLATFORM`` names (``xcb``, ``wayland``;
    any other, ``offscreen`` say, is taken as given), or else Wayland when
    ``WAYLAND_DISPLAY`` is set and X11.
    """
    env = os.environ if environ is None else environ
    if sys.platform in ("win32", "darwin"):
        return None
    asked = [name.split(":", 1)[0].strip() for name in env.get("QT_QPA_PLATFORM", "").split(";")]
    asked = [name for name in asked if name]
    if any(not (name == "xcb" or name.startswith("wayland")) for name in asked):
        return None  # (offscreen, minimal, vnc, eglfs...: Qt decides)
    wayland = any(name.startswith("wayland") for name in asked) if asked else bool(
        env.get("WAYLAND_DISPLAY"))
    xcb = "xcb" in asked if asked else True
    if wayland and _wayland_reachable(env):
        return None
    display = env.get("DISPLAY", "")
    hint = "or use `gdstudio train` to train without a window."
    if xcb and display:
        return _x_problem(display, hint)
    name = env.get("WAYLAND_DISPLAY", "")
    if wayland and (name or env.get("WAYLAND_SOCKET")):
        return (f"gdstudio: cannot connect to the Wayland display {name or 'socket'!r}; check "
                f"WAYLAND_DISPLAY, {hint}")
    return f"gdstudio: no display found; set DISPLAY, {hint}"


def _wayland_reachable(env) -> bool:
    """Whether a Wayland compositor answers at ``WAYLAND_DISPLAY`` (a name in
    ``XDG_RUNTIME_DIR``, or a path); True for ``WAYLAND_SOCKET`` (a socket already open)."""
    if env.get("WAYLAND_SOCKET"):
        return True
    name = env.get("WAYLAND_DISPLAY", "") or "wayland-0"
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if not name.startswith("/"):
        if not runtime:
            return False
        name = os.path.join(runtime, name)
    return _unix_socket_answers(name)


def _unix_socket_answers(address: str) -> bool:
    """Whether something accepts a connection at the Unix socket ``address`` (2 s at most)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        try:
            s.connect(address)
            return True
        except OSError:
            return False


def _x_problem(display: str, hint: str) -> str | None:
    """Why no window can open on the X display ``display``, or None (an X server there lets
    this user in)."""
    cannot = f"gdstudio: cannot connect to the display {display!r}; check DISPLAY, {hint}"
    host = display.rpartition(":")[0]
    if host not in ("", "unix") and "/" not in host and not _x_display_reachable(display):
        return cannot  # (a host that does not answer: asked with a time limit first)
    connects = _xcb_connects(display)
    if connects is None:  # no libxcb to ask: the socket says what it can
        return None if _x_display_reachable(display) else cannot
    if connects:
        return None
    if _x_display_reachable(display):  # a server is there, but it does not let this user in
        return (f"gdstudio: the display {display!r} refused the connection (not "
                f"authorized?); check DISPLAY and XAUTHORITY, {hint}")
    return cannot


#: The X connection of the display check, held until Qt has made its own
#: (:func:`release_display_check`): an X server whose last client leaves resets itself, and a
#: connection made meanwhile (Qt's, just after the check's) may be refused.
_HELD: list = []


def release_display_check() -> None:
    """Close the display check's X connection (once Qt has its own)."""
    while _HELD:
        xcb, connection = _HELD.pop()
        xcb.xcb_disconnect(connection)


def _xcb_connects(display: str) -> bool | None:
    """Whether the X server at ``display`` accepts a connection as Qt makes it (libxcb's
    ``xcb_connect``, with the user's XAUTHORITY; asked again once, a moment later, if
    refused: a server resetting refuses for that moment); None when libxcb cannot be
    loaded (Qt then decides). A connection made is held (see :data:`_HELD`)."""
    import ctypes
    import time

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
        name = display.encode()
    except (OSError, UnicodeEncodeError):
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    for attempt in range(2):
        connection = _quietly(lambda: xcb.xcb_connect(name, None))
        if connection and xcb.xcb_connection_has_error(connection) == 0:
            _HELD.append((xcb, connection))
            return True
        if connection:
            xcb.xcb_disconnect(connection)
        if attempt == 0:
            time.sleep(0.25)
    return False


def _quietly(call):
    """``call()`` with the process's stderr sent to the null device (a refusing X server's
    words are printed there by the library), put back after."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return call()
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        return call()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _x_display_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (``:0``, ``host:0.0``, ...); False for a
    name that is no X display name at all (no ``:number``: Qt would abort on it), True when
    it names a protocol or socket path this check does not follow (Qt then decides)."""
    host, colon, rest = display.rpartition(":")
    if "/" in host:
        return True
    number = rest.split(".", 1)[0]
    if not colon or not number.isdigit():
        return False
    try:
        if host in ("", "unix"):
            path = f"/tmp/.X11-unix/X{number}"
            # the socket file, or Linux's abstract one
            return any(_unix_socket_answers(address) for address in (path, "\0" + path))
        with socket.create_connection((host, 6000 + int(number)), timeout=2):
            return True
    except OSError:
        return False


def run_app(path: str | None = None, argv: list[str] | None = None,
            model: str | None = None, imported: str | None = None) -> int:
    """Open the studio (with the points of ``path``, or the session of a ``.gdstudio``
    ``path``, if given) and run until it closes. ``model``: open in that model
    (``"logistic"``: a CSV file's y are read as labels 0 or 1; without a file, the two-class
    preset once torch has loaded). ``imported``: a session file handed over by
    ``gdstudio.open`` (:mod:`gdstudio.api.launch`): its data and settings open as a new,
    unsaved session, and the file is removed once read."""
    problem = display_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from gdstudio.core.data.csv_read import read_dataset
    from gdstudio.core.errors import DataError
    from gdstudio.ui.window.main_window import MainWindow, resource_path

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    release_display_check()  # (Qt has its own connection now)
    app.setOrganizationName("gdstudio")
    app.setApplicationName("Gradient Descent Studio")
    app.setDesktopFileName("gdstudio")
    icon = resource_path("gdstudio.png")
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    dataset, error = None, None
    session = path if path is not None and path.lower().endswith(".gdstudio") else None
    if session is not None:
        path = None  # opened once the window is up (a bad file: a message, the tutorial)
    if path is not None:
        try:
            dataset = read_dataset(path, labels=model == "logistic")
        except DataError as exc:
            error = str(exc)
    window = MainWindow(dataset)
    if model is not None:
        window.controller.open_in_model(model)
    window.show()
    torch_at_show = "torch" in sys.modules
    start_background_work(window)
    if error:
        window.show_message("Cannot open the CSV file",
                            f"{error}\n\nShowing the tutorial's noisy line instead.")
    elif path is not None:
        note = window.statusBar().currentMessage()  # e.g. settings that were reset
        window.statusBar().showMessage(
            f"Opened {len(dataset):,} points from {path}." + (f" {note}" if note else ""), 15_000)
    # the session (or the one handed over); a recovered one; recovery files
    window.session_files.start(session, imported)
    if imported is not None:  # (gdstudio.open's StudioProcess.close() ends it)
        from gdstudio.ui.sessions.ended_from_outside import close_on_terminate

        close_on_terminate(window)
    check = os.environ.get("GDSTUDIO_STARTUP_CHECK")
    if check:
        _close_when_started(window, torch_at_show, train=check == "train")
    code = app.exec()
    # Everything is saved and the training thread has stopped (closeEvent). Tearing down
    # torch and Qt at interpreter exit takes seconds on a slow machine; skip it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def start_background_work(window):
    """Once the window's first frame is on screen, start what may load in the background:
    PyTorch's import (which holds the interpreter lock for long stretches: started with the
    window, it delayed the first frame by up to a second and a half), then a tiny warm-up
    run. Further start-up work that can wait for the first frame belongs here."""
    from gdstudio.core import torch_loader
    from gdstudio.ui.window.first_frame import AfterFirstFrame

    def work():
        window.controller.torch_loading.start()
        torch_loader.start(lambda failed: None if failed else warm_up())

    return AfterFirstFrame(window, work)


def _close_when_started(window, torch_at_show: bool, train: bool = False) -> None:
    """A start-up check (``GDSTUDIO_STARTUP_CHECK=1``, for packagers, tests and the
    benchmark): once the window is up, print its status line and whether torch had been
    imported when it was shown, then close it as the user would (settings saved), without
    asking about unsaved changes (a session from ``gdstudio.open`` has them).

    With ``GDSTUDIO_STARTUP_CHECK=train``, press Train at once (while torch loads), print
    the status line it shows, then how the run ended and how often a 10 ms timer of the
    window fired meanwhile (the window stays live), then close."""
    from PySide6.QtCore import QTimer

    def report():
        print(f"started: {window.statusBar().currentMessage()}", flush=True)
        print(f"torch imported when shown: {'yes' if torch_at_show else 'no'}", flush=True)
        print(f"session: {_session_words(window)}", flush=True)
        if not train:
            window.session_files.close_discarding()
            return
        c = window.controller
        ticks = [0]
        timer = QTimer(window)
        timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
        timer.start(10)

        def finished(status, _detail):
            print(f"trained: {status.value}, {c.history.count} epochs; timer fired "
                  f"{ticks[0]} times", flush=True)
            window.session_files.close_discarding()

        c.runFinished.connect(finished)
        c.train()
        print(f"train pressed: {window.statusBar().currentMessage()}", flush=True)

    QTimer.singleShot(0, window, report)


def _session_words(window) -> str:
    """The start-up check's words for what the window holds: its points, its title and the
    settings that differ from the studio's defaults (``name=value``)."""
    from gdstudio.core.settings.description import DEFAULTS, settings_values

    c = window.controller
    changed = [f"{name}={value!r}" for name, value in
               settings_values(c.settings_model.settings).items() if value != DEFAULTS[name]]
    n = len(c.dataset)
    return (f"{n} point{'' if n == 1 else 's'} ({c.dataset.dtype}); title "
            f"{window.windowTitle()!r}; settings {', '.join(changed) or 'the defaults'}")


def warm_up() -> None:
    """Run one tiny epoch of each path so the first real run starts at once (the first
    torch.optim step of a process takes about a second to set up)."""
    from gdstudio.core.data.dataset import Dataset
    from gdstudio.core.settings.config import TrainConfig
    from gdstudio.core.training.engine import train

    tiny = Dataset.from_points([(0.0, 0.0), (1.0, 1.0)])
    for impl in ("module", "manual"):
        list(train(tiny, TrainConfig(impl=impl, epochs=1)))

