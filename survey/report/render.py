"""Blocks rendered: Markdown (charts linked from ``charts/``) and one self-contained HTML page.

The HTML has its CSS inline and the charts embedded as base64: no external resource.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from survey.report.blocks import Block, Bullets, Heading, Image, Para, Table

# ------------------------------------------------------------------ rendering


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown (charts linked as ``charts/<name>.png``)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(
                f"> **{b.text}**"
                if b.kind == "alert"
                else ("> " + b.text if b.kind == "note" else b.text)
            )
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Image):
            out.append(f"![{_md_cell(b.alt)}](charts/{b.name})")
        else:
            header = [
                f"{g}: {h}" if g else h for g, h in zip(_group_per_column(b), b.header, strict=True)
            ]
            align = ["---:" if b.numeric and b.numeric[i] else "---" for i in range(len(header))]
            lines = [
                "| " + " | ".join(_md_cell(h) for h in header) + " |",
                "| " + " | ".join(align) + " |",
            ]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _group_per_column(table: Table) -> list[str]:
    if not table.groups:
        return [""] * len(table.header)
    return [label for label, span in table.groups for _ in range(span)]


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
th{background:#f4f4f4;text-align:left}td.n,th.n{text-align:right;white-space:nowrap}
.wide{overflow-x:auto}.wide table{font-size:.78rem}.wide th{white-space:nowrap}
td:first-child{min-width:6em}.wide td:first-child{min-width:13em}
p.note{color:#555;font-size:.9rem}p.alert{background:#fff3cd;border:2px solid #d39e00;padding:.7rem 1rem;font-weight:bold}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.5rem 0}nav ul{columns:2}code{background:#f4f4f4}
"""


def _inline(text: str) -> str:
    """Escape text, then turn the few Markdown marks we use (**bold**, `code`) into tags."""
    parts = html.escape(text, quote=False).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>" if i < len(parts) - 1 else "`" + parts[i]
    bolded = "".join(parts).split("**")
    return "".join(
        f"<strong>{s}</strong>" if i % 2 and i < len(bolded) - 1 else ("**" + s if i % 2 else s)
        for i, s in enumerate(bolded)
    )


def _html_table(t: Table) -> str:
    num = list(t.numeric) or [False] * len(t.header)
    rows = []
    if t.groups:
        rows.append(
            "<tr>"
            + "".join(f'<th colspan="{span}">{_inline(label)}</th>' for label, span in t.groups)
            + "</tr>"
        )
    cls = [' class="n"' if n else "" for n in num]
    rows.append(
        "<tr>" + "".join(f"<th{cls[i]}>{_inline(h)}</th>" for i, h in enumerate(t.header)) + "</tr>"
    )
    body = [
        "<tr>" + "".join(f"<td{cls[i]}>{_inline(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in t.rows
    ]
    table = (
        "<table><thead>" + "".join(rows) + "</thead><tbody>" + "".join(body) + "</tbody></table>"
    )
    return f'<div class="wide">{table}</div>' if t.wide else table


def render_html(blocks: Sequence[Block], lang: str, contents_title: str) -> str:
    """The blocks as one self-contained HTML page (XHTML-compatible; charts as data URIs)."""
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "")
    nav = [
        f'<li><a href="#{b.anchor}">{_inline(b.text)}</a></li>'
        for b in blocks
        if isinstance(b, Heading) and b.anchor
    ]
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{b.anchor}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{_inline(b.text)}</h{b.level}>")
            if b.level == 1 and nav:
                body.append(
                    f"<nav><strong>{_inline(contents_title)}</strong><ul>{''.join(nav)}</ul></nav>"
                )
        elif isinstance(b, Para):
            cls = f' class="{b.kind}"' if b.kind != "p" else ""
            body.append(f"<p{cls}>{_inline(b.text)}</p>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.data).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(b.alt, quote=True)}" /></figure>'
            )
        else:
            body.append(_html_table(b))
    html_lang = (
        "zh-Hans" if lang == "zh" else lang
    )  # BCP 47: Chinese reports are in simplified characters
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8" />\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1" />\n<title>{_inline(title)}</title>\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
