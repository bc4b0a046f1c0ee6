"""The schema: misspelled keys anywhere are named, every agreed key is accepted, the reference is current."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from survey.errors import InstrumentError, PlanError
from survey.instrument import load_instrument, reference
from survey.instrument.coding import load_coding_frame
from survey.instrument.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "tests" / "fixtures" / "features"


def base() -> dict:
    return yaml.safe_load((FEATURES / "instrument.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: dict, name: str = "instrument.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(tmp_path: Path, doc: dict) -> str:
    with pytest.raises(InstrumentError) as err:
        load_instrument(write(tmp_path, doc))
    return str(err.value)


def rename(mapping: dict, old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


# --------------------------------------------------------------------------- misspelled keys


@pytest.mark.parametrize(
    "where, mutate, message",
    [
        (
            "top",
            lambda d: rename(d, "skip_policy", "skip_polcy"),
            "skip_polcy: unknown key; did you mean `skip_policy`?",
        ),
        (
            "study",
            lambda d: rename(d["study"], "countries", "countires"),
            "study.countires: unknown key; did you mean `countries`?",
        ),
        (
            "question",
            lambda d: rename(d["questions"][3], "required", "requird"),
            "questions[3].requird: unknown key; did you mean `required`?",
        ),
        (
            "option",
            lambda d: rename(d["questions"][9]["options"][3], "exclusive", "exclusiv"),
            "questions[9].options[3].exclusiv: unknown key; did you mean `exclusive`?",
        ),
        (
            "scale code",
            lambda d: rename(d["scales"]["agree4"]["codes"][4], "nonsubstantive", "nonsubstanitve"),
            "scales.agree4.codes[4].nonsubstanitve: unknown key; did you mean `nonsubstantive`?",
        ),
        (
            "grid item",
            lambda d: rename(d["questions"][6]["items"][1], "reverse", "revers"),
            "questions[6].items[1].revers: unknown key; did you mean `reverse`?",
        ),
        (
            "skip logic",
            lambda d: rename(d["questions"][8]["ask_if"], "question", "questoin"),
            "questions[8].ask_if.questoin: unknown key; did you mean `question`?",
        ),
        (
            "rule",
            lambda d: rename(d["quality"][1], "min_items", "min_item"),
            "quality[1].min_item: unknown key; did you mean `min_items`?",
        ),
        (
            "derived",
            lambda d: rename(d["derived"][3], "min_valid", "minvalid"),
            "derived[3].minvalid: unknown key; did you mean `min_valid`?",
        ),
        (
            "times",
            lambda d: rename(d["times"], "timezone", "timezon"),
            "times.timezon: unknown key; did you mean `timezone`?",
        ),
        (
            "section",
            lambda d: rename(d["sections"][0], "role", "rol"),
            "sections[0].rol: unknown key; did you mean `role`?",
        ),
    ],
)
def test_misspelled_instrument_key_is_named(tmp_path, where, mutate, message):
    doc = base()
    mutate(doc)
    assert message in problems(tmp_path, doc)


def test_every_problem_at_once_with_file_and_path(tmp_path):
    doc = base()
    rename(doc["questions"][3], "required", "requird")
    doc["questions"][5]["scale"] = "scale11"
    doc["questions"][4]["text"].pop("es")
    doc["derived"][0]["from"] = "satt"
    text = problems(tmp_path, doc)
    assert text.startswith(str(tmp_path / "instrument.yaml") + ": ")
    for part in [
        "questions[3].requird: unknown key; did you mean `required`?",
        "questions[4].text: missing 'es' text",
        "questions[5].scale: unknown scale 'scale11'",
        "derived[0].from: unknown question 'satt'",
    ]:
        assert part in text
    assert "\n" not in text


def test_unknown_key_far_from_any_lists_the_valid_ones(tmp_path):
    doc = base()
    doc["times"]["colour"] = "red"
    assert "times.colour: unknown key (valid: format, timezone)" in problems(tmp_path, doc)


def test_misspelled_plan_and_coding_frame_keys(tmp_path):
    inst = write(tmp_path, base())
    plan = yaml.safe_load((FEATURES / "plan.yaml").read_text(encoding="utf-8"))
    plan["instrument"] = str(inst)
    plan["published"]["figures"] = [
        {
            "id": "f",
            "indicator": "sat_top3",
            "value": 40.0,
            "stated_n": 8,
            "quote": "q",
            "weigthed": True,
        }
    ]
    rename(plan["weighting"]["default"], "targets", "trgets")
    rename(plan["banner"], "variables", "variabels")
    plan["open_ended"] = {"coding_frame": "frame.yaml"}
    with pytest.raises(PlanError) as err:
        load_plan(write(tmp_path, plan, "plan.yaml"))
    text = str(err.value)
    assert "published.figures[0].weigthed: unknown key; did you mean `weighted`?" in text
    assert "weighting.default.trgets: unknown key; did you mean `targets`?" in text
    assert "weighting.default.targets: missing" in text
    assert "banner.variabels: unknown key; did you mean `variables`?" in text
    frame = {
        "themes": [
            {
                "id": "access",
                "lable": {"en": "Access", "es": "Acceso"},
                "patterns": {"en": ["wait"]},
            }
        ]
    }
    with pytest.raises(
        PlanError,
        match=r"frame.yaml: themes\[0\]\.label: missing; "
        r"themes\[0\]\.lable: unknown key; did you mean `label`\?",
    ):
        load_coding_frame(write(tmp_path, frame, "frame.yaml"), ["en", "es"])


def test_coding_frame_languages_are_the_instruments(tmp_path):
    frame = {
        "themes": [
            {
                "id": "access",
                "label": {"en": "Access"},
                "patterns": {"en": ["wait"], "fr": ["attente"]},
            }
        ]
    }
    with pytest.raises(PlanError) as err:
        load_coding_frame(write(tmp_path, frame, "frame.yaml"), ["en", "es"])
    assert "themes[0].label: missing 'es' text" in str(err.value)
    assert "themes[0].patterns.fr: 'fr' is not a language of the instrument (en, es)" in str(
        err.value
    )


def test_plan_checks_the_coding_frame_when_it_loads(tmp_path):
    inst = write(tmp_path, base())
    plan = yaml.safe_load((FEATURES / "plan.yaml").read_text(encoding="utf-8"))
    plan.update(instrument=str(inst), open_ended={"coding_frame": "frame.yaml"})
    write(
        tmp_path,
        {"themes": [{"id": "a", "label": {"en": "A", "zh": "甲"}, "patterns": {"en": ["x"]}}]},
        "frame.yaml",
    )
    with pytest.raises(PlanError, match=r"frame.yaml: themes\[0\]\.label: missing 'es' text"):
        load_plan(write(tmp_path, plan, "plan.yaml"))


# --------------------------------------------------------------------------- whole-document checks


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["scales"]["sex"]["codes"][0].update(code=-1),
            "derived[4].from: a cross needs codes >= 0 (so that none collide); 'sex' has [-1]",
        ),
        (
            lambda d: d["derived"][1]["map"].pop(),
            "derived[1].map: codes [7, 8, 9, 10] of 'sat' are not mapped",
        ),
        (
            lambda d: d["derived"][1].update(
                map={0: 5, 1: 5}, labels={5: {"en": "Low", "es": "Baja"}}, **{"else": "keep"}
            ),
            "derived[1].map: new code(s) [5] are also kept source codes",
        ),
        (
            lambda d: d["derived"][1].update(map={c: 1 for c in range(11)}),
            "derived[1].labels: no label for new code(s) [1]",
        ),
        (
            lambda d: d["scales"]["agree4"]["codes"].pop(2),
            "derived[2].from: the codes of 'q7_b' ([1, 2, 4]) cannot be reversed",
        ),
        (
            lambda d: d["derived"][0].update(top=11),
            "derived[0].top: must be less than the 11 substantive codes of 'sat'",
        ),
        (
            lambda d: d["derived"].insert(
                0, copy.deepcopy(d["derived"][1]) | {"id": "early", "from": "sat3"}
            ),
            "derived[0].from: 'sat3' is not defined before 'early'",
        ),
        (
            lambda d: d["derived"][5].update(codes=[3, 7]),
            "derived[5].codes: not codes of 'q7_a': [7]",
        ),
        (
            lambda d: d["questions"][9]["options"][3].pop("exclusive"),
            "quality[2].rule: no multi-select question has an exclusive option",
        ),
        (
            lambda d: d["scales"]["yesno"]["codes"][0].update(exclusive=True),
            "scales.yesno.codes[0].exclusive: only an option of a multi-select can be exclusive",
        ),
        (
            lambda d: d["questions"][6].pop("items"),
            "questions[6].items: a grid question needs 'items'",
        ),
        (
            lambda d: d["questions"][4].update(scale="sex"),
            "questions[4].scale: not a key of a question of type 'numeric'",
        ),
        (lambda d: d["quality"][1].update(grid="q8"), "quality[1].grid: unknown grid 'q8'"),
        (
            lambda d: d["questions"][3].update(section="abuot"),
            "questions[3].section: unknown section 'abuot'",
        ),
        (
            lambda d: d["times"].update(timezone="Mars/Olympus"),
            "times.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            lambda d: d["study"].update(countries=["es"]),
            "study.countries[0]: 'es' is not an ISO 3166-1 alpha-2 code",
        ),
        (
            lambda d: d.update(skip_policy="drop"),
            "skip_policy: unknown skip_policy 'drop' (valid: blank, exclude)",
        ),
        (
            lambda d: d["questions"].append(dict(d["questions"][3])),
            "questions[10].id: duplicate question id 'sex'",
        ),
        (
            lambda d: d.update(schema_version=2),
            "schema_version: unknown schema_version '2' (valid: 1)",
        ),
    ],
)
def test_whole_document_problems(tmp_path, mutate, message):
    doc = base()
    mutate(doc)
    assert message in problems(tmp_path, doc)


def test_weighted_figure_needs_a_weighting_plan(tmp_path):
    inst = write(tmp_path, base())
    plan = yaml.safe_load((FEATURES / "plan.yaml").read_text(encoding="utf-8"))
    plan["instrument"] = str(inst)
    plan["waves"][0].pop("weighting")
    plan["published"]["figures"] = [
        {
            "id": "f",
            "indicator": "sat_top3",
            "value": 40.0,
            "stated_n": 8,
            "quote": "q",
            "weighted": True,
        },
        {
            "id": "g",
            "statistic": "mean",
            "indicator": "sat_top3",
            "value": 4,
            "stated_n": 8,
            "quote": "q",
        },
    ]
    with pytest.raises(PlanError) as err:
        load_plan(write(tmp_path, plan, "plan.yaml"))
    assert "published.figures[0].weighted: wave '1' has no weighting plan" not in str(
        err.value
    )  # schema first
    assert "published.figures[1].question: missing (a 'mean' figure needs its question)" in str(
        err.value
    )
    plan["published"]["figures"].pop()
    with pytest.raises(
        PlanError, match=r"published.figures\[0\]\.weighted: wave '1' has no weighting plan"
    ):
        load_plan(write(tmp_path, plan, "plan.yaml"))


def test_figure_ids_are_unique(tmp_path):
    """A figure is a row of the headline table: two figures may share an indicator, not an id."""
    inst = write(tmp_path, base())
    plan = yaml.safe_load((FEATURES / "plan.yaml").read_text(encoding="utf-8"))
    plan["instrument"] = str(inst)
    figure = {"id": "f", "indicator": "sat_top3", "value": 40.0, "stated_n": 8, "quote": "q"}
    plan["published"]["figures"] = [figure, {**figure, "weighted": True}]
    with pytest.raises(
        PlanError, match=r"published.figures\[1\]\.id: figure id 'f' appears 2 times"
    ):
        load_plan(write(tmp_path, plan, "plan.yaml"))
    plan["published"]["figures"][1]["id"] = "f_weighted"
    assert [f.indicator for f in load_plan(write(tmp_path, plan, "plan.yaml"))[0].figures] == [
        "sat_top3"
    ] * 2


# --------------------------------------------------------------------------- the agreed keys


def test_every_agreed_key_is_accepted_and_exposed(tmp_path):
    """The keys of the shared spelling list (study, instrument, question, option, derived, rules)."""
    doc = base()
    doc["repeats"] = [
        {"id": "members", "sheet": "members", "label": {"en": "Members", "es": "Miembros"}}
    ]
    q = doc["questions"]
    q[0]["source"] = {"row_number": True}
    q[3]["source"] = "Q1"
    q[6]["comment"] = "note"
    q[6]["items"][0]["source"] = "Q7_1"
    q[9]["options"][0]["name"] = "gp"
    doc["scales"]["yesno"]["codes"][0]["other_text"] = "note"
    q.append(
        {"id": "note", "type": "text", "section": "opinions", "text": {"en": "Note", "es": "Nota"}}
    )
    q.append(
        {
            "id": "contact",
            "type": "text",
            "text": {"en": "Contact", "es": "Contacto"},
            "boxes": [
                {"id": "name", "label": {"en": "Name", "es": "Nombre"}},
                {"id": "email", "label": {"en": "Email", "es": "Correo"}, "personal": True},
            ],
        }
    )
    q.append(
        {
            "id": "member_age",
            "type": "numeric",
            "range": [0, 120],
            "repeat": "members",
            "text": {"en": "Age", "es": "Edad"},
        }
    )
    inst = load_instrument(write(tmp_path, doc))
    assert inst.countries == ("ES", "US") and inst.skip_policy == "blank"
    assert inst.times.formats == ("%d/%m/%Y %H:%M",) and inst.times.timezone == "Europe/Madrid"
    assert inst.question("rid").row_number and inst.question("sex").source == "Q1"
    assert inst.question("q7_a").source == "Q7_1" and inst.grid("q7").comment == "note"
    assert inst.question("q7_a").comment == "note"
    assert inst.question("services").codes[0].name == "gp" and inst.question(
        "services"
    ).exclusive_codes == (99,)
    assert inst.question("smoke").codes[0].other_text == "note"
    assert inst.question("age").integer and inst.question("age").unit == {
        "en": "years",
        "es": "años",
    }
    assert inst.question("contact").columns == ("contact_name", "contact_email")
    assert "contact_email" in inst.personal_columns and "contact_name" not in inst.personal_columns
    assert inst.repeats[0].id == "members" and [
        q.id for q in inst.repeat_questions if q.repeat == "members"
    ] == ["member_age"]
    assert "member_age" not in inst.raw_columns
    assert [s.role for s in inst.sections] == ["banner", None] and inst.question("sex").background
    assert {d.type for d in inst.derived} == {
        "box",
        "recode",
        "reverse",
        "score",
        "cross",
        "indicator",
    }
    assert {r.rule for r in inst.quality} == {"incomplete", "straightlining", "exclusive"}
    assert inst.schema_version == 1


def test_agreed_plan_keys_are_accepted(tmp_path):
    inst = write(tmp_path, base())
    plan = yaml.safe_load((FEATURES / "plan.yaml").read_text(encoding="utf-8"))
    plan["instrument"] = str(inst)
    plan["weighting"]["default"].update(method="rake", bounds=[0.3, 3.0], trim=[0.2, 5.0])
    plan["published"]["figures"] = [
        {
            "id": "f",
            "indicator": "sat_top3",
            "value": 40.0,
            "stated_n": 8,
            "quote": "q",
            "weighted": True,
            "tolerance_pp": 0.5,
        },
        {
            "id": "m",
            "statistic": "median",
            "question": "age",
            "value": 45,
            "stated_n": 9,
            "quote": "q",
        },
    ]
    loaded, _ = load_plan(write(tmp_path, plan, "plan.yaml"))
    assert loaded.schema_version == 1 and loaded.weighting["default"]["bounds"] == [0.3, 3.0]
    f, m = loaded.figures
    assert (f.weighted, f.tolerance_pp, f.statistic) == (True, 0.5, "pct")
    assert (m.statistic, m.question, m.variable) == ("median", "age", "age")


def test_old_files_without_schema_version_still_load(tmp_path):
    doc = yaml.safe_load((ROOT / "instruments" / "ccg-2020.yaml").read_text(encoding="utf-8"))
    doc.pop("schema_version")
    assert load_instrument(write(tmp_path, doc)).schema_version == 1


def test_corrections_match_the_crosstab_module():
    from survey.instrument.planschema import CORRECTIONS
    from survey.stats.crosstabs import CORRECTIONS as USED

    assert list(CORRECTIONS) == list(USED)


# --------------------------------------------------------------------------- the reference


def test_committed_reference_equals_a_fresh_generation():
    for relative, text in reference.generated().items():
        assert (ROOT / relative).read_text(encoding="utf-8") == text, (
            f"{relative} is stale: run python -m survey.instrument.reference"
        )


def test_reference_documents_every_key():
    page = reference.reference_page()
    for model in [*reference._walk(reference.DOCUMENTS["instrument"][0], set())]:
        for name, field in model[0].model_fields.items():
            assert f"| `{field.alias or name}` |" in page
    assert "[docs/format.md](docs/format.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_json_schema_accepts_the_example_files():
    import json

    import jsonschema

    for name, path in [
        ("instrument", ROOT / "instruments" / "ccg-2020.yaml"),
        ("plan", ROOT / "analysis" / "ccg-2020.yaml"),
        ("coding-frame", ROOT / "analysis" / "ccg-2020-coding.yaml"),
        ("instrument", FEATURES / "instrument.yaml"),
    ]:
        schema = json.loads(
            (ROOT / "docs" / "schema" / f"{name}.schema.json").read_text(encoding="utf-8")
        )
        doc = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == [], path


def test_cli_prints_every_problem_on_one_line_and_exits_2(tmp_path, capsys):
    from survey.analyze import main
    from survey.cli import run

    doc = base()
    rename(doc["questions"][3], "required", "requird")
    doc["derived"][0]["from"] = "satt"
    inst = write(tmp_path, doc)
    plan = yaml.safe_load((FEATURES / "plan.yaml").read_text(encoding="utf-8"))
    plan["instrument"] = str(inst)
    assert (
        run(
            main,
            ["--plan", str(write(tmp_path, plan, "plan.yaml")), "--out", str(tmp_path / "out")],
        )
        == 2
    )
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        (
            f"error: {inst}: derived[0].from: unknown question 'satt'; "
            "questions[3].requird: unknown key; did you mean `required`?"
        )
    ]
    assert not (tmp_path / "out").exists()


def test_the_fast_yaml_loader_reads_every_yaml_file_as_pyyaml_does():
    """survey.instrument.loading.safe_load (libyaml's parser where PyYAML has it) gives the same
    objects, types included, as yaml.safe_load for every YAML file of the project and of the
    bad-input corpus; a document it refuses is refused with PyYAML's own error."""
    import yaml

    from survey.instrument.loading import safe_load

    root = Path(__file__).resolve().parent.parent
    files = [
        p
        for p in sorted(root.rglob("*.yaml"))
        if ".git" not in p.parts and "reports" not in p.parts
    ]
    assert len(files) > 30
    for p in files:
        try:
            text = p.read_text(encoding="utf-8")
        except (
            UnicodeDecodeError
        ):  # the corpus' not-UTF-8 file: read_yaml refuses it before parsing
            continue
        try:
            expected = repr(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            with pytest.raises(yaml.YAMLError) as got:
                safe_load(text)
            assert str(got.value) == str(exc), p
            continue
        assert repr(safe_load(text)) == expected, p
