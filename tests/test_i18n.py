"""Languages come from the instrument: catalogues, --lang, Spanish outputs, coding frames, detection.

The English/Spanish fixture (tests/fixtures/i18n/: instrument, plan, coding frame and
40 invented respondents made by make_raw.py, 1-20 answering in Spanish) runs through
``python -m survey.analyze --lang es`` and ``python -m survey.export --lang es``; the
assertions name Spanish strings of the catalogue survey/locale/es.  Expected language
tags come from the fixture's generator (who answered in which language), not from the
code under test.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from survey import analyze, i18n
from survey import export as export_cli
from survey.cli import run
from survey.errors import PlanError
from survey.instrument import __main__ as instrument_cli
from survey.instrument import load_instrument
from survey.instrument.plan import load_plan
from survey.text.language import detect_language
from tests.conftest import PLAN, ROOT
from tests.fixtures.i18n.make_raw import ENGLISH, SPANISH, rows

FIXTURE = ROOT / "tests" / "fixtures" / "i18n"
ES_PLAN = FIXTURE / "plan.yaml"
ES_INSTRUMENT = FIXTURE / "instrument.yaml"
CATALOGUES = sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/survey.po"))


# --------------------------------------------------------------------------- catalogues


def test_english_chinese_and_spanish_are_shipped():
    assert {"en", "es", "zh"} <= set(i18n.catalogue_languages())
    assert [p.parent.parent.name for p in CATALOGUES] == list(i18n.catalogue_languages())


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_each_mo_is_compiled_from_its_po(po):
    # A .po edited without `python -m survey.i18n compile` (or a .mo edited alone) fails here.
    assert po.with_suffix(".mo").read_bytes() == i18n.compile_catalogue(po)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_each_catalogue_is_complete_with_the_same_placeholders(po):
    assert i18n.catalogue_problems(po) == []


def test_a_plural_message_is_checked_form_by_form(tmp_path):
    """A plural entry (id and translation are sequences of forms) is checked, not a TypeError."""
    po = tmp_path / "es" / "LC_MESSAGES" / "survey.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "{n} row"\nmsgid_plural "{n} rows"\n'
        'msgstr[0] "{n} fila"\nmsgstr[1] "{m} filas"\n',
        encoding="utf-8",
    )
    problems = i18n.catalogue_problems(po)
    assert problems[0] == f"{po}:6: placeholders ['m', 'n'] differ from ['n']"
    assert problems[1:] == [
        f"{po.with_suffix('.mo')}: not compiled from survey.po (python -m survey.i18n compile)"
    ]


def _messages(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id) for m in catalogue if m.id}


def test_template_and_catalogues_hold_exactly_the_messages_of_the_code():
    """What Babel extracts from survey/ now is what the .pot and every .po hold."""
    code = {
        (context, message)
        for _, _, message, _, context in extract_from_dir(
            str(ROOT / "survey"), [("**.py", "python")]
        )
    }
    with open(i18n.LOCALE_DIR / "survey.pot", "rb") as fh:
        assert _messages(read_po(fh)) == code
    for po in CATALOGUES:
        with open(po, "rb") as fh:
            assert _messages(read_po(fh)) == code, po


def test_chinese_keeps_the_words_it_had():
    """A few of the former zh tables, where one English word has two Chinese ones."""
    from survey.instrument.fielding import word
    from survey.report.document import Words
    from survey.write.export import selected_labels
    from survey.write.workbook import sheet_words

    zh = Words("zh")
    assert (zh("toplines"), zh("total"), zh("base_n"), zh("question")) == (
        "频数分布",
        "总体",
        "基数（n）",
        "题目",
    )
    words = sheet_words("zh")
    assert (words["base"], words["total"], words["question"]) == ("未加权基数", "合计", "问题")
    assert selected_labels("zh") == {0: "未选", 1: "选中"}
    assert (word("option_selected", "zh"), word("option_not_selected", "zh")) == ("已选", "未选")
    assert (
        zh("sentences", first="甲。", next="乙。") == "甲。乙。"
    )  # Chinese puts no space between sentences
    assert Words("en")("sentences", first="A.", next="B.") == "A. B."


def test_a_missing_message_is_english_and_recorded(tmp_path, monkeypatch):
    # A catalogue of a new language that translates one message only.
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "survey.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Weight"\nmsgstr "Gewicht"\n',
        encoding="utf-8",
    )
    (folder / "survey.mo").write_bytes(i18n.compile_catalogue(folder / "survey.po"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    t = i18n.Translator("de")
    assert t.gettext("Weight") == "Gewicht"
    assert (
        t.gettext(
            "Design effect of the weights {deff}; effective sample size {n_eff}.",
            deff="1.2",
            n_eff="9",
        )
        == "Design effect of the weights 1.2; effective sample size 9."
    )
    assert t.pgettext("workbook", "Total") == "Total"
    assert t.missing == [
        "Design effect of the weights {deff}; effective sample size {n_eff}.",
        "workbook|Total",
    ]


def test_a_language_without_catalogue_is_english_and_said_once():
    t = i18n.translator("fr")
    assert t.path is None and t.gettext("Weight") == "Weight" and t.gettext("Weight") == "Weight"
    missing = len(t.missing)  # "Weight" once, and whatever other tests asked in French
    note = i18n.fallback_note("fr")
    assert note.startswith(
        f"note: {missing} messages have no French translation and are shown in English"
    )
    assert "survey/locale/fr/LC_MESSAGES/survey.po" in note


def test_language_names_come_from_the_catalogue_then_cldr():
    assert i18n.language_name("en", "zh") == "英文" and i18n.language_name("zh", "zh") == "中文"
    assert (
        i18n.language_name("es", "es") == "español" and i18n.language_name("en", "es") == "inglés"
    )
    assert (
        i18n.language_name("fr", "en") == "French" and i18n.language_name("pt", "es") == "portugués"
    )
    assert i18n.english_name("es") == "Spanish" and i18n.english_name("qq") == "qq"


# --------------------------------------------------------------------------- --lang from the instrument


def _error(main, argv, capsys) -> str:
    assert run(main, argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_analyze_refuses_a_language_the_instrument_does_not_declare(tmp_path, capsys):
    out = tmp_path / "out"
    line = _error(
        analyze.main, ["--plan", str(ES_PLAN), "--lang", "fr", "--out", str(out), "--quiet"], capsys
    )
    assert line == f"error: language 'fr' is not declared by {ES_INSTRUMENT} (languages: en, es)"
    line = _error(
        analyze.main, ["--plan", str(ES_PLAN), "--lang", "zh", "--out", str(out), "--quiet"], capsys
    )
    assert line == f"error: language 'zh' is not declared by {ES_INSTRUMENT} (languages: en, es)"
    line = _error(
        analyze.main, ["--plan", str(PLAN), "--lang", "es", "--out", str(out), "--quiet"], capsys
    )
    assert line.endswith("ccg-2020.yaml (languages: en, zh)")
    assert not out.exists()


def test_instrument_export_refuses_a_language_the_instrument_does_not_declare(tmp_path, capsys):
    out = tmp_path / "q.md"
    argv = [
        "export",
        "--format",
        "questionnaire",
        "--instrument",
        str(ES_INSTRUMENT),
        "--lang",
        "zh",
        "--out",
        str(out),
    ]
    assert _error(instrument_cli.main, argv, capsys) == (
        f"error: language 'zh' is not declared by {ES_INSTRUMENT} (languages: en, es)"
    )
    assert not out.exists()


# --------------------------------------------------------------------------- a Spanish run


@pytest.fixture(scope="module")
def es_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("es") / "run"
    buffer = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(buffer):
        assert run(analyze.main, ["--plan", str(ES_PLAN), "--lang", "es", "--out", str(out)]) == 0
    return out, buffer.getvalue()


def test_spanish_report_has_spanish_fixed_text_and_instrument_wording(es_run):
    out, _ = es_run
    md = (out / "report.md").read_text(encoding="utf-8")
    for text in (
        "# Usuarios de centros de salud: análisis de prueba",
        "## Sobre esta encuesta",
        "## Frecuencias",
        "## Tablas cruzadas",
        "## Cuestionario",
        "## Reproducibilidad",
        "| Idiomas | inglés, español |",
        "| Ponderación | Método: rake sobre ¿A qué centro de salud acude?",
        "### trust_q: Confío en el personal de mi centro de salud.",
        "- Inglés: I trust the staff of my health centre.",
        "- Se pregunta si: visited_q = 1 (Sí)",
        "| Tiempos de espera |",
        "| Ninguno de estos temas |",
    ):
        assert text in md, text
    assert "Toplines" not in md and "Questionnaire" not in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in html and "<strong>Índice</strong>" in html


def test_spanish_tables_and_workbooks(es_run):
    out, _ = es_run
    toplines = pd.read_csv(out / "toplines.csv")
    assert toplines.loc[toplines["question"] == "trust_q", "label"].tolist() == [
        "Muy en desacuerdo",
        "En desacuerdo",
        "De acuerdo",
        "Muy de acuerdo",
        "No sabe",
    ]
    agreement = pd.read_csv(out / "agreement.csv")
    assert agreement["label"].tolist() == [
        "Confía en el personal",
        "Considera razonables los tiempos de espera",
    ]
    book = openpyxl.load_workbook(out / "crosstabs.xlsx")
    assert book.sheetnames == ["Índice", "Banner", "Pruebas", "Notas"]
    banner = [c.value for row in book["Banner"].iter_rows(max_row=12) for c in row if c.value]
    assert "Total" in banner and "Base sin ponderar" in banner
    notes = [c.value for row in book["Notas"].iter_rows() for c in row if c.value]
    assert any(str(n).startswith("La hoja Banner cruza cada pregunta") for n in notes)


def test_spanish_sav_labels(es_run):
    out, _ = es_run
    _, meta = pyreadstat.read_sav(str(out / "spss" / "clinic-mini-wave1.sav"), metadataonly=True)
    assert meta.column_names_to_labels["weight"] == "Ponderación"
    assert meta.column_names_to_labels["services_2"] == "¿Qué servicios utilizó?: Vacunación"
    assert meta.variable_value_labels["services_2"] == {0: "No seleccionada", 1: "Seleccionada"}
    assert meta.variable_value_labels["trust"] == {0: "No", 1: "Sí"}


def test_spanish_summary_without_fallback(es_run):
    out, printed = es_run
    assert printed.splitlines()[0] == "clinic-mini, oleada 1 (2024): raw.csv"
    assert "brutas 40 = válidas 40 + excluidas 0 (ninguno)" in printed
    assert printed.splitlines()[-1] == f"escrito en {out}" and "nota:" not in printed


def test_lingua_tags_spanish_accounts_es(es_run):
    out, _ = es_run
    accounts = pd.read_csv(out / "open_ended.csv", dtype=str, keep_default_na=False)
    expected = {
        r["respondent_id"]: "es" if r["lang"] == "2" else "en" for r in rows() if r["comment"]
    }
    assert dict(zip(accounts["respondent_id"], accounts["language"])) == expected
    assert sum(v == "es" for v in expected.values()) == 15


def test_export_relabels_a_run_in_a_declared_language_only(es_run, tmp_path, capsys):
    out, _ = es_run
    assert (
        run(export_cli.main, [str(out), "--lang", "en", "--out", str(tmp_path / "en"), "--quiet"])
        == 0
    )
    _, meta = pyreadstat.read_sav(str(tmp_path / "en" / "clinic-mini-wave1.sav"), metadataonly=True)
    assert meta.column_names_to_labels["weight"] == "Weight"
    assert meta.variable_value_labels["services_2"] == {0: "Not selected", 1: "Selected"}
    assert (
        run(export_cli.main, [str(out), "--lang", "es", "--out", str(tmp_path / "es"), "--quiet"])
        == 0
    )
    _, meta = pyreadstat.read_sav(str(tmp_path / "es" / "clinic-mini-wave1.sav"), metadataonly=True)
    assert meta.column_names_to_labels["raw_row"] == "Fila en el archivo de datos brutos"
    line = _error(
        export_cli.main,
        [str(out), "--lang", "fr", "--out", str(tmp_path / "fr"), "--quiet"],
        capsys,
    )
    assert (
        line
        == f"error: language 'fr' is not declared by {out / 'instrument.yaml'} (languages: en, es)"
    )
    assert not (tmp_path / "fr").exists()


def test_spanish_questionnaire_xlsform_and_codebook(tmp_path):
    def export(fmt: str, name: str) -> Path:
        argv = [
            "export",
            "--format",
            fmt,
            "--instrument",
            str(ES_INSTRUMENT),
            "--lang",
            "es",
            "--out",
            str(tmp_path / name),
            "--quiet",
        ]
        assert run(instrument_cli.main, argv) == 0
        return tmp_path / name

    questionnaire = export("questionnaire", "q.md").read_text(encoding="utf-8")
    assert "# Encuesta a usuarios de centros de salud (datos de prueba)" in questionnaire
    assert "¿Qué servicios utilizó? (marque todas las que correspondan)" in questionnaire
    assert "*Preguntar solo si Q5 visited_q = Sí*" in questionnaire
    assert "## Anexo: paradatos registrados por la plataforma" in questionnaire
    book = openpyxl.load_workbook(export("xlsform", "form.xlsx"))
    settings = dict(
        zip([c.value for c in book["settings"][1]], [c.value for c in book["settings"][2]])
    )
    assert settings["default_language"] == "Spanish (es)"
    assert settings["form_title"] == "Encuesta a usuarios de centros de salud (datos de prueba)"
    survey_sheet = [[c.value for c in row] for row in book["survey"].iter_rows()]
    header = survey_sheet[0]
    services = next(r for r in survey_sheet if r[header.index("name")] == "services")
    assert services[header.index("hint::Spanish (es)")] == "(marque todas las que correspondan)"
    assert services[header.index("hint::English (en)")] == "(select all that apply)"
    notes = {r[0].value: r[2].value for r in book["notes"].iter_rows(min_row=2)}
    assert notes["respondent_id"] == (
        "omitido: la plataforma genera meta/instanceID; asígnelo a respondent_id "
        "al importar los datos"
    )
    codebook = export("codebook", "codebook.md").read_text(encoding="utf-8")
    assert codebook.startswith(
        "# Libro de códigos: Health centre users survey (test fixture) / Encuesta"
    )
    assert (
        "| universo (es) | visited_q = Sí |" in codebook and "| datos personales | no |" in codebook
    )


# --------------------------------------------------------------------------- coding frame at plan load


def _fixture_copy(tmp_path: Path, frame: str) -> Path:
    for name in ("instrument.yaml", "plan.yaml"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    (tmp_path / "coding.yaml").write_text(frame, encoding="utf-8")
    return (
        tmp_path / "plan.yaml"
    )  # raw.csv is not copied: the plan must fail before any data is read


def test_an_english_spanish_frame_loads_with_the_plan():
    plan, instrument = load_plan(ES_PLAN)
    assert plan.coding_frame.languages == instrument.languages == ("en", "es")
    assert plan.coding_frame.label("waiting", "es") == "Tiempos de espera"
    assert plan.coding_frame.label("uncoded", "es") == "Ninguno de estos temas"


def test_a_label_missing_in_a_declared_language_fails_the_plan_load(tmp_path):
    plan = _fixture_copy(
        tmp_path,
        """themes:
  - {id: waiting, label: {en: "Waiting times", es: "Tiempos de espera"}, patterns: {en: ['wait'], es: ['espera']}}
  - {id: staff, label: {en: "Staff"}, patterns: {en: ['staff']}}
""",
    )
    with pytest.raises(
        PlanError,
        match=re.escape("open_ended.coding_frame: coding frame ")
        + ".*"
        + re.escape("coding.yaml: themes[1].label: missing 'es' text"),
    ):
        load_plan(plan)


def test_a_frame_in_an_undeclared_language_fails_the_plan_load(tmp_path, capsys):
    plan = _fixture_copy(
        tmp_path,
        """themes:
  - {id: waiting, label: {en: "Waiting", es: "Espera", zh: "等候"}, patterns: {en: ['wait'], zh: ['等']}}
""",
    )
    line = _error(
        analyze.main, ["--plan", str(plan), "--out", str(tmp_path / "out"), "--quiet"], capsys
    )
    assert "themes[0].label.zh: 'zh' is not a language of the instrument (en, es)" in line
    assert "themes[0].patterns.zh: 'zh' is not a language of the instrument (en, es)" in line
    assert "raw.csv" not in line  # refused at load, before the (missing) raw file is read


# --------------------------------------------------------------------------- language detection


def _lingua_alone(texts: list[str], languages: dict) -> list[str]:
    """lingua restricted to ``languages`` on every text, no prefilter (the reference)."""
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_languages(*languages).build()
    return [languages.get(detector.detect_language_of(t), "") for t in texts]


def test_lingua_tells_spanish_from_english():
    texts = SPANISH + ENGLISH
    assert detect_language(pd.Series(texts), ("en", "es")).tolist() == ["es"] * len(SPANISH) + [
        "en"
    ] * len(ENGLISH)


def test_the_script_prefilter_gives_lingua_s_answers():
    from lingua import Language

    accounts = pd.read_csv(ROOT / "raw" / "ccg-2020-wave1.csv", dtype=str, keep_default_na=False)[
        "account"
    ]
    texts = [t for t in accounts if t] + [
        "Wuhan 武汉",
        "OK",
        "ǂ",
        "Привет",
        "12 !!",
        "ｈｅｌｌｏ",
        "é",
        "口罩",
    ]
    expected = _lingua_alone(texts, {Language.ENGLISH: "en", Language.CHINESE: "zh"})
    assert detect_language(pd.Series(texts), ("en", "zh")).tolist() == expected
    assert expected[-8:] == ["zh", "en", "en", "", "", "en", "en", "zh"]


def test_languages_lingua_does_not_know_are_never_assigned():
    texts = pd.Series(["We donated masks.", "我们捐赠了口罩。", ""])
    assert detect_language(texts, ("en", "qq")).tolist() == ["en", "", ""]
    assert detect_language(texts, ("qq",)).tolist() == ["", "", ""]


def test_indicator_labels_in_every_language_of_the_instrument():
    from survey.instrument import derived_codes

    inst = load_instrument(ES_INSTRUMENT)
    trust = next(d for d in inst.derived if d.id == "trust")
    assert [dict(c.label) for c in derived_codes(inst, trust)] == [
        {"en": "No", "es": "No"},
        {"en": "Yes", "es": "Sí"},
    ]
