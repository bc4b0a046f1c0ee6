"""The instrument loader: the embedded instrument loads; every malformed one is named."""

from __future__ import annotations

import pytest
import yaml

from survey.errors import InstrumentError, PlanError
from survey.instrument import load_instrument
from survey.instrument.plan import load_plan
from tests.conftest import INSTRUMENT, PLAN


def doc():
    return yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))


def write(tmp_path, d, name="inst.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return path


def test_embedded_instrument_loads():
    inst = load_instrument(INSTRUMENT)
    assert inst.id == "ccg-2020" and inst.version == "1.1.0"
    assert inst.personal_columns == ("ip_address",)
    multi = inst.question("how_participated")
    assert multi.columns[-1] == "how_participated_5" and len(multi.codes) == 6
    assert inst.question("solidarity_q").nonsubstantive_codes == (9,)
    assert inst.question("solidarity_q").label(9, "zh") == "不知道"


def test_at_version_drops_later_options_and_restores_wording():
    v1 = load_instrument(INSTRUMENT).at_version("1.0.0")
    assert "how_participated_6" not in v1.raw_columns
    assert "share more stories" in v1.question("media_more_q").wording("en")
    with pytest.raises(InstrumentError, match="version '0.9' not in its change log"):
        v1.at_version("0.9")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["questions"][6].update(scale="agree7"),
            r"questions\[6\]\.scale: unknown scale 'agree7'",
        ),
        (
            lambda d: d["questions"][7].update(id="country"),
            r"questions\[7\]\.id: duplicate question id 'country'",
        ),
        (
            lambda d: d["questions"][20].update(
                ask_if={"question": "nope", "op": "eq", "value": 1}
            ),
            r"questions\[20\]\.ask_if\.question: unknown question 'nope'",
        ),
        (
            lambda d: d["questions"][20].update(
                ask_if={"question": "participated_q", "op": "like", "value": 1}
            ),
            r"questions\[20\]\.ask_if\.op: unknown operator 'like' \(valid: eq, ne, lt",
        ),
        (
            lambda d: d["questions"][6].update(type="grd"),
            r"questions\[6\]\.type: unknown type 'grd' .*did you mean `grid`\?",
        ),
        (lambda d: d["questions"][6]["text"].pop("zh"), r"questions\[6\]\.text: missing 'zh' text"),
        (
            lambda d: d["scales"]["agree5"]["codes"][1].update(code=1),
            r"scales\.agree5\.codes\[1\]\.code: duplicate code 1",
        ),
        (
            lambda d: d["quality"][2]["when"].update(question="years"),
            r"quality\[2\]\.when\.question: unknown question 'years'",
        ),
        (
            lambda d: d["derived"][0].update(**{"from": "solid"}),
            r"derived\[0\]\.from: unknown question 'solid'",
        ),
        (
            lambda d: d["weighting"]["variables"].append("income"),
            r"weighting\.variables\[6\]: unknown variable 'income'",
        ),
        (lambda d: d.pop("questions"), r"questions: missing"),
    ],
)
def test_malformed_instrument(tmp_path, mutate, message):
    d = doc()
    mutate(d)
    with pytest.raises(InstrumentError, match=message):
        load_instrument(write(tmp_path, d))


def test_all_problems_reported_at_once(tmp_path):
    d = doc()
    d["questions"][6]["scale"] = "agree7"
    d["questions"][8]["scale"] = "agree9"
    with pytest.raises(InstrumentError) as err:
        load_instrument(write(tmp_path, d))
    assert "agree7" in str(err.value) and "agree9" in str(err.value)


def test_invalid_yaml_and_python_tags(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("study: {id: x\nquestions: [", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"bad.yaml: line \d+, column \d+: invalid YAML"):
        load_instrument(bad)
    evil = tmp_path / "evil.yaml"
    evil.write_text("study: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="invalid YAML"):
        load_instrument(evil)


def test_plan_loads_and_validates(tmp_path):
    plan, _inst = load_plan(PLAN)
    assert [f.id for f in plan.figures][:3] == ["solidarity", "nongov_necessary", "support"]
    assert plan.waves[0].instrument_version == "1.0.0"
    d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d["instrument"] = str(INSTRUMENT)
    d["published"]["figures"][0]["indicator"] = "solidarty"
    d["banner"]["variables"].append("income")
    d["weighting"]["default"]["targets"]["country"][4] = 0.0
    path = write(tmp_path, d, "plan.yaml")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    text = str(err.value)
    assert "published.figures[0].indicator: unknown indicator 'solidarty'" in text
    assert "banner.variables[7]: unknown question 'income'" in text
    assert "weighting.default.targets.country: category 4 is not a code of 'country'" in text
