"""The user guide's window: the page list, the page (Markdown, with its pictures and working
links) and a search across every page.

Links between pages are relative Markdown links (``sessions-and-lessons.md#lesson-files``);
each heading gets the anchor GitHub gives it, so the same links work on the web and here. A
link that leaves the guide opens outside the studio when its target exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QDesktopServices,
    QKeySequence,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gdstudio.ui.help.guide_pages import (
    Page,
    heading_anchors,
    missing_text,
    read_pages,
    split_topic,
)

#: The widest a picture is drawn in a page (pixels); the page's screenshots are larger.
PICTURE_WIDTH = 640
#: The most places a search lists.
MAX_HITS = 500
#: The characters of context shown on each side of a search hit.
CONTEXT = 32


class Hit(NamedTuple):
    page: str
    start: int
    end: int


def page_document(page: Page, folder: Path | None) -> QTextDocument:
    """A page rendered as Qt renders Markdown (GitHub's dialect), its pictures found beside
    it."""
    doc = QTextDocument()
    if folder is not None:
        doc.setBaseUrl(QUrl.fromLocalFile(str(folder) + "/"))
    doc.setMarkdown(page.text)
    return doc


def lay_out(doc: QTextDocument) -> None:
    """Lay the whole document out now (Qt otherwise lays out as far as is shown)."""
    doc.documentLayout().blockBoundingRect(doc.lastBlock())


def headings(doc: QTextDocument) -> list:
    """The heading blocks of a rendered page, in order."""
    blocks, block = [], doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0:
            blocks.append(block)
        block = block.next()
    return blocks


class GuideWindow(QWidget):
    """The guide, in a window of its own (the studio stays usable beside it).

    ``folder`` holds the pages (None, or a folder without them: the window says so in one
    line).
    """

    #: A page was shown: its name and the section scrolled to ("" for the top).
    pageShown = Signal(str, str)

    def __init__(self, folder: Path | None, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Gradient Descent Studio: user guide")
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.resize(980, 700)
        self.folder = folder
        self.pages = {page.name: page for page in read_pages(folder)}
        self._documents: dict[str, QTextDocument] = {}  # for searching, made when first needed
        self.current_page = ""
        self.current_anchor = ""
        self.hits: list[Hit] = []
        self._hit = -1
        self._searched = ""

        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText("Search the guide (Enter: next)")
        self.search_field.setClearButtonEnabled(True)
        self.hit_count = QLabel()
        self.hit_list = QListWidget()
        self.page_list = QListWidget()
        for listing in (self.hit_list, self.page_list):
            listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.document().setUndoRedoEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)

        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search_field)
        column.addWidget(self.hit_count)
        column.addWidget(self.hit_list, 1)
        column.addWidget(self.page_list, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 740])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        for page in self.pages.values():
            self.page_list.addItem(page.title)
        self.page_list.currentRowChanged.connect(self._on_page_list_currentRowChanged)
        self.browser.anchorClicked.connect(self.follow_link)
        self.search_field.textChanged.connect(self._on_search_field_textChanged)
        self.search_field.returnPressed.connect(self.next_hit)
        self.hit_list.currentRowChanged.connect(self._on_hit_list_currentRowChanged)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self,
                  self.search_field.setFocus)
        self._show_hits()
        if not self.pages:
            self.search_field.setEnabled(False)
            self.browser.setPlainText(missing_text())

    # ------------------------------------------------------------------ pages
    def show_topic(self, topic: str) -> bool:
        """Show ``"page.md#section"`` (or a page alone); False when there is no such page."""
        return self.show_page(*split_topic(topic))

    def show_page(self, name: str, anchor: str = "") -> bool:
        """Show page ``name``, scrolled to its section ``anchor`` (the top when empty)."""
        if name not in self.pages:
            self.status.setText(missing_text() if not self.pages
                                else f"The guide has no page {name}.")
            return False
        if name != self.current_page:
            self._render(self.pages[name])
        self.current_anchor = anchor if anchor in self.anchors() else ""
        if anchor and not self.current_anchor:
            self.status.setText(f"{self.pages[name].title} has no section #{anchor}.")
        else:
            self.status.clear()
        if self.current_anchor:
            self.browser.scrollToAnchor(self.current_anchor)
        else:
            self.browser.verticalScrollBar().setValue(0)
        self.pageShown.emit(name, self.current_anchor)
        return True

    def _render(self, page: Page) -> None:
        self.current_page = page.name
        doc = self.browser.document()
        if self.folder is not None:
            doc.setBaseUrl(QUrl.fromLocalFile(str(self.folder) + "/"))
        self.browser.setMarkdown(page.text)
        # The page is laid out whole before the headings and pictures are changed: Qt lays
        # out lazily, and changed while half laid out, some paragraphs got no lines at all.
        lay_out(doc)
        self._name_headings(doc)
        self._fit_pictures(doc)
        lay_out(doc)
        self.setWindowTitle(f"{page.title} — Gradient Descent Studio user guide")
        row = list(self.pages).index(page.name)
        if self.page_list.currentRow() != row:
            self.page_list.blockSignals(True)
            self.page_list.setCurrentRow(row)
            self.page_list.blockSignals(False)

    @staticmethod
    def _name_headings(doc: QTextDocument) -> None:
        """Give each heading its anchor, so that ``#section`` links and scrolling find it."""
        blocks = headings(doc)
        for block, anchor in zip(blocks, heading_anchors([b.text() for b in blocks]),
                                 strict=True):
            cursor = QTextCursor(block)
            cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                                QTextCursor.MoveMode.KeepAnchor)
            mark = QTextCharFormat()
            mark.setAnchor(True)
            mark.setAnchorNames([anchor])
            cursor.mergeCharFormat(mark)

    @staticmethod
    def _fit_pictures(doc: QTextDocument) -> None:
        """Draw each picture at most :data:`PICTURE_WIDTH` wide, keeping its proportions."""
        pictures = []
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().isImageFormat():
                    pictures.append((fragment.position(), fragment.length(),
                                     fragment.charFormat().toImageFormat()))
                it += 1
            block = block.next()
        for position, length, image in pictures:
            picture = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(image.name()))
            width = picture.width() if hasattr(picture, "width") else 0
            if width > PICTURE_WIDTH:
                fitted = QTextImageFormat(image)
                fitted.setWidth(PICTURE_WIDTH)
                fitted.setHeight(picture.height() * PICTURE_WIDTH / width)
                cursor = QTextCursor(doc)
                cursor.setPosition(position)
                cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(fitted)

    def anchors(self) -> list[str]:
        """The sections of the page shown."""
        blocks = headings(self.browser.document())
        return heading_anchors([b.text() for b in blocks])

    def section_visible(self, anchor: str) -> bool:
        """Whether the heading of section ``anchor`` of the page shown is in view."""
        blocks = headings(self.browser.document())
        for block, name in zip(blocks, heading_anchors([b.text() for b in blocks]),
                               strict=True):
            if name == anchor:
                layout = self.browser.document().documentLayout()
                top = layout.blockBoundingRect(block).top()
                scroll = self.browser.verticalScrollBar().value()
                return scroll <= top < scroll + self.browser.viewport().height()
        return False

    @Slot(int)
    def _on_page_list_currentRowChanged(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            self.show_page(list(self.pages)[row])

    # ------------------------------------------------------------------ links
    @Slot(QUrl)
    def follow_link(self, url: QUrl) -> None:
        """A link clicked in a page: another page (and section), a section of this page, or
        a target outside the guide (opened by the desktop when it exists)."""
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        if not url.path():
            self.show_page(self.current_page, url.fragment())
            return
        base = QUrl.fromLocalFile(str(self.folder / self.current_page)) if self.folder else None
        target = base.resolved(url) if base is not None and url.isRelative() else url
        path = Path(target.toLocalFile()) if target.isLocalFile() else None
        if path is not None and self.folder is not None and path.parent == self.folder \
                and path.name in self.pages:
            self.show_page(path.name, url.fragment())
        elif path is not None and path.exists():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        else:
            self.status.setText(f"{url.toString()} is not part of the user guide.")

    # ------------------------------------------------------------------ search
    def document(self, name: str) -> QTextDocument:
        """Page ``name`` rendered, for searching (the page shown is rendered alike, so a
        place found here is the same place there)."""
        if name not in self._documents:
            self._documents[name] = page_document(self.pages[name], None)
        return self._documents[name]

    def search(self, text: str) -> list[Hit]:
        """Every place ``text`` is on any page (case ignored), in page order; listed."""
        self._searched = text
        self.hits, self._hit = [], -1
        if text.strip():
            for name in self.pages:
                doc = self.document(name)
                cursor = doc.find(text, 0)
                while not cursor.isNull() and len(self.hits) < MAX_HITS:
                    self.hits.append(Hit(name, cursor.selectionStart(), cursor.selectionEnd()))
                    cursor = doc.find(text, cursor.selectionEnd())
        self._show_hits()
        return self.hits

    def _show_hits(self) -> None:
        self.hit_list.blockSignals(True)
        self.hit_list.clear()
        for hit in self.hits:
            self.hit_list.addItem(f"{self.pages[hit.page].title}: {self._context(hit)}")
        self.hit_list.blockSignals(False)
        self.hit_list.setVisible(bool(self._searched.strip()))
        self.hit_count.setVisible(bool(self._searched.strip()))
        pages = len({hit.page for hit in self.hits})
        if not self.hits:
            self.hit_count.setText("Not found in the guide.")
        else:
            more = " or more" if len(self.hits) >= MAX_HITS else ""
            places = "place" if len(self.hits) == 1 else "places"
            self.hit_count.setText(f"{len(self.hits)}{more} {places} on {pages} "
                                   f"page{'s' if pages > 1 else ''}")

    def _context(self, hit: Hit) -> str:
        """The words around a place found, from its paragraph."""
        block = self.document(hit.page).findBlock(hit.start)
        text = block.text().replace("\u2028", " ")
        start, end = hit.start - block.position(), hit.end - block.position()
        before = text[max(start - CONTEXT, 0):start]
        return f"…{before}{text[start:end]}{text[end:end + CONTEXT]}…"

    @Slot()
    def next_hit(self) -> None:
        """Enter in the search field: the next place found (searching first if the text
        changed), round to the first after the last."""
        text = self.search_field.text()
        if text != self._searched:
            self.search(text)
        if self.hits:
            self.show_hit((self._hit + 1) % len(self.hits))

    def show_hit(self, index: int) -> None:
        """Show place ``index`` of the last search, selected on its page."""
        self._hit = index
        hit = self.hits[index]
        self.show_page(hit.page)
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(hit.start)
        cursor.setPosition(hit.end, QTextCursor.MoveMode.KeepAnchor)
        self.browser.setTextCursor(cursor)
        self.browser.ensureCursorVisible()
        if self.hit_list.currentRow() != index:
            self.hit_list.blockSignals(True)
            self.hit_list.setCurrentRow(index)
            self.hit_list.blockSignals(False)

    @Slot(str)
    def _on_search_field_textChanged(self, text: str) -> None:
        if len(text.strip()) >= 2 or not text.strip():
            self.search(text)

    @Slot(int)
    def _on_hit_list_currentRowChanged(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            self.show_hit(row)


class CloseWith(QObject):
    """Closes ``guide`` when ``window`` closes (not when it is minimized)."""

    def __init__(self, window: QWidget, guide: QWidget):
        super().__init__(guide)
        self.guide = guide
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Hide and not event.spontaneous():
            self.guide.close()
        return False
