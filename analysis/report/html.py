"""HTML pieces of the report: figures as embedded SVG images, tables, sections and the page template.

Figures are SVG (vector: sharp on screen and in print) embedded as ``data:`` URIs, so the report is one file with
no external resource. Every text that comes from data (model names, file names) is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Section", "figure_html", "page", "table_html"]

#: rc settings for every saved figure: deterministic ids, no timestamp, print-friendly sizes.
_RC = {"svg.hashsalt": "humans-report", "font.size": 9, "axes.titlesize": 9.5, "axes.labelsize": 9}


@dataclass(frozen=True)
class Section:
    """One section of the report: an anchor id, a heading and its HTML body."""

    id: str
    title: str
    body: str


def figure_html(fig: Figure, alt: str, caption: str = "") -> str:
    """A ``<figure>`` holding ``fig`` as an SVG data URI, with ``alt`` text and an optional caption."""
    import matplotlib  # here, not at import: the dashboard's tables need this module, not matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    width = fig.get_figwidth()
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure><img style="max-width:{width:.2f}in" src="data:image/svg+xml;base64,{data}" '
        f'alt="{html.escape(alt)}">{cap}</figure>'
    )


def table_html(frame: pd.DataFrame, formats: dict[str, str] | None = None, numeric: tuple[str, ...] = ()) -> str:
    """An HTML table of ``frame`` (escaped), numbers formatted with ``formats`` (column -> format spec)."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, values, strict=True):
            if pd.isna(value) if not isinstance(value, str) else False:
                text = "–"
            elif col in formats:
                text = format(value, formats[col])
            else:
                text = str(value)
            is_num = col in formats or col in numeric
            cells.append(f'<td class="num">{html.escape(text)}</td>' if is_num else f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole HTML document: template, table of contents and sections."""
    template = Template(resources.files("analysis.report").joinpath("template.html").read_text(encoding="utf-8"))
    toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in sections)
    body = "\n".join(f'<section id="{s.id}">\n<h2>{html.escape(s.title)}</h2>\n{s.body}\n</section>' for s in sections)
    return template.substitute(title=html.escape(title), subtitle=subtitle, toc=toc, body=body)
