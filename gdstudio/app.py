"""Start-up: QApplication and the main window."""

from __future__ import annotations

import os
import sys
import threading


def run_app(path: str | None = None, argv: list[str] | None = None) -> int:
    """Open the studio (with the points of ``path`` if given) and run until it closes."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .core import DataError, read_dataset
    from .ui.main_window import MainWindow, resource_path

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("gdstudio")
    app.setApplicationName("Gradient Descent Studio")
    app.setDesktopFileName("gdstudio")
    icon = resource_path("gdstudio.png")
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    dataset, error = None, None
    if path is not None:
        try:
            dataset = read_dataset(path)
        except DataError as exc:
            error = str(exc)
    window = MainWindow(dataset)
    window.show()
    threading.Thread(target=warm_up, name="gdstudio-warm-up", daemon=True).start()
    if error:
        window.show_message("Cannot open the CSV file",
                            f"{error}\n\nShowing the tutorial's noisy line instead.")
    elif path is not None:
        note = window.statusBar().currentMessage()  # e.g. settings that were reset
        window.statusBar().showMessage(
            f"Opened {len(dataset):,} points from {path}." + (f" {note}" if note else ""), 15_000)
    if os.environ.get("GDSTUDIO_STARTUP_CHECK"):
        _close_when_started(window)
    code = app.exec()
    # Everything is saved and the training thread has stopped (closeEvent). Tearing down
    # torch and Qt at interpreter exit takes seconds on a slow machine; skip it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _close_when_started(window) -> None:
    """A start-up check (``GDSTUDIO_STARTUP_CHECK=1``, for packagers and tests): once the
    window is up, print its status line and close it as the user would (settings saved)."""
    from PySide6.QtCore import QTimer

    def report():
        print(f"started: {window.statusBar().currentMessage()}", flush=True)
        window.close()

    QTimer.singleShot(0, window, report)


def warm_up() -> None:
    """Run one tiny epoch of each path so the first real run starts at once (the first
    torch.optim step of a process takes about a second to set up)."""
    from .core import Dataset, TrainConfig, train

    tiny = Dataset.from_points([(0.0, 0.0), (1.0, 1.0)])
    for impl in ("module", "manual"):
        list(train(tiny, TrainConfig(impl=impl, epochs=1)))


def main() -> int:
    from .cli import main as cli_main

    return cli_main()
