"""The user guide's pages: shipped in the wheel, their links and sections found, and the
README's links to them."""

from __future__ import annotations

import re
from fnmatch import fnmatch

import pytest

from gdstudio.ui.help import guide_pages
from tests.paths import ROOT

GUIDE = ROOT / "resources" / "guide"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def links(text: str) -> list[str]:
    """The targets of a Markdown text's links and pictures, outside code blocks."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return [target for target in LINK.findall(text) if "://" not in target]


def test_the_guide_is_found_in_the_checkout():
    assert guide_pages.guide_folder() == GUIDE
    pages = guide_pages.read_pages(GUIDE)
    assert pages[0].name == "index.md"
    assert {p.name for p in pages} == {p.name for p in GUIDE.glob("*.md")}
    assert len(pages) >= 8


def test_the_wheel_carries_every_page_and_picture_of_the_guide():
    """pyproject's package data for gdstudio.resources (installed from resources/) covers
    every file of resources/guide/ and every picture a page shows."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    assert setuptools["package-dir"]["gdstudio.resources"] == "resources"
    patterns = setuptools["package-data"]["gdstudio.resources"]
    resources = ROOT / "resources"
    files = {p.relative_to(resources).as_posix() for p in GUIDE.rglob("*") if p.is_file()}
    for page in GUIDE.glob("*.md"):
        for target in links(page.read_text(encoding="utf-8")):
            path = (GUIDE / target.split("#")[0]).resolve()
            if path.suffix == ".png":
                assert path.is_file(), (page.name, target)
                files.add(path.relative_to(resources).as_posix())
    assert [f for f in sorted(files) if not any(fnmatch(f, p) for p in patterns)] == []


def test_every_link_between_pages_finds_its_page_and_section(qapp):
    from gdstudio.ui.help.guide_window import headings, page_document

    pages = {p.name: p for p in guide_pages.read_pages(GUIDE)}
    sections = {}
    for name, page in pages.items():
        doc = page_document(page, None)  # (kept while its blocks are read)
        sections[name] = guide_pages.heading_anchors([b.text() for b in headings(doc)])
    broken = []
    for name, page in pages.items():
        for target in links(page.text):
            path, _, anchor = target.partition("#")
            if path.endswith(".png"):
                continue
            if not path:
                ok = anchor in sections[name]
            elif (GUIDE / path).resolve().parent == GUIDE:
                ok = path in pages and (not anchor or anchor in sections[path])
            else:  # outside the guide: in the source only (the speed figures)
                ok = (GUIDE / path).resolve().is_file()
            if not ok:
                broken.append((name, target))
    assert broken == []


def test_the_readme_links_to_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    missing = [t for t in links(readme) if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []
    results = ROOT / "tests" / "bench" / "results" / "README.md"
    assert "tests/bench/results/README.md" in readme and results.is_file()
    for target in links(results.read_text(encoding="utf-8")):
        assert (results.parent / target.split("#")[0]).resolve().is_file(), target
