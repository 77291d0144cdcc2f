"""Text from the data, shown exactly as written: never as Markdown links, images or HTML.

Streamlit renders Markdown in most elements (markdown, captions, alerts, toasts, expander and
metric labels) and Plotly renders a subset of HTML in chart text. A lead source, stage label,
file name or publish note is data: `literal` escapes it for Markdown, `chart_text` for Plotly.
"""

from __future__ import annotations

import html
import re

# every character CommonMark, GitHub-flavoured Markdown or Streamlit's directives give meaning
# to (links, images, emphasis, code, HTML, tables, :icons:, $math$, ~strike~)
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=\"'&])")


def literal(value: object) -> str:
    """Return `value` as text that Streamlit's Markdown shows exactly as written, on one line."""
    text = " ".join(str(value).split())  # line breaks would start new Markdown blocks
    return _MARKDOWN.sub(r"\\\1", text)


def chart_text(value: object) -> str:
    """Return `value` as text Plotly shows as written (its labels accept a subset of HTML)."""
    return html.escape(str(value), quote=False)
