"""Plots to PNG or SVG bytes through pyqtgraph's exporters, one view or several side by side.

The plots are laid out on a page of the chosen size that is never shown on a screen; each
plot is exported with :class:`pyqtgraph.exporters.ImageExporter` or
:class:`~pyqtgraph.exporters.SVGExporter` at its place on the page, and the pieces are put
together: painted into one image, or moved into place as groups of one SVG document (their
ids prefixed, so that each keeps its own clipping). ``gdstudio train --figure`` and File ▸
Export figure both draw through :func:`render_plots`.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET

from PySide6.QtCore import QBuffer, QIODevice, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

__all__ = ["render_plots"]

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _tolerate_closed_paths() -> None:
    """pyqtgraph 0.14's SVG exporter reads each path command as ``x,y``, but newer Qt writes
    a close-path ``Z`` too: write each ``Z`` as a line back to its subpath's start (the same
    shape) before the exporter reads the path."""
    module = sys.modules.get("pyqtgraph.exporters.SVGExporter")
    correct = getattr(module, "correctCoordinates", None)
    if correct is None or getattr(correct, "gd_tolerant", False):
        return

    def tolerant(node, defs, item, options):
        for path in node.getElementsByTagName("path"):
            tokens, start = [], None
            for token in path.getAttribute("d").split():
                if token[0] == "M":
                    start = token[1:]
                if token == "Z":
                    if start is None:
                        continue
                    token = "L" + start
                tokens.append(token)
            path.setAttribute("d", " ".join(tokens))
        return correct(node, defs, item, options)

    tolerant.gd_tolerant = True
    module.correctCoordinates = tolerant


def _page(plots, size) -> QWidget:
    page = QWidget()
    page.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    page.setStyleSheet("background: white;")
    layout = QHBoxLayout(page)
    layout.setContentsMargins(4, 4, 4, 4)
    for plot in plots:
        layout.addWidget(plot)
    page.setFixedSize(*size)
    page.show()
    QApplication.processEvents()
    return page


def _png(page: QWidget, plots, size) -> bytes:
    from pyqtgraph.exporters import ImageExporter

    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        for plot in plots:
            exporter = ImageExporter(plot.plotItem)
            params = exporter.parameters()
            width, height = plot.width(), plot.height()
            params.param("width").setValue(width, blockSignal=exporter.widthChanged)
            params.param("height").setValue(height, blockSignal=exporter.heightChanged)
            part = exporter.export(toBytes=True)
            painter.drawImage(plot.mapTo(page, QPoint(0, 0)), part)
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def _prefixed(svg: str, prefix: str) -> str:
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)


def _svg(page: QWidget, plots, size, title: str) -> bytes:
    from pyqtgraph.exporters import SVGExporter

    _tolerate_closed_paths()
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    width, height = size
    root = ET.Element(f"{{{SVG_NS}}}svg", {
        "version": "1.1", "width": str(width), "height": str(height),
        "viewBox": f"0 0 {width} {height}"})
    ET.SubElement(root, f"{{{SVG_NS}}}title").text = title
    ET.SubElement(root, f"{{{SVG_NS}}}rect",
                  {"width": "100%", "height": "100%", "fill": "#ffffff"})
    for i, plot in enumerate(plots):
        text = SVGExporter(plot.plotItem).export(toBytes=True).decode("utf-8")
        part = ET.fromstring(_prefixed(text, f"v{i}_"))
        corner = plot.mapTo(page, QPoint(0, 0))
        group = ET.SubElement(root, f"{{{SVG_NS}}}g", {
            "id": f"v{i}_view", "transform": f"translate({corner.x()},{corner.y()})"})
        group.extend(child for child in part
                     if child.tag not in (f"{{{SVG_NS}}}title", f"{{{SVG_NS}}}desc"))
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")


def render_plots(plots, size: tuple[int, int], fmt: str, title: str = "gdstudio") -> bytes:
    """``plots`` (pyqtgraph ``PlotWidget``\\ s, left to right) on a white page of ``size``
    pixels (width, height), as ``fmt`` (``"png"`` or ``"svg"``) bytes. The plots are
    reparented to the page and deleted with it. GUI thread only."""
    page = _page(plots, size)
    try:
        if fmt == "png":
            return _png(page, plots, size)
        return _svg(page, plots, size, title)
    finally:
        page.close()
        page.deleteLater()
