"""Mouse helpers for pyqtgraph views (real QMouseEvents sent to the plot's viewport), the
window's questions, and worker threads held mid-way."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

NO_MOD = Qt.KeyboardModifier.NoModifier


def data_to_viewport(plot, x: float, y: float) -> QPointF:
    """Pixel position in ``plot.viewport()`` of the data coordinates (x, y)."""
    scene = plot.getViewBox().mapViewToScene(QPointF(x, y))
    return QPointF(plot.mapFromScene(scene))


def _send(plot, kind, pos: QPointF, button, buttons, modifiers=NO_MOD):
    if kind == QEvent.Type.MouseMove:
        # pyqtgraph drops mouse moves that come faster than the screen refreshes
        time.sleep(0.025)
    viewport = plot.viewport()
    global_pos = QPointF(viewport.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    event = QMouseEvent(kind, pos, global_pos, button, buttons, modifiers)
    QApplication.sendEvent(viewport, event)


def click(plot, pos: QPointF, button=Qt.MouseButton.LeftButton, modifiers=NO_MOD):
    _send(plot, QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    _send(plot, QEvent.Type.MouseButtonPress, pos, button, button, modifiers)
    _send(plot, QEvent.Type.MouseButtonRelease, pos, button, Qt.MouseButton.NoButton, modifiers)
    QApplication.processEvents()


def drag(plot, start: QPointF, end: QPointF, steps: int = 10,
         button=Qt.MouseButton.LeftButton):
    _send(plot, QEvent.Type.MouseMove, start, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    _send(plot, QEvent.Type.MouseButtonPress, start, button, button)
    for i in range(1, steps + 1):
        t = i / steps
        p = QPointF(start.x() + (end.x() - start.x()) * t, start.y() + (end.y() - start.y()) * t)
        _send(plot, QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, button)
    _send(plot, QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton)
    QApplication.processEvents()


def open_question(window, title: str = "Quit?"):
    """The question box titled ``title`` open over ``window``, or None."""
    boxes = [box for box in window.messages.boxes if box.windowTitle() == title]
    return boxes[-1] if boxes else None


def answer(window, button_text: str, title: str = "Quit?") -> None:
    """Click ``button_text`` in the question ``title`` open over ``window``."""
    box = open_question(window, title)
    assert box is not None, f"no question {title!r} is open"
    (button,) = [b for b in box.buttons() if b.text().replace("&", "") == button_text]
    button.click()
    QApplication.processEvents()


class HeldWork:
    """A worker thread's function (``module.name``, which reports its progress through its
    argument ``progress``, passed by keyword or at ``position``), held after its first
    report until the GUI thread lets it go on (:meth:`go_on`).

    The test acts while the work is surely under way, and learns where it ran. If the work
    ran on the GUI thread, nothing could let it go on: it records that it was never let go
    instead of hanging (:attr:`released`)."""

    def __init__(self, monkeypatch, module, name: str, position: int):
        self.threads: list[int] = []  # where each call ran
        self.held = threading.Event()
        self._go_on = threading.Event()
        self.released: list[bool] = []  # per hold: let go on by the GUI thread
        work = getattr(module, name)

        def held(*args, **kwargs):
            self.threads.append(threading.get_ident())
            args = list(args)
            progress = kwargs["progress"] if "progress" in kwargs else args[position]

            def report(*values):
                progress(*values)
                if not self.held.is_set():
                    self.held.set()
                    self.released.append(self._go_on.wait(60))

            if "progress" in kwargs:
                kwargs["progress"] = report
            else:
                args[position] = report
            return work(*args, **kwargs)

        monkeypatch.setattr(module, name, held)

    def go_on(self) -> None:
        self._go_on.set()

    def ran_off_the_gui_thread_while_it_turned(self) -> bool:
        """The work ran once, on another thread, which the GUI thread let go on."""
        return (self.released == [True] and len(self.threads) == 1
                and self.threads[0] != threading.get_ident())


class _Relay(QObject):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.seen: list[tuple] = []

    def _relay(self, *args) -> None:
        self.seen.append(args)
        self.relayed.emit(*args)


class _IntIntRelay(_Relay):
    relayed = Signal(int, int)

    @Slot(int, int)
    def _on_signal(self, *args) -> None:
        self._relay(*args)


class _StrStrRelay(_Relay):
    relayed = Signal(str, str)

    @Slot(str, str)
    def _on_signal(self, *args) -> None:
        self._relay(*args)


class _ObjectRelay(_Relay):
    relayed = Signal(object)

    @Slot(object)
    def _on_signal(self, *args) -> None:
        self._relay(*args)


_RELAYS = {(int, int): _IntIntRelay, (str, str): _StrStrRelay, (object,): _ObjectRelay}


def in_gui_thread(signal, *types, parent=None):
    """A worker thread's ``signal`` (of argument ``types``), relayed into the GUI thread: the
    returned object's ``relayed`` signal is emitted there with the same arguments, and its
    ``seen`` lists them all. A test waits on ``relayed``, never on the worker's own signal:
    pytest-qt's waiting slot is a plain function, which runs in the thread that emits and
    quits the GUI thread's event loop from there (seen as a crash of the test process). The
    relay lives in the GUI thread and its slot is a Qt slot, so each emit is queued to it."""
    relay = _RELAYS[types](parent)
    signal.connect(relay._on_signal)
    return relay


def progress_in_gui_thread(signal, parent=None):
    """:func:`in_gui_thread` for a ``progressed(done, total)`` signal."""
    return in_gui_thread(signal, int, int, parent=parent)
