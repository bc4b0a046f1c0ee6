"""Which platform wrote an export, and its header rows and data rows (no instrument needed).

Layouts recognised (each checked on real exports, see ``../shared/real-exports/``):

=============  =========  ===========================================================
platform       variant    header rows
=============  =========  ===========================================================
xlsform        -          (not responses: a form with ``survey`` and ``choices`` sheets)
qualtrics      2017       3: export tags; question text (in the survey's language, e.g.
                          German "Anfangsdatum"); JSON ``{"ImportId":"QID1"}``
qualtrics      2016       3: tags (``ResponseID`` with a capital D); text; Python-dict
                          ``{'ImportId': 'QID2-1'}``
qualtrics      legacy     2: ``V1``..``V10`` for the metadata then tags; names and text
                          (a UTF-8 BOM and a trailing empty column are common)
surveymonkey   -          2: question text (blank for a question's further columns);
                          "Response", "Open-Ended Response", an option or a box label
wjx            -          1: ``序号``, ``提交答卷时间`` ... then ``N、题干``
kobo           -          1: ``start``, ``end``, ``group/name`` ..., ``_uuid``, ``_index``;
                          an XLSX export has one further sheet per repeat group
unknown        -          1 (e.g. the instrument's canonical layout)
=============  =========  ===========================================================

Examples
--------
>>> layout = read_layout(Path("export.csv"))   # doctest: +SKIP
>>> layout.platform, layout.variant, len(layout.headers)  # doctest: +SKIP
('qualtrics', 'legacy', 2)
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from survey.errors import DataError
from survey.formats.cells import XLSX_SUFFIXES, read_grid, read_sheets

# Each platform's metadata columns -> paradata role (None: metadata the instrument does not hold).
WJX_METADATA: dict[str, str | None] = {
    "序号": "id",
    "提交答卷时间": "submit",
    "所用时间": "duration",
    "来自IP": "ip",
    "来源": None,
    "来源详情": None,
    "总分": None,
}
QUALTRICS_METADATA: dict[str, str | None] = {
    "StartDate": "start",
    "EndDate": "submit",
    "IPAddress": "ip",
    "ResponseId": "id",
    "ResponseID": "id",
    "UserLanguage": "language",
    "Status": None,
    "Progress": None,
    "Duration (in seconds)": None,
    "Finished": None,
    "RecordedDate": None,
    "RecipientLastName": None,
    "RecipientFirstName": None,
    "RecipientEmail": None,
    "ExternalReference": None,
    "ExternalDataReference": None,
    "LocationLatitude": None,
    "LocationLongitude": None,
    "LocationAccuracy": None,
    "DistributionChannel": None,
    "ResponseSet": None,
    "Name": None,
    "EmailAddress": None,
}
QUALTRICS_TEST_STATUS = {
    "1": "Survey Preview",
    "2": "Survey Test",
    "Survey Preview": "Survey Preview",
    "Survey Test": "Survey Test",
}
QUALTRICS_TEXT_IQ = (
    " - Topics",
    " - Parent Topics",
    " - Sentiment",
    " - Sentiment Score",
    " - Sentiment Polarity",
    " - Topic Sentiment Label",
    " - Topic Sentiment Score",
    " - Actionability",
)
SURVEYMONKEY_METADATA: dict[str, str | None] = {
    "Respondent ID": "id",
    "Start Date": "start",
    "End Date": "submit",
    "IP Address": "ip",
    "Collector ID": None,
    "Email Address": None,
    "First Name": None,
    "Last Name": None,
    "Custom Data 1": None,
}
SURVEYMONKEY_RESPONSE = {
    "Response",
    "Open-Ended Response",
    "",
}  # row-2 texts of a question's own column
KOBO_METADATA: dict[str, str | None] = {
    "start": "start",
    "end": "submit",
    "_uuid": "id",
    "instanceID": None,
    "_id": None,
    "_submission_time": None,
    "_index": None,
    "_validation_status": None,
    "_notes": None,
    "_status": None,
    "_submitted_by": None,
    "__version__": None,
    "_version_": None,
    "_tags": None,
    "today": None,
    "deviceid": None,
    "username": None,
    "audit": None,
    "$edited": None,
    "rootUuid": None,
    "deprecatedID": None,
    "uuid": None,
    "_attachments": None,
    "_geolocation": None,
    "_xform_id_string": None,
    "_bamboo_dataset_id": None,
}
KOBO_GEO_PARTS = ("_latitude", "_longitude", "_altitude", "_precision")  # columns a geopoint adds
KOBO_REPEAT_KEYS = {
    "_index": "repeat_index",
    "_parent_index": "parent_index",
    "_parent_table_name": "parent_table",
}

WJX_MARKERS = {"序号", "提交答卷时间", "所用时间"}
KOBO_MARKERS = {"_uuid", "_submission_time", "_index", "__version__", "_id"}
LEGACY_TAGS = [f"V{i}" for i in range(1, 11)]
HEADER_ROWS: dict[str, dict[str | None, int]] = {
    "qualtrics": {"2017": 3, "2016": 3, "legacy": 2},
    "surveymonkey": {None: 2},
}
_SHOW = 6


def norm(text: object) -> str:
    """Header/label text for comparison: NFKC (full-width to ASCII), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split())


@dataclass(frozen=True)
class Layout:
    """An export taken apart: platform, variant, header rows, data rows (stripped strings)."""

    path: Path
    platform: str
    variant: str | None
    headers: tuple[tuple[str, ...], ...]
    body: pd.DataFrame
    encoding: str
    sheets: Mapping[str, pd.DataFrame] = field(
        default_factory=dict
    )  # further XLSX sheets, raw grids

    def describe(self) -> str:
        """What the file looks like, for messages ("a Qualtrics legacy export (2 header rows)")."""
        first = ", ".join(h for h in self.headers[0][:_SHOW] if h) if self.headers else ""
        more = ", ..." if self.headers and len(self.headers[0]) > _SHOW else ""
        if self.platform == "unknown":
            return f"one header row ({first}{more}) and {len(self.body)} data row(s)"
        if self.platform == "xlsform":
            return "an XLSForm (a form definition with survey and choices sheets, not responses)"
        name = {
            "qualtrics": "Qualtrics",
            "surveymonkey": "SurveyMonkey",
            "wjx": "WJX (问卷星)",
            "kobo": "KoboToolbox/ODK",
        }[self.platform]
        variant = f" {self.variant}" if self.variant else ""
        return f"a {name}{variant} export ({len(self.headers)} header row(s): {first}{more})"


def sniff(grid: pd.DataFrame) -> tuple[str, str | None]:
    """(platform, variant) of a grid of cells from its first three rows."""
    rows = [[norm(v) for v in grid.iloc[i]] for i in range(min(3, len(grid)))]
    first = rows[0] if rows else []
    second = rows[1] if len(rows) > 1 else []
    third = rows[2] if len(rows) > 2 else []
    if set(first) & WJX_MARKERS:
        return "wjx", None
    if any(v.startswith('{"ImportId"') for v in third):
        return "qualtrics", "2017"
    if any(v.startswith("{'ImportId'") for v in third):
        return "qualtrics", "2016"
    if first[:10] == LEGACY_TAGS and ("ResponseID" in second or "ResponseId" in second):
        return "qualtrics", "legacy"
    if "Respondent ID" in first and second and not any(second[: first.index("Respondent ID") + 1]):
        return "surveymonkey", None
    if set(first) & KOBO_MARKERS or any("/" in v for v in first):
        return "kobo", None
    return "unknown", None


def split(
    grid: pd.DataFrame, path: Path, n_header: int
) -> tuple[tuple[tuple[str, ...], ...], pd.DataFrame]:
    """Header rows (stripped) and the data rows (stripped strings, columns 0..n-1)."""
    if len(grid) <= n_header:
        raise DataError(f"{path}: header only, no data rows")
    headers = tuple(tuple(str(v).strip() for v in grid.iloc[i]) for i in range(n_header))
    body = grid.iloc[n_header:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return headers, body.apply(lambda s: s.str.strip())


def layout_of(
    grid: pd.DataFrame,
    path: Path,
    encoding: str,
    platform: str | None = None,
    sheets: Mapping[str, pd.DataFrame] | None = None,
) -> Layout:
    """Split ``grid`` by its sniffed layout (or by ``platform``'s when the sniff does not know it)."""
    found, variant = sniff(grid)
    if found == "unknown" and platform not in (None, "unknown"):
        found = platform
    n_header = HEADER_ROWS.get(found, {}).get(variant, 1)
    headers, body = split(grid, path, n_header)
    return Layout(path, found, variant, headers, body, encoding, dict(sheets or {}))


def read_layout(path: Path, encoding: str | None = None) -> Layout:
    """Read a CSV/XLSX export and take it apart (see the module docstring).

    Raises
    ------
    DataError
        The file cannot be read, or holds header rows only.
    """
    if path.suffix.lower() in XLSX_SUFFIXES:
        sheets = read_sheets(path)
        if not sheets:
            raise DataError(f"{path}: workbook has no sheets")
        names = list(sheets)
        survey = sheets.get("survey")
        if (
            survey is not None
            and len(survey)
            and {"type", "name"} <= {norm(v) for v in survey.iloc[0]}
        ):
            return Layout(path, "xlsform", None, (), survey.iloc[1:], "xlsx", sheets)
        return layout_of(sheets[names[0]], path, "xlsx", sheets={n: sheets[n] for n in names[1:]})
    grid, enc = read_grid(path, encoding)
    if grid.empty:
        raise DataError(f"{path}: no header row")
    return layout_of(grid, path, enc)


# --------------------------------------------------------------------------- Qualtrics header cells


def import_id(cell: str) -> str | None:
    """The ImportId of a Qualtrics third-row cell (JSON or Python-dict form), or None.

    Examples
    --------
    >>> import_id('{"ImportId":"QID1"}'), import_id("{'ImportId': 'QID2-1'}"), import_id("x")
    ('QID1', 'QID2-1', None)
    """
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        value = json.loads(cell)
    except ValueError:
        try:
            value = ast.literal_eval(cell)
        except (ValueError, SyntaxError):
            return None
    return str(value.get("ImportId")) if isinstance(value, dict) and value.get("ImportId") else None


_CHOICE = re.compile(r"^QID\d+[-_](\d+)(?:[-_]TEXT)?$", re.IGNORECASE)


def import_choice(cell: str) -> str | None:
    """The choice id in a Qualtrics ImportId of an option column (``QID5-1`` -> ``"1"``), or None."""
    ident = import_id(cell)
    hit = _CHOICE.match(ident) if ident else None
    return hit.group(1) if hit else None


def qualtrics_columns(layout: Layout) -> list[tuple[str, str, str | None]]:
    """(name, text, import id) of each Qualtrics column; legacy metadata named from row 2.

    Legacy exports tag their metadata ``V1``..``V10`` and name it in the second row
    (``ResponseID``, ``Status`` ...): the name returned is that second-row name.
    """
    tags, texts = layout.headers[0], layout.headers[1]
    ids = layout.headers[2] if len(layout.headers) > 2 else ("",) * len(tags)
    out = []
    for tag, text, ident in zip(tags, texts, ids):
        name = text if layout.variant == "legacy" and tag in LEGACY_TAGS else tag
        out.append((name, text, ident or None))
    return out
