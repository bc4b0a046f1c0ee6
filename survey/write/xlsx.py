"""Deterministic XLSX workbooks: every table the package writes as a workbook goes through here.

Text cells are neutralised against formula injection as in CSV files
(:func:`survey.write.tabular.neutralise`), the header row is bold and frozen, columns
are sized to their content.  **Identical input, identical bytes**: workbooks get
fixed document-property dates and fixed zip entry dates (openpyxl stamps the
time of saving on both), and are written whole or not at all
(:func:`survey.write.tabular.write_bytes_atomic`).

Speed: worksheets are streamed straight to XML (:func:`xlsx_bytes`) with the
cell values, types, fonts, panes and widths openpyxl gave them; openpyxl still
builds workbooks whose sheets need a worksheet object (a ``format`` callback)
or hold dates.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from survey.write.arrowtext import _arrow, _buffer, _has_any, _join, _large_text
from survey.errors import ExportError
from survey.write.numtext import _g16_scalar, format_g16
from survey.write.tabular import (
    _FLOAT_EA,
    _INT_EA,
    _neutralise_column,
    _neutralise_text,
    neutralise,
    write_bytes_atomic,
)

#: Date written into XLSX document properties and zip entries instead of "now".
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
#: Excel's limits.
MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576

_SHEET_INVALID = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 forbids (openpyxl refuses them): C0 controls except tab, LF, CR.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_ILLEGAL_CHARS = "".join(chr(c) for c in range(32) if _XML_ILLEGAL.match(chr(c)))
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


# --------------------------------------------------------------------------- XLSX


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a table plus optional formatting.

    Attributes
    ----------
    name : str
        Wanted sheet name; cleaned and made unique by :func:`sheet_names`.
    frame : pandas.DataFrame
        The table; its column labels form the bold header row.
    bold_rows : tuple of int
        0-based positions of data rows to set in bold (e.g. totals, nets).
    index : bool
        Write the index as the first column(s).
    format : callable, optional
        ``format(worksheet)`` is called after the table is written, for anything
        richer (banner layouts, number formats).  It must be deterministic.
    """

    name: str
    frame: pd.DataFrame
    bold_rows: tuple[int, ...] = ()
    index: bool = False
    format: Callable[[Any], None] | None = field(default=None, compare=False)


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame] | Sequence[Sheet],
    path: str | Path,
    *,
    freeze_header: bool = True,
    notes: Iterable[str] | None = None,
) -> None:
    """Write tables as a workbook with byte-identical output for identical input.

    Text is neutralised (see :func:`neutralise`), the header row is bold and (by
    default) frozen, columns are sized to their content (CJK characters count
    double, at most 60).  Sheet names are cleaned: ``[]:*?/\\`` become ``_``, names
    are cut to 31 characters and made unique.  Control characters that XML cannot
    hold are removed from text cells.

    Parameters
    ----------
    sheets : mapping of name to DataFrame, or sequence of Sheet
        The tables, in sheet order.
    path : str or Path
        Destination, written atomically.
    freeze_header : bool, default True
        Freeze the first row.
    notes : iterable of str, optional
        Lines written one per row to a last sheet named ``notes``.

    Raises
    ------
    ExportError
        A table exceeds Excel's limits (rows, 32,767 characters per cell) or
        there is no sheet at all.

    Examples
    --------
    >>> write_xlsx({"toplines": pd.DataFrame({"q": ["a"], "pct": [51.2]})}, "t.xlsx")  # doctest: +SKIP
    """
    specs = [Sheet(n, f) for n, f in sheets.items()] if isinstance(sheets, Mapping) else list(sheets)
    if notes is not None:
        specs.append(Sheet("notes", pd.DataFrame({"notes": list(notes)})))
    if not specs:
        raise ExportError(f"cannot write {Path(path).name}: no sheets")
    write_bytes_atomic(Path(path), xlsx_bytes(specs, freeze_header=freeze_header))


def xlsx_bytes(specs: Sequence[Sheet], *, freeze_header: bool = True) -> bytes:
    """The workbook of :func:`write_xlsx` as bytes (deterministic).

    Sheets are streamed straight to worksheet XML (:func:`_sheet_xml`): text as
    inline strings, numbers as openpyxl writes them (``%.16g``), bold header and
    bold rows, frozen header and column widths as before.  A workbook with a
    sheet that has a ``format`` callback (it needs an openpyxl worksheet), or with
    cells of a type the stream does not write (dates, times, decimals in object
    columns, ...), is built with openpyxl instead (:func:`_xlsx_bytes_openpyxl`).
    Both give the same cell values, types, fonts, frozen panes and widths.
    """
    names = sheet_names([s.name for s in specs])
    if all(spec.format is None for spec in specs):
        sheets = []
        for name, spec in zip(names, specs):
            xml = _sheet_xml(spec, name, freeze_header)
            if xml is None:
                break
            sheets.append(xml)
        else:
            return _workbook_zip(names, sheets)
    return _xlsx_bytes_openpyxl(specs, freeze_header=freeze_header)


def _xlsx_bytes_openpyxl(specs: Sequence[Sheet], *, freeze_header: bool = True) -> bytes:
    """:func:`xlsx_bytes` through openpyxl cell objects (for ``format`` callbacks and other cell types)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.xml.functions import tostring

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, spec in zip(sheet_names([s.name for s in specs]), specs):
        ws = wb.create_sheet(name)
        table = _xlsx_ready(spec.frame.reset_index() if spec.index else spec.frame, name)
        ws.append([str(c) for c in table.columns])
        for row in table.itertuples(index=False, name=None):
            ws.append(row)
        for cell in ws[1]:
            cell.font = bold
        for position in spec.bold_rows:
            for cell in ws[position + 2]:
                cell.font = bold
        if freeze_header:
            ws.freeze_panes = "A2"
        for i, width in enumerate(_column_widths(table), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if spec.format is not None:
            spec.format(ws)
    for attr in ("creator", "lastModifiedBy"):
        setattr(wb.properties, attr, "survey")
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.modified = FIXED_TIME  # openpyxl stamped "now" while saving: write core.xml again
    core = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(wb.properties.to_tree())
    return _fixed_zip(buffer.getvalue(), {"docProps/core.xml": core})


def sheet_names(wanted: Sequence[str]) -> list[str]:
    """Valid, unique Excel sheet names for ``wanted``, in order.

    Examples
    --------
    >>> sheet_names(["a/b", "x" * 40, "x" * 40])
    ['a_b', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx~2']
    """
    out: list[str] = []
    taken: set[str] = set()  # Excel compares sheet names case-insensitively
    for raw in wanted:
        base = _SHEET_INVALID.sub("_", str(raw)).strip("'").strip() or "sheet"
        name, k = base[:MAX_SHEET_NAME], 1
        while name.casefold() in taken:
            k += 1
            suffix = f"~{k}"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def _xlsx_ready(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Neutralised cells as plain Python values openpyxl writes faithfully (None for missing)."""
    if len(frame) + 1 > MAX_ROWS:
        raise ExportError(f"sheet '{sheet}': {len(frame)} rows exceed Excel's limit of {MAX_ROWS - 1}")
    table = neutralise(frame)
    out = {}
    for column in table.columns:
        col = table[column]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            col = col.map(lambda t: t.isoformat(), na_action="ignore")
        col = col.astype(object).where(col.notna(), None)
        is_str = col.map(type).eq(str)
        if is_str.any():
            text = col[is_str].astype(str).str.replace(_XML_ILLEGAL, "", regex=True)
            text = _neutralise_column(text)  # "\x01=1+1" is "=1+1" once the control character is gone
            too_long = text.str.len() > MAX_CELL_CHARS
            if too_long.any():
                raise ExportError(
                    f"sheet '{sheet}', column '{column}': a cell has {text.str.len().max()} characters, "
                    f"more than Excel's {MAX_CELL_CHARS}"
                )
            col = col.copy()
            col[is_str] = text
        out[column] = col
    return pd.DataFrame(out, index=table.index, columns=table.columns).reset_index(drop=True)


def _display_width(values: pd.Series) -> int:
    text = values.dropna().astype(str)
    if text.empty:
        return 0
    return int((text.str.len() + text.str.count(_WIDE.pattern)).max())


def _column_widths(table: pd.DataFrame) -> list[int]:
    """Column widths: the longest of the label and the first 1,000 cells (CJK counts double), plus 2, in 8..60."""
    widths = []
    for position, column in enumerate(table.columns):
        width = max(_display_width(pd.Series([str(column)])), _display_width(table.iloc[:1000, position]))
        widths.append(min(max(width + 2, 8), 60))
    return widths


def _fixed_zip(data: bytes, members: Mapping[str, bytes]) -> bytes:
    """The zip archive again, entries in the same order, with fixed dates and some members replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return _zip_bytes([(i.filename, members.get(i.filename) or src.read(i.filename)) for i in src.infolist()])


def _zip_bytes(entries: Sequence[tuple[str, bytes]], *, level: int | None = None) -> bytes:
    """A deflated zip archive of ``(name, data)`` entries, in order, dated :data:`FIXED_TIME`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            fixed = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data, compresslevel=level)
    return out.getvalue()


# --------------------------------------------------------------------------- streamed XLSX

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Strings openpyxl stores as Excel error values (``t="e"``) rather than text.
_ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
#: The stylesheet openpyxl writes for a workbook whose only style is a bold font: xf 1 is bold.
_STYLES = (
    f'<styleSheet xmlns="{_MAIN_NS}"><numFmts count="0"/>'
    '<fonts count="2"><font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
    '<scheme val="minor"/></font><font><b val="1"/></font></fonts>'
    '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/></cellStyles>'
    '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    "</styleSheet>"
)
_CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>survey</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{time}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{time}</dcterms:modified>'
    '<cp:lastModifiedBy>survey</cp:lastModifiedBy></cp:coreProperties>'
)
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Microsoft Excel Compatible / survey</Application><AppVersion>3.1</AppVersion></Properties>')
_SHEET_HEAD = (
    f'<worksheet xmlns="{_MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>'
    '<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
    '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>{cols}<sheetData>'
)
_SHEET_TAIL = ('</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
               "</worksheet>")
_FROZEN = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')
_NOT_FROZEN = '<selection activeCell="A1" sqref="A1"/>'
#: Row blocks streamed at a time (bounds the memory of the XML pieces).
_XLSX_BLOCK = 100_000
#: Deflate level of streamed workbooks: 270,000 x 20 cells (219 MB of XML) take 0.9 s and 34.5 MB at
#: level 1, against 2.1 s and 29.7 MB at zlib's default level 6.
_XLSX_ZIP_LEVEL = 1


def _workbook_zip(names: Sequence[str], sheets: Sequence[bytes]) -> bytes:
    """The package around streamed worksheets: content types, relationships, workbook, styles, properties."""
    from openpyxl.writer.theme import theme_xml

    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/theme/theme1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
                  for i in range(1, len(sheets) + 1))
        + "</Types>"
    )
    root_rels = (
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    k = len(sheets)
    workbook_rels = (
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, k + 1))
        + f'<Relationship Id="rId{k + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{k + 2}" Type="{_REL_NS}/theme" Target="theme/theme1.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><workbookPr/><bookViews>'
        '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
        'showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/></bookViews>'
        "<sheets>"
        + "".join(f'<sheet name="{_xml_attribute(name)}" sheetId="{i}" state="visible" r:id="rId{i}"/>'
                  for i, name in enumerate(names, start=1))
        + '</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )
    core = _CORE.format(time=FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ"))
    parts = [
        ("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), ("docProps/app.xml", _APP),
        ("docProps/core.xml", core), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("xl/styles.xml", _STYLES),
    ]
    entries = [(name, (_XML_DECLARATION + text).encode("utf-8")) for name, text in parts]
    entries.append(("xl/theme/theme1.xml", theme_xml.encode("utf-8")))  # has its own XML declaration
    entries += [(f"xl/worksheets/sheet{i}.xml", xml) for i, xml in enumerate(sheets, start=1)]
    return _zip_bytes(entries, level=_XLSX_ZIP_LEVEL)


def _xml_attribute(text: str) -> str:
    """Text escaped for a double-quoted XML attribute."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _column_letter(index: int) -> str:
    """Excel's letters of the 0-based column ``index`` (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(spec: Sheet, sheet: str, freeze_header: bool) -> bytes | None:
    """One worksheet's XML, streamed from the table; None if a cell needs openpyxl.

    Raises the same :class:`ExportError` as :func:`_xlsx_ready` for tables beyond
    Excel's row limit or cells over 32,767 characters.
    """
    frame = spec.frame.reset_index() if spec.index else spec.frame
    if len(frame) + 1 > MAX_ROWS:
        raise ExportError(f"sheet '{sheet}': {len(frame)} rows exceed Excel's limit of {MAX_ROWS - 1}")
    n, width = frame.shape
    labels = [_neutralise_text(c) if isinstance(c, str) else c for c in frame.columns]
    header = [str(c)[:MAX_CELL_CHARS] for c in labels]
    if (pd.Index(labels).duplicated().any() or any(_XML_ILLEGAL.search(h) for h in header)
            or any(len(h) > 1 and h.startswith("=") for h in header)
            or any(not 0 <= p < n for p in spec.bold_rows)):
        return None
    bodies = []
    for position, label in enumerate(labels):
        body = _xlsx_cells(_neutralise_column(frame.iloc[:, position]), sheet, label)
        if body is None:
            return None
        bodies.append(body)
    letters = [_column_letter(i) for i in range(width)]
    bold = np.zeros(n, dtype=bool)
    bold[list(spec.bold_rows)] = True
    widths = _column_widths(_xlsx_ready(frame.iloc[:1000], sheet))
    cols = "".join(f'<col width="{w}" customWidth="1" min="{i}" max="{i}"/>' for i, w in enumerate(widths, start=1))
    head = _SHEET_HEAD.format(
        dimension=f"A1:{letters[-1]}{n + 1}" if letters else "A1:A1",
        pane=_FROZEN if freeze_header else _NOT_FROZEN,
        cols=f"<cols>{cols}</cols>" if cols else "",
    )
    header_cells = "".join(f'<c r="{letter}1" s="1"{_text_body(text)}' for letter, text in zip(letters, header))
    parts = [head.encode("utf-8"), f'<row r="1">{header_cells}</row>'.encode("utf-8")]
    for lo in range(0, n, _XLSX_BLOCK):
        hi = min(n, lo + _XLSX_BLOCK)
        parts.append(_rows_xml([b.slice(lo, hi - lo) for b in bodies], letters, lo + 2, bold[lo:hi]))
    parts.append(_SHEET_TAIL.encode("utf-8"))
    return b"".join(parts)


def _text_body(text: str) -> str:
    """The rest of a ``<c>`` element after ``r`` and ``s`` for one text cell, as openpyxl types it."""
    if text == "":
        return ' t="inlineStr"/>'
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text in _ERROR_CODES:
        return f' t="e"><v>{escaped}</v></c>'
    space = ' xml:space="preserve"' if text.strip() != text else ""
    return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _rows_xml(bodies: Sequence[pa.Array], letters: Sequence[str], first: int, bold: np.ndarray) -> bytes:
    """``<row>`` elements for a block of rows: cell bodies of each column (null: no cell), rows from ``first``."""
    n = len(bold)
    numbers = pa.array(np.arange(first, first + n)).cast(pa.large_string())
    styled = bool(bold.any())
    style = pc.if_else(pa.array(bold), ' s="1"', "")
    empty_bold = pc.if_else(pa.array(bold), ' s="1" t="n"/>', pa.scalar(None, pa.string())).cast(pa.large_string())
    cells = []
    for letter, body in zip(letters, bodies):
        if body.null_count == n and not styled:
            continue
        if styled:
            body = pc.coalesce(_join([style, body]), empty_bold)  # null: no cell, unless the row is bold
        cells.append(pc.fill_null(_join([f'<c r="{letter}', numbers, '"', body]), ""))
    if not letters:
        return b""
    content = _join(cells) if cells else ""
    return _buffer(_join(['<row r="', numbers, '">', content, "</row>"]))  # openpyxl keeps empty rows too


def _xlsx_cells(col: pd.Series, sheet: str, label: Any) -> pa.Array | None:
    """Each cell of a neutralised column as the end of its ``<c>`` element (null: no cell); None: needs openpyxl.

    The values and types are those openpyxl gives the values of
    :func:`_xlsx_ready`: text as inline strings (or error values), numbers as
    ``%.16g``, booleans as ``t="b"``; missing values write no cell.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        col = col.map(lambda t: t.isoformat(), na_action="ignore").astype(object)
        dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        col = col.astype(object)
        dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "b" or isinstance(dtype, pd.BooleanDtype):
        return pc.if_else(_arrow(col), ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>').cast(pa.large_string())
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" or isinstance(dtype, _INT_EA):
        return _number_cells(_integer_text(col))
    if isinstance(dtype, np.dtype) and dtype.kind == "f" or isinstance(dtype, _FLOAT_EA):
        return _number_cells(format_g16(col.to_numpy(dtype=np.float64, na_value=np.nan)))
    if isinstance(dtype, pd.StringDtype):
        return _text_cells(_large_text(col), sheet, label)
    if dtype == object:
        return _object_cells(col, sheet, label)
    return None


def _number_cells(text: pa.Array) -> pa.Array:
    """Number cells from ``%.16g`` texts (null: no cell, ``""``: infinity, written as an empty value)."""
    body = _join([' t="n"><v>', text, "</v></c>"])
    return pc.if_else(pc.equal(text, ""), ' t="n"><v/></c>', body).cast(pa.large_string())


def _integer_text(col: pd.Series) -> pa.Array:
    """``%.16g`` of integers (exact digits below 1e16), null for missing."""
    arr = _arrow(col)
    big = pc.fill_null(pc.greater_equal(pc.abs(arr.cast(pa.float64(), safe=False)), 1e16), False)  # float: monotonic
    text = arr.cast(pa.large_string())
    if pc.any(big).as_py():
        values = pc.filter(arr, big).to_pylist()
        text = pc.replace_with_mask(text, big, pa.array(["%.16g" % v for v in values], type=pa.large_string()))
    return text


def _text_cells(text: pa.Array, sheet: str, label: Any) -> pa.Array:
    """Text cells (null: missing): control characters removed, length checked, XML-escaped."""
    if _has_any(text, _XML_ILLEGAL_CHARS) and pc.any(pc.match_substring_regex(text, _XML_ILLEGAL.pattern)).as_py():
        cleaned = pc.replace_substring_regex(text, _XML_ILLEGAL.pattern, "")
        changed = pc.fill_null(pc.not_equal(cleaned, text), False)
        fixed = _neutralise_column(pd.Series(pc.filter(cleaned, changed).to_pylist(), dtype=object))
        text = pc.replace_with_mask(cleaned, changed, pa.array(fixed.tolist(), type=pa.large_string()))
    lengths = pc.utf8_length(text)
    longest = pc.max(lengths).as_py()
    if longest is not None and longest > MAX_CELL_CHARS:
        raise ExportError(
            f"sheet '{sheet}', column '{label}': a cell has {longest} characters, more than Excel's {MAX_CELL_CHARS}"
        )
    escaped = text
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if _has_any(escaped, char):
            escaped = pc.replace_substring(escaped, char, entity)
    stripped = pc.utf8_trim_whitespace(text)
    space = pc.if_else(pc.equal(stripped, text), "", ' xml:space="preserve"')
    body = _join([' t="inlineStr"><is><t', space, ">", escaped, "</t></is></c>"])
    body = pc.if_else(pc.equal(lengths, 0), ' t="inlineStr"/>', body)
    errors = pc.is_in(text, value_set=pa.array(_ERROR_CODES, type=pa.large_string()))
    if pc.any(errors).as_py():
        body = pc.if_else(errors, _join([' t="e"><v>', escaped, "</v></c>"]), body)
    return body.cast(pa.large_string())


def _object_cells(col: pd.Series, sheet: str, label: Any) -> pa.Array | None:
    """Cells of an object column: text, ``bool``, numbers, missing; None if another type is present."""
    from openpyxl.compat.numbers import NUMERIC_TYPES

    values = col.to_numpy(dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    present = values[~missing]
    kinds = np.array([0 if type(v) is str else 1 if type(v) is bool else 2 if isinstance(v, NUMERIC_TYPES) else 3
                      for v in present], dtype=np.int8)
    if (kinds == 3).any():
        return None
    out = pa.nulls(len(values), pa.large_string())
    where = np.flatnonzero(~missing)
    for kind in (0, 1, 2):
        chosen = where[kinds == kind]
        if not len(chosen):
            continue
        items = present[kinds == kind].tolist()
        if kind == 0:
            body = _text_cells(pa.array(items, type=pa.large_string()), sheet, label)
        elif kind == 1:
            body = pc.if_else(pa.array(items, type=pa.bool_()), ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>')
            body = body.cast(pa.large_string())
        else:
            body = _number_cells(pa.array([_g16_scalar(v) for v in items], type=pa.large_string()))
        mask = np.zeros(len(values), dtype=bool)
        mask[chosen] = True
        out = pc.replace_with_mask(out, pa.array(mask), body)
    return out
