"""The guide has a page on logistic regression, listed in the guide window's order."""

from __future__ import annotations

from gdstudio.ui.help.guide_pages import guide_folder, read_pages


def test_the_guide_lists_a_page_on_logistic_regression():
    pages = read_pages(guide_folder())
    titles = [p.title for p in pages]
    assert "Logistic regression" in titles
    assert "](logistic-regression.md)" in pages[0].text  # listed by the index, in its order
    text = next(p.text for p in pages if p.title == "Logistic regression")
    for words in ("σ(z) = 1 / (1 + e^(−z))", "x = −b / w", "no finite optimum",
                  "nn.BCEWithLogitsLoss", "squared error on σ", "Undo Switch to logistic",
                  "Each model keeps its own data"):
        assert words in text, words
