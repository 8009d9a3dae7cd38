"""The user guide's pages: where they are, their order and titles, and the names of their
sections (no Qt here).

The pages are the Markdown files of ``resources/guide/``, which the wheel installs as
``gdstudio/resources/guide/``; the lookup is :func:`gdstudio.ui.window.main_window.resource_path`'s,
so the guide is found in an installed copy as in a checkout.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import gdstudio.version

#: The first page, and the one that lists the others in their order.
INDEX = "index.md"

_LINK = re.compile(r"\]\(([A-Za-z0-9_.-]+\.md)(?:#[^)]*)?\)")


def candidate_folders() -> list[Path]:
    """Where the guide may be: installed beside the package, or in the checkout."""
    here = Path(gdstudio.version.__file__).resolve().parent
    return [here / "resources" / "guide", here.parent / "resources" / "guide"]


def guide_folder() -> Path | None:
    """The first folder of :func:`candidate_folders` that holds the guide's first page."""
    for folder in candidate_folders():
        if (folder / INDEX).is_file():
            return folder
    return None


def missing_text() -> str:
    """What the guide window says when there is no guide: one line."""
    looked = " or ".join(str(folder) for folder in candidate_folders())
    return f"The user guide is not installed: no {INDEX} in {looked}."


@dataclass(frozen=True)
class Page:
    name: str  # the file's name, as links name it
    title: str  # its first heading
    text: str  # its Markdown


def page_title(name: str, text: str) -> str:
    """A page's first level-1 heading, else its file name."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return name


def read_pages(folder: Path | None) -> list[Page]:
    """The guide's pages: the index first, then the pages in the order the index links them,
    then any others by name. Empty when ``folder`` is None or has no index."""
    if folder is None or not (folder / INDEX).is_file():
        return []
    texts = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.md")}
    order = [INDEX]
    for name in _LINK.findall(texts[INDEX]):
        if name in texts and name not in order:
            order.append(name)
    order += sorted(set(texts) - set(order))
    return [Page(name, page_title(name, texts[name]), texts[name]) for name in order]


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub makes it: lower case, punctuation dropped, spaces as
    hyphens ("Stop rule, Continue and ..." -> "stop-rule-continue-and-...")."""
    text = unicodedata.normalize("NFKC", heading).strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def heading_anchors(headings: list[str]) -> list[str]:
    """The anchors of a page's headings in order; a repeated one gets -1, -2... as GitHub
    numbers them."""
    seen: dict[str, int] = {}
    anchors = []
    for heading in headings:
        base = slug(heading)
        n = seen.get(base, 0)
        anchors.append(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return anchors


def split_topic(topic: str) -> tuple[str, str]:
    """``"page.md#section"`` as (page, section); the section may be empty."""
    page, _, anchor = topic.partition("#")
    return page or INDEX, anchor
