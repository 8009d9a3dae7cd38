"""Help ▸ User guide (F1): the guide's pages in a window of their own, links between them,
search across them, each panel's section (Shift+F1), and one clear line when the guide is
missing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gdstudio.ui.help import guide_pages
from gdstudio.ui.help.context_help import PANEL_TOPICS, find_part
from tests.paths import ROOT

GUIDE = ROOT / "resources" / "guide"


def press(window, qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    """Press ``key`` in the main window; the guide window it opens."""
    window.activateWindow()
    QTest.keyClick(window, key, modifier)
    qtbot.waitUntil(lambda: window.guide_help.guide is not None
                    and window.guide_help.guide.isVisible())
    return window.guide_help.guide


def link_position(browser, href: str) -> int | None:
    """Where the first link to ``href`` is in the page shown (its middle), or None."""
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                return fragment.position() + fragment.length() // 2
            it += 1
        block = block.next()
    return None


def click_link(guide, qtbot, href: str) -> None:
    """Click the first link to ``href`` on the page shown, as a user does."""
    browser = guide.browser
    position = link_position(browser, href)
    assert position is not None, f"no link to {href} on {guide.current_page}"
    cursor = QTextCursor(browser.document())
    cursor.setPosition(position)
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()

    def spot():
        return browser.cursorRect(cursor).center()

    # once the page is laid out and scrolled there, the link is under that spot
    qtbot.waitUntil(lambda: browser.anchorAt(spot()) == href)
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=spot())


def test_f1_opens_the_guide_at_its_first_page(window, qtbot):
    guide = press(window, qtbot, Qt.Key.Key_F1)
    assert guide.current_page == "index.md" and guide.current_anchor == ""
    assert guide.page_list.currentRow() == 0
    assert guide.page_list.count() == len(list(GUIDE.glob("*.md")))
    assert guide.browser.toPlainText().startswith("Gradient Descent Studio: the guide")
    assert not guide.isModal() and guide.isWindow()
    assert window.act_user_guide.shortcut().toString() == "F1"
    # the studio stays usable beside it, and a lesson cannot lock help
    assert window.act_train.isEnabled() and window.act_user_guide.isEnabled()


def test_a_link_to_another_page_goes_there(window, qtbot):
    guide = press(window, qtbot, Qt.Key.Key_F1)
    with qtbot.waitSignal(guide.pageShown):
        click_link(guide, qtbot, "sessions-and-lessons.md")
    assert guide.current_page == "sessions-and-lessons.md"
    assert guide.browser.toPlainText().startswith("Sessions and lessons")
    assert guide.page_list.currentItem().text() == "Sessions and lessons"
    # a link to a section of another page, then to a section of the same page
    guide.show_page("using-the-studio.md")
    with qtbot.waitSignal(guide.pageShown):
        click_link(guide, qtbot, "sessions-and-lessons.md#sessions")
    assert (guide.current_page, guide.current_anchor) == ("sessions-and-lessons.md", "sessions")
    with qtbot.waitSignal(guide.pageShown):
        click_link(guide, qtbot, "#lesson-files")
    assert (guide.current_page, guide.current_anchor) == ("sessions-and-lessons.md",
                                                          "lesson-files")
    qtbot.waitUntil(lambda: guide.section_visible("lesson-files"))


def test_search_finds_a_word_on_one_page_and_shows_it(window, qtbot):
    word = "SIGPIPE"
    pages = [p.name for p in GUIDE.glob("*.md") if word.lower() in p.read_text().lower()]
    assert pages == ["headless-trainer.md"]
    guide = press(window, qtbot, Qt.Key.Key_F1)
    QTest.keyClicks(guide.search_field, word.lower())
    assert guide.hits and {hit.page for hit in guide.hits} == {"headless-trainer.md"}
    assert guide.hit_list.count() == len(guide.hits)
    assert "on 1 page" in guide.hit_count.text()
    QTest.keyClick(guide.search_field, Qt.Key.Key_Return)  # Enter: the first place
    qtbot.waitUntil(lambda: guide.current_page == "headless-trainer.md")
    assert guide.browser.textCursor().selectedText() == word
    QTest.keyClick(guide.search_field, Qt.Key.Key_Return)  # and round again
    assert guide.current_page == "headless-trainer.md"
    assert guide.browser.textCursor().selectedText() == word


def test_search_for_what_is_nowhere_says_so(window, qtbot):
    guide = press(window, qtbot, Qt.Key.Key_F1)
    QTest.keyClicks(guide.search_field, "qwzxqwzx")
    QTest.keyClick(guide.search_field, Qt.Key.Key_Return)
    assert guide.hits == [] and guide.hit_count.text() == "Not found in the guide."
    assert guide.current_page == "index.md"


def test_every_panel_has_a_section_in_the_guide(window, qapp):
    for path, topic in PANEL_TOPICS:
        assert find_part(window, path) is not None, path
        page, anchor = guide_pages.split_topic(topic)
        guide = window.guide_help.open(topic)
        assert (guide.current_page, guide.current_anchor) == (page, anchor), topic


def test_context_help_opens_the_panels_section(window, qtbot):
    h = window.guide_help
    cases = [(window.data_panel, "using-the-studio.md", "data"),
             (window.panel.learning_rate, "using-the-studio.md", "training-settings"),
             (window.panel.lr_gauge, "using-the-studio.md", "the-learning-rate-gauge"),
             (window.runs_list, "using-the-studio.md", "compare-runs"),
             (window.loss_plot.viewport(), "using-the-studio.md", "plots"),
             (window.line_views.timeline.slider, "views.md", "one-timeline")]
    for widget, page, anchor in cases:
        guide = h.open_context(widget)
        assert (guide.current_page, guide.current_anchor) == (page, anchor), widget
        qtbot.waitUntil(lambda g=guide, a=anchor: g.section_visible(a))


def test_shift_f1_opens_the_section_of_the_view_under_the_pointer(window, qtbot):
    before = QCursor.pos()
    plot = window.landscape_plot
    QCursor.setPos(plot.mapToGlobal(plot.rect().center()))
    try:
        qtbot.waitUntil(lambda: window.guide_help.topic_for(
            QApplication.widgetAt(QCursor.pos())) == "views.md#the-loss-landscape")
        guide = press(window, qtbot, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    finally:
        QCursor.setPos(before)
    assert (guide.current_page, guide.current_anchor) == ("views.md", "the-loss-landscape")
    qtbot.waitUntil(lambda: guide.section_visible("the-loss-landscape"))
    assert guide.browser.verticalScrollBar().value() > 0
    assert window.act_context_help.shortcut().toString() == "Shift+F1"


def test_a_missing_guide_says_so_in_one_line(window, qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "guide"
    empty.mkdir()
    monkeypatch.setattr(guide_pages, "candidate_folders", lambda: [empty])
    guide = press(window, qtbot, Qt.Key.Key_F1)
    text = guide.browser.toPlainText()
    assert text == guide_pages.missing_text() and "\n" not in text
    assert text.startswith("The user guide is not installed") and str(empty) in text
    assert guide.page_list.count() == 0 and not guide.search_field.isEnabled()
    assert window.statusBar().currentMessage() == text
    assert window.guide_help.open_context(window.data_panel) is guide  # no traceback either


def test_every_page_is_laid_out_whole(qtbot):
    """Each paragraph of each page has its lines (Qt lays out lazily; a page changed while
    half laid out once left paragraphs without lines, and links there could not be
    clicked)."""
    from gdstudio.ui.help.guide_window import GuideWindow

    guide = GuideWindow(guide_pages.guide_folder())
    qtbot.addWidget(guide)
    guide.show()
    qtbot.waitExposed(guide)
    for name in guide.pages:
        guide.show_page(name)
        doc = guide.browser.document()
        layout = doc.documentLayout()
        block, empty = doc.begin(), []
        while block.isValid():
            if layout.blockBoundingRect(block).height() == 0:
                empty.append(block.text()[:40])
            block = block.next()
        assert empty == [], name
