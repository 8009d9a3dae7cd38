"""Where the main window opens: a size that fits the screen it opens on (no widgets here).

The window opens filling a small screen (a 1366×768 laptop) and at most
:data:`LARGE_SCREEN_SHARE` of a large one, centred; a saved geometry is used only if the
whole window, its title bar included, fits the available area of the screen now (the
screen may be smaller than the one it was saved on, or a projector).
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, QSize

#: Room kept for the window manager's frame and title bar around the window's client area
#: (the frame's real size is only known once the window is shown).
FRAME = QMargins(4, 34, 4, 4)
#: On a screen at least this wide and high (available area), the window takes
#: :data:`LARGE_SCREEN_SHARE` of it; on a smaller one, all of it.
LARGE_SCREEN = QSize(1600, 1000)
LARGE_SCREEN_SHARE = 0.9


def fitting_geometry(available: QRect, saved: QRect | None = None,
                     frame: QMargins = FRAME) -> QRect:
    """The client geometry the window opens at on a screen whose available area is
    ``available``.

    ``saved`` (a client geometry saved at the last close, or None) is kept if it fits in
    ``available`` with ``frame`` around it; otherwise the window fills ``available`` (less
    the frame) on a small screen, and :data:`LARGE_SCREEN_SHARE` of it, centred, on a large
    one.
    """
    inner = available.marginsRemoved(frame)
    if saved is not None and saved.isValid() and inner.contains(saved):
        return QRect(saved)
    size = inner.size()
    if available.width() >= LARGE_SCREEN.width() and available.height() >= \
            LARGE_SCREEN.height():
        size = QSize(round(size.width() * LARGE_SCREEN_SHARE),
                     round(size.height() * LARGE_SCREEN_SHARE))
    rect = QRect(inner.topLeft(), size)
    rect.moveCenter(inner.center())
    return rect


def fits(available: QRect, size: QSize, frame: QMargins = FRAME) -> bool:
    """A window of client ``size`` (with ``frame`` around it) fits in ``available``."""
    inner = available.marginsRemoved(frame)
    return size.width() <= inner.width() and size.height() <= inner.height()
