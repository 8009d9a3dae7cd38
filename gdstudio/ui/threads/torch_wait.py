"""Starting a run while PyTorch is still loading: the run waits for it, the window does not.

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`TorchWait`. The window opens
before torch has finished importing (:mod:`gdstudio.core.torch_loader`); a Train or Step
pressed meanwhile says "Loading PyTorch…" in the status bar and starts by itself once torch
is loaded. Nothing here runs torch.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEventLoop, QMetaObject, QObject, Qt, Signal, Slot

from gdstudio.core import torch_loader

LOADING_MESSAGE = "Loading PyTorch… the run starts as soon as it is ready."


class TorchLoading(QObject):
    """Announces, in the GUI thread, that the background import of torch has finished."""

    #: The import finished: None, or why torch could not be loaded.
    torchLoaded = Signal(object)

    def start(self) -> None:
        """Start importing torch in the background (once); :attr:`torchLoaded` follows."""
        torch_loader.start(self._emit)

    def _emit(self, error) -> None:  # on the loading thread: the signal is queued
        try:
            self.torchLoaded.emit(error)
        except RuntimeError:  # the window has been closed meanwhile
            pass


class TorchWait(QObject):
    """Hold a run requested before torch has loaded, and start it once it has.

    ``start_run(config, paused_steps)`` starts the run held; ``status(text)`` and
    ``report(title, text)`` tell the user (the controller's).
    """

    def __init__(self, start_run, status, report, parent=None):
        super().__init__(parent)
        self._start_run, self._status, self._report = start_run, status, report
        #: The run waiting for torch: (config, paused_steps), or None.
        self._waiting_run = None
        self.torch_loading = TorchLoading(self)
        self.torch_loading.torchLoaded.connect(self._on_torch_loading_torchLoaded)

    @property
    def waiting(self) -> bool:
        """A run was requested and waits for torch to load."""
        return self._waiting_run is not None

    def hold(self, config, paused_steps) -> bool:
        """True (and the run is held) if torch is not loaded yet."""
        if torch_loader.loaded():
            return False
        self._waiting_run = (config, paused_steps)
        self._status(LOADING_MESSAGE)
        self.torch_loading.start()
        return True

    @Slot(object)
    def _on_torch_loading_torchLoaded(self, error) -> None:
        waiting, self._waiting_run = self._waiting_run, None
        if waiting is None:
            return
        if error:
            self._report("Cannot train", str(error))
            return
        self._start_run(*waiting)


def wait_for_torch() -> str | None:
    """Wait until torch has loaded, the window still painting (user input waits); return
    None, or why torch could not be loaded. For the few requests that need torch at once
    (generating a noisy line) and are made in the first second or two."""
    if torch_loader.loaded():
        return None
    if QCoreApplication.instance() is None:
        torch_loader.wait()
        return torch_loader.error()
    loop = QEventLoop()
    torch_loader.start(
        lambda _error: QMetaObject.invokeMethod(loop, "quit", Qt.ConnectionType.QueuedConnection))
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    return torch_loader.error()
