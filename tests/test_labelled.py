"""Stata and Parquet exports (survey.write.labelled), each read back with its own reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pyreadstat
import pytest

from survey.errors import ExportError
from survey.study import Study
from survey.write.labelled import write_dta, write_parquet

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "analysis" / "ccg-2020.yaml"


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_plan(PLAN)


@pytest.fixture(scope="module")
def respondents(study):
    return study.respondents()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dta_reads_back_with_labels(study, respondents, tmp_path, lang):
    path = tmp_path / "w1.dta"
    write_dta(
        respondents,
        study.instrument,
        path,
        lang=lang,
        file_label="ccg-2020 wave 1",
        text_columns=study.text_columns,
    )
    data, meta = pyreadstat.read_dta(str(path))
    assert len(data) == len(respondents)
    assert not set(study.text_columns) & set(data.columns)  # free text stays out, as in the .sav
    country = study.instrument.question("country")
    assert meta.column_names_to_labels["country"] == country.wording(lang)[:80]
    assert meta.variable_value_labels["country"] == {c.code: c.text(lang) for c in country.codes}
    assert data["country"].tolist() == respondents["country"].astype(float).tolist()
    np.testing.assert_allclose(
        data["weight"].to_numpy(), respondents["weight"].to_numpy(dtype=float, na_value=np.nan)
    )
    assert meta.file_label == "ccg-2020 wave 1"


def test_dta_refuses_names_stata_cannot_hold(study, respondents, tmp_path):
    with pytest.raises(ExportError, match=r"names Stata cannot hold: 1st"):
        write_dta(
            respondents.assign(**{"1st": 1}),
            study.instrument,
            tmp_path / "x.dta",
            text_columns=study.text_columns,
        )
    assert not list(tmp_path.iterdir())


def test_parquet_reads_back_with_labels(study, respondents, tmp_path):
    path = tmp_path / "w1.parquet"
    write_parquet(respondents, study.instrument, path, lang="zh")
    table = pq.read_table(path)
    assert table.num_rows == len(respondents) and table.column_names == list(respondents.columns)
    field = table.schema.field("support_q")
    q = study.instrument.question("support_q")
    assert field.metadata[b"label"].decode() == q.wording("zh")
    assert json.loads(field.metadata[b"value_labels"]) == {
        str(c.code): c.text("zh") for c in q.codes
    }
    assert json.loads(field.metadata[b"missing"]) == list(q.nonsubstantive_codes)
    about = json.loads(table.schema.metadata[b"survey"])
    assert about == {
        "instrument": "ccg-2020",
        "instrument_version": study.instrument.version,
        "lang": "zh",
    }
    back = table.to_pandas()
    assert (
        back["support_q"]
        .astype("Float64")
        .equals(respondents["support_q"].reset_index(drop=True).astype("Float64"))
    )
    text = study.text_columns[0]
    assert table.schema.field(text).metadata[b"measure"] == b"text"
    assert back[text].fillna("").tolist() == respondents[text].fillna("").tolist()
    write_parquet(respondents, study.instrument, tmp_path / "again.parquet", lang="zh")
    assert (tmp_path / "again.parquet").read_bytes() == path.read_bytes()
