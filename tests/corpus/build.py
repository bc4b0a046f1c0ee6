"""Build the bad-input corpus: malformed raw files, instruments and plans.

Run from the repository root: ``python tests/corpus/build.py``.  It rewrites
``tests/corpus/{raw,instruments,plans,ok}/`` and ``tests/corpus/expected.csv``, which
maps each file to the kind of input (``raw``, ``instrument`` or ``plan``), extra
command-line ``args``, the ``exit`` status and a regular expression the one-line
``message`` must match: the error on stderr (exit 2: no traceback, no output, the
previous output intact) or, for files people really save that must be read (exit 0),
a line of the run's summary.  ``needs`` names another engineer's branch a case waits for.
``ok/`` holds the plan without weighting and the clean file the accepted cases are read
against (their respondents must come out the same).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from survey.instrument import load_instrument
from tests.conftest import INSTRUMENT, PLAN, make_raw

FRENCH = "\u00c0 l'h\u00f4pital de S\u00e8vres c\u2019\u00e9tait tr\u00e8s utile \u2013 merci \u00e0 Fran\u00e7ois et \u00e0 l'\u00e9quipe"


def raw_cases(valid: str) -> dict[str, tuple[bytes, str]]:
    lines = valid.splitlines()
    header, rows = lines[0], lines[1:]
    cols = header.split(",")

    def with_cell(col: str, value: str, row: int | None = None) -> str:
        i = cols.index(col)
        out = [header]
        for k, line in enumerate(rows):
            cells = line.split(",")
            if row is None or k == row:
                cells[i] = value
            out.append(",".join(cells))
        return "\n".join(out) + "\n"

    def drop_col(col: str) -> str:
        i = cols.index(col)
        return (
            "\n".join(
                ",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in lines
            )
            + "\n"
        )

    text = valid
    ids = cols.index("respondent_id")
    dup_ids = (
        "\n".join(
            [header]
            + [
                ",".join("R1" if j == ids else c for j, c in enumerate(line.split(",")))
                if k < 2
                else line
                for k, line in enumerate(rows)
            ]
        )
        + "\n"
    )
    _start, submit = cols.index("start_time"), cols.index("submit_time")
    first = rows[0].split(",")
    first[submit] = "2020-01-01 00:00:00"
    backwards = "\n".join([header, ",".join(first)] + rows[1:]) + "\n"
    return {
        "empty.csv": (b"", "file is empty"),
        "whitespace_only.csv": (b"  \n\n ", "file is empty"),
        "header_only.csv": ((header + "\n").encode(), "header only, no data rows"),
        "truncated_last_line.csv": (
            text[: text.rstrip().rfind(",", 0, len(text) - 60)].encode(),
            r"row 12 \(line 13\) has 2 fields, fewer than the header's 28 \(truncated line\?\)",
        ),
        "binary_junk.csv": (bytes(range(256)) * 4, "NUL bytes"),
        "junk_no_nul.csv": (bytes(range(128, 256)) * 4, r"line 1: byte 0x80 is not valid utf-8"),
        "utf16.csv": (text.encode("utf-16"), "UTF-16 encoded"),
        "gb18030_bytes.csv": (
            text.replace("T00003", "编号3").encode("gb18030"),
            r"line 5: byte 0xb1 is not valid utf-8",
        ),
        "latin1_bytes.csv": (
            text.replace("T00002", "Tö2").encode("latin-1"),
            r"line 4: byte 0xf6 is not valid utf-8",
        ),
        "bom_and_duplicate_ids.csv": (
            b"\xef\xbb\xbf" + dup_ids.encode(),
            r"column respondent_id: duplicate respondent id\(s\) 'R1' \(row 1\)",
        ),
        "duplicated_column_names.csv": (
            text.replace("education", "gender", 1).encode(),
            r"duplicated column name\(s\): gender",
        ),
        "missing_column.csv": (drop_col("ties").encode(), r"missing column\(s\) ties"),
        "extra_column.csv": (
            (header + ",notes\n" + "\n".join(r + ",x" for r in rows) + "\n").encode(),
            r"unexpected column\(s\) notes",
        ),
        "renamed_column_case.csv": (
            text.replace("country", "Country", 1).encode(),
            r"missing column\(s\) country; unexpected column\(s\) Country",
        ),
        "unnamed_column_with_data.csv": (
            (
                header
                + ",\n"
                + "\n".join(r + ("," if k else ",x") for k, r in enumerate(rows))
                + "\n"
            ).encode(),
            r"unexpected column\(s\) column 29 \(no name\) \(--allow",
        ),
        "blank_row_in_the_middle.csv": (
            "\n".join([header, *rows[:5], "," * (len(cols) - 1), *rows[5:]]).encode() + b"\n",
            r"row 6, column respondent_id: respondent id is empty",
        ),
        "cp1252_bytes.csv": (
            with_cell("how_participated_other", FRENCH, 2).encode("cp1252"),
            r"line 4: byte 0xc0 is not valid utf-8 \(the file looks like cp1252: pass --encoding cp1252\)",
        ),
        "code_out_of_range_everywhere.csv": (
            with_cell("support_q", "6").encode(),
            r"support_q has 12 rows with codes not in the instrument \(6\)",
        ),
        "multi_option_code_2.csv": (
            with_cell("how_participated_1", "2").encode(),
            r"how_participated_1 has \d+ rows with codes not in the instrument \(2\)",
        ),
        "text_in_code_column.csv": (
            with_cell("country", "China", 3).encode(),
            r"row 4, column country: 'China' is not a code",
        ),
        "text_in_numeric_column.csv": (
            with_cell("age", "thirty", 0).encode(),
            r"row 1, column age: 'thirty' is not a number",
        ),
        "fractional_code.csv": (
            with_cell("gender", "1.5", 2).encode(),
            r"row 3, column gender: '1.5' is not a code",
        ),
        "formula_in_code_column.csv": (
            with_cell("education", "=1+2", 5).encode(),
            r"row 6, column education: '=1\+2' is not a code",
        ),
        "duplicate_respondent_ids.csv": (
            dup_ids.encode(),
            r"duplicate respondent id\(s\) 'R1' \(row 1\), 'R1' \(row 2\)",
        ),
        "empty_respondent_id.csv": (
            with_cell("respondent_id", "", 4).encode(),
            r"row 5, column respondent_id: respondent id is empty",
        ),
        "unparseable_timestamp.csv": (
            with_cell("start_time", "31/05/2020 10:00", 1).encode(),
            r"row 2, column start_time: '31/05/2020 10:00' is not a time",
        ),
        "timestamp_backwards.csv": (
            backwards.encode(),
            r"row 1: submit_time is before start_time \(negative duration\)",
        ),
        "unclosed_quote.csv": ((text.rstrip("\n") + ',"unterminated\n').encode(), r"malformed CSV"),
        "too_many_fields.csv": (
            ("\n".join([header, rows[0] + ",extra,fields"] + rows[1:]) + "\n").encode(),
            r"malformed CSV: row 1 \(line 2\) has 30 fields, more than the header's 28",
        ),
        "no_valid_rows.csv": (
            with_cell("submit_time", "").encode(),
            r"no valid responses after cleaning \(raw 12, valid 0, excluded 12, incomplete 12\)",
        ),
        "not_a_workbook.xlsx": (
            b"PK\x03\x04 this is not really a zip",
            r"not a readable XLSX workbook",
        ),
    }


def accepted_cases(ok: str) -> dict[str, tuple[bytes, str]]:
    """Files as spreadsheets and people save them: each must read as ``ok`` does (exit 0)."""
    lines = ok.splitlines()
    n_cols = lines[0].count(",") + 1
    blank_rows = "\n".join(lines + ["," * (n_cols - 1)] * 3) + "\n"
    blank_cols = "\n".join(line + ",," for line in lines) + "\n"
    crlf = ok.replace("\n", "\r\n")
    return {
        "semicolon_delimiter.csv": (ok.replace(",", ";").encode(), r"raw 12 = valid 12"),
        "tab_delimiter.csv": (ok.replace(",", "\t").encode(), r"raw 12 = valid 12"),
        "trailing_delimiter.csv": (
            (lines[0] + ",\n" + "\n".join(r + "," for r in lines[1:]) + "\n").encode(),
            r"ignored at the end of trailing_delimiter\.csv \(as spreadsheets save them\): 1 empty unnamed column$",
        ),
        "excel_trailing_blank_rows.csv": (blank_rows.encode(), r"\): 3 empty rows$"),
        "excel_trailing_blank_columns.csv": (blank_cols.encode(), r"\): 2 empty unnamed columns$"),
        "excel_trailing_blank_rows_and_columns.xlsx": (
            _xlsx_with_trailing_blanks(ok),
            r"\): 2 empty rows and 1 empty unnamed column$",
        ),
        "bom.csv": (b"\xef\xbb\xbf" + ok.encode(), r"raw 12 = valid 12"),
        "crlf.csv": (crlf.encode(), r"raw 12 = valid 12"),
        "excel_csv_utf8_semicolon_bom_crlf.csv": (
            b"\xef\xbb\xbf" + crlf.replace(",", ";").encode(),
            r"raw 12 = valid 12",
        ),
    }


def _xlsx_with_trailing_blanks(ok: str) -> bytes:
    """A workbook of ``ok`` with what Excel leaves: blank-but-formatted cells below and to the right."""
    import csv as csv_module
    import io

    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    wb = Workbook()
    ws = wb.active
    records = list(csv_module.reader(io.StringIO(ok)))
    for record in records:
        ws.append(record)
    fill = PatternFill("solid", fgColor="FFFF00")
    for row in range(1, len(records) + 3):
        ws.cell(row=row, column=len(records[0]) + 1).value = " " if row == 1 else None
        ws.cell(row=row, column=len(records[0]) + 1).fill = fill
    for row in (len(records) + 1, len(records) + 2):
        ws.cell(row=row, column=1).value = " "
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# Further rows on files of the corpus: (kind, file, message, args, exit, needs)
VARIANTS = [
    (
        "raw",
        "raw/semicolon_delimiter.csv",
        r"one column only: wrong separator\? \(read as comma-separated; pass --sep",
        "--sep ,",
        "2",
        "",
    ),
    ("raw", "raw/cp1252_bytes.csv", r"raw 12 = valid 12", "--encoding cp1252", "0", ""),
    (
        "raw",
        "raw/cp1252_bytes.csv",
        r"line 4: byte 0xc0 is not valid gb18030 \(the file looks like cp1252: pass --encoding cp1252\)",
        "--encoding gb18030",
        "2",
        "",
    ),
    (
        "raw",
        "ok/valid.csv",
        r"valid\.csv: --format qualtrics does not match the file: it looks like one header row",
        "--format qualtrics",
        "2",
        "",
    ),
    (
        "raw",
        "ok/valid.csv",
        r"valid\.csv: wjx export does not match instrument",
        "--format wjx",
        "2",
        "",
    ),
    ("raw", "ok/valid.csv", r"valid\.csv: cannot read as SPSS \.sav", "--format sav", "2", ""),
    (
        "raw",
        "ok/valid.csv",
        r"valid\.csv: unknown platform format 'spss'",
        "--format spss",
        "2",
        "",
    ),
]


def instrument_cases() -> dict[str, tuple[str | bytes, str]]:
    base = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))

    def mutated(fn) -> str:
        doc = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
        fn(doc)
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)

    assert base["questions"][20]["id"] == "how_participated"
    return {
        "missing_scale.yaml": (
            mutated(lambda d: d["questions"][11].update(scale="agree7")),
            r"questions\[11\]\.scale: unknown scale 'agree7'",
        ),
        "skip_to_missing_question.yaml": (
            mutated(lambda d: d["questions"][20]["ask_if"].update(question="took_part")),
            r"questions\[20\]\.ask_if\.question: unknown question 'took_part'",
        ),
        "duplicate_question_ids.yaml": (
            mutated(lambda d: d["questions"][12].update(id="solidarity_q")),
            r"questions\[12\]\.id: duplicate question id 'solidarity_q'",
        ),
        "invalid_yaml.yaml": (
            "study: {id: x\nquestions: [\n",
            r"line \d+, column \d+: invalid YAML",
        ),
        "python_object_tag.yaml": (
            "study: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
            r"invalid YAML: could not determine a constructor",
        ),
        "top_level_list.yaml": ("- a\n- b\n", r"expected a YAML mapping at the top, got list"),
        "empty_file.yaml": ("", r"expected a YAML mapping at the top, got NoneType"),
        "not_utf8.yaml": (mutated(lambda d: None).encode("gb18030"), r"not UTF-8 text"),
        "unknown_question_type.yaml": (
            mutated(lambda d: d["questions"][11].update(type="grd")),
            r"questions\[11\]\.type: unknown type 'grd'",
        ),
        "missing_chinese_text.yaml": (
            mutated(lambda d: d["questions"][12]["text"].pop("zh")),
            r"questions\[12\]\.text: missing 'zh' text",
        ),
        "duplicate_code.yaml": (
            mutated(lambda d: d["scales"]["gender"]["codes"][1].update(code=1)),
            r"scales\.gender\.codes\[1\]\.code: duplicate code 1",
        ),
        "unknown_operator.yaml": (
            mutated(lambda d: d["quality"][2]["when"].update(op="younger")),
            r"quality\[2\]\.when\.op: unknown operator 'younger'",
        ),
        "unknown_quality_rule.yaml": (
            mutated(lambda d: d["quality"][4].update(rule="slowpoke")),
            r"quality\[4\]\.rule: unknown rule 'slowpoke'",
        ),
        "speeder_fraction_2.yaml": (
            mutated(lambda d: d["quality"][4].update(fraction_of_median=2)),
            r"quality\[4\]\.fraction_of_median: must be less than 1",
        ),
        "derived_from_missing.yaml": (
            mutated(lambda d: d["derived"][3].update(**{"from": "awareness"})),
            r"derived\[3\]\.from: unknown question 'awareness'",
        ),
        "no_respondent_id.yaml": (
            mutated(lambda d: d["questions"][0].update(role="other")),
            r"no paradata question with role 'id'",
        ),
        "net_with_unknown_code.yaml": (
            mutated(lambda d: d["scales"]["agree5"]["nets"][0].update(codes=[4, 6])),
            r"scales\.agree5\.nets\[0\]\.codes: not codes of the scale: \[6\]",
        ),
    }


def plan_cases() -> dict[str, tuple[str, str]]:
    def mutated(fn) -> str:
        doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
        doc["instrument"] = "../../../instruments/ccg-2020.yaml"
        doc["waves"][0]["raw"] = "../../../raw/ccg-2020-wave1.csv"
        doc["open_ended"]["coding_frame"] = (
            "../../../analysis/ccg-2020-coding.yaml"  # loaded with the plan
        )
        fn(doc)
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)

    t = lambda d: d["weighting"]["default"]["targets"]
    return {
        "targets_sum_0_9.yaml": (
            mutated(lambda d: t(d)["country"].update({1: 0.4, 2: 0.5})),
            r"targets for 'country' sum to 0\.9",
        ),
        "unknown_banner_question.yaml": (
            mutated(lambda d: d["banner"]["variables"].append("income")),
            r"banner\.variables\[7\]: unknown question 'income'",
        ),
        "unknown_indicator.yaml": (
            mutated(lambda d: d["published"]["figures"][2].update(indicator="supports")),
            r"published\.figures\[2\]\.indicator: unknown indicator 'supports'",
        ),
        "unknown_instrument_version.yaml": (
            mutated(lambda d: d["waves"][0].update(instrument_version="0.9.0")),
            r"waves\[0\]\.instrument_version: '0\.9\.0' not in the instrument's change log",
        ),
        "target_on_unknown_category.yaml": (
            mutated(lambda d: t(d)["country"].update({4: 0.0})),
            r"targets\.country: category 4 is not a code of 'country'",
        ),
        "target_not_weighting_variable.yaml": (
            mutated(lambda d: t(d).update(education={1: 1.0})),
            r"targets\.education: not a weighting variable of the instrument",
        ),
        "missing_raw_file.yaml": (
            mutated(lambda d: d["waves"][0].update(raw="../../../raw/nope.csv")),
            r"nope\.csv: file not found",
        ),
        "figure_value_over_100.yaml": (
            mutated(lambda d: d["published"]["figures"][0].update(value=198.43)),
            r"published\.figures\[0\]\.value: must be a percentage between 0 and 100",
        ),
        "no_waves.yaml": (mutated(lambda d: d.pop("waves")), r"waves: missing"),
    }


def main() -> None:
    instrument = load_instrument(INSTRUMENT).at_version("1.0.0")
    valid = make_raw(instrument, n=12, seed=7).to_csv(index=False, lineterminator="\n")
    frame = make_raw(instrument, n=12, seed=7)
    frame.loc[2, "how_participated_other"] = FRENCH
    ok = frame.to_csv(index=False, lineterminator="\n")
    rows = []
    groups = (
        ("raw", raw_cases(valid), "2"),
        ("raw", accepted_cases(ok), "0"),
        ("instrument", instrument_cases(), "2"),
        ("plan", plan_cases(), "2"),
    )
    for folder_name in ("raw", "instruments", "plans", "ok"):
        folder = HERE / folder_name
        folder.mkdir(exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    (HERE / "ok" / "valid.csv").write_text(ok, encoding="utf-8")
    (HERE / "ok" / "unweighted.yaml").write_text(unweighted_plan(), encoding="utf-8")
    for kind, cases, status in groups:
        folder = HERE / (kind if kind == "raw" else kind + "s")
        for name, (content, pattern) in sorted(cases.items()):
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
            rows.append(
                {
                    "kind": kind,
                    "file": f"{folder.name}/{name}",
                    "message": pattern,
                    "args": "",
                    "exit": status,
                    "needs": "",
                }
            )
    rows += [dict(zip(["kind", "file", "message", "args", "exit", "needs"], v)) for v in VARIANTS]
    with open(HERE / "expected.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["kind", "file", "message", "args", "exit", "needs"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} cases written to {HERE}")


def unweighted_plan() -> str:
    """The plan without weighting, for the accepted files (12 respondents cannot be raked)."""
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    doc["instrument"] = "../../../instruments/ccg-2020.yaml"
    doc["open_ended"]["coding_frame"] = "../../../analysis/ccg-2020-coding.yaml"
    for wave in doc["waves"]:
        wave.pop("weighting", None)
        wave["raw"] = "valid.csv"
    doc["waves"] = doc["waves"][:1]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


if __name__ == "__main__":
    main()
