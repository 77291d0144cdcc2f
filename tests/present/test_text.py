"""Data shown as text: Markdown and HTML in CRM values never turn into links, images or markup."""

from __future__ import annotations

import pytest

from lib.present.text import chart_text, literal

PLANTED = [
    "![x](https://evil.example/pixel.png?from=app)",
    "[click me](https://evil.example)",
    "<img src=https://evil.example/p.png>",
    "**bold** _it_ `code` ~~gone~~",
    ":red[alarm] :material/warning: $x^2$",
    "# Heading\n- item",
]


@pytest.mark.parametrize("value", PLANTED)
def test_literal_escapes_every_markdown_meaning(value):
    escaped = literal(value)
    for mark in "[]()<>*_`~:$#!":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == mark)
    assert "\n" not in escaped


def test_literal_keeps_the_words_people_read():
    assert literal("Paid Search").replace("\\", "") == "Paid Search"
    assert literal("José & Co. (EMEA)").replace("\\", "") == "José & Co. (EMEA)"


def test_chart_text_escapes_html_tags():
    assert chart_text("<a href='https://evil.example'>x</a>") == (
        "&lt;a href='https://evil.example'&gt;x&lt;/a&gt;"
    )
