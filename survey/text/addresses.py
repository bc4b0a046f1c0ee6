"""Street addresses and post-office boxes in prose: a rule set per address style.

No library finds addresses in prose.  ``usaddress`` was tried and left out: it is a
parser that labels every token of the string it is given (the words before an address
become its "Recipient", "50 boxes on Main Street" a street), so it cannot say where an
address starts.  The rules here are ours; their words are data (``address:`` in
``survey/text/leadins/<lang>.yaml``), each file naming one of :data:`LAYOUTS`:

- ``number_first`` (English; the US and Canada): a house number, capitalised street
  words and a street type ("350 Fifth Avenue"), then units, places, a state and a ZIP
  code ("Suite 3300, New York, NY 10118"); PO boxes.  A year after "in", "since" ... is
  no house number ("In 2020 Main Street shops donated").
- ``type_first`` (Spanish; Spain and Latin America): a street type, its name and the
  number ("Calle Mayor 12, 3º B, 28013 Madrid", "Carrera 7 # 71-21"); "Apartado de
  Correos 1234".
- ``cjk`` (Chinese): divisions, a road and its number, building, unit and room
  ("北京市朝阳区建国路88号3号楼1203室"), or an estate and a building ("阳光花园5栋2单元301室").

A ZIP code, a street name without a number or a city alone is not an address here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from survey.errors import InstrumentError
from survey.text.words import CJK, LEADINS, Span, Words, alternation


def _number_first(spec: dict[str, Any], words: Words) -> str:
    """US/Canadian style: "350 Fifth Avenue, Suite 3300, New York, NY 10118", "PO Box 77"."""
    dirs = alternation(spec.get("directions", ()))
    types = alternation(spec["street_types"])
    units = alternation(spec.get("units", ()))
    word = r"(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][A-Za-z'’.-]*)"
    unit = rf"(?:,?\s*{units}\.?\s*#?\s*[A-Za-z0-9-]{{1,6}}\b)"
    place = r"(?:[A-Z][a-z]{0,2}\.|[A-Z][A-Za-z'’-]*)"  # "St. Louis", but "Austin." ends the place
    # then up to three ", part" (a floor, a city), a state and a ZIP code
    tail = (
        rf"(?:,\s*(?:{place}\s+{units}\b|{place}(?:\s+{place}){{0,3}})){{0,3}}"
        rf"(?:,?\s+[A-Z]{{2}}\b(?:,?\s+\d{{5}}(?:-\d{{4}})?\b)?|,?\s+\d{{5}}(?:-\d{{4}})?\b)?"
    )
    street = (
        rf"(?<![\w-])\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?\s+(?:{dirs}\.?\s+)?(?:{word}\s+){{1,4}}?"
        rf"(?i:{types})\b\.?(?:\s+{dirs}\b\.?)?{unit}*"
    )
    box = rf"(?<![\w-])(?i:{alternation(spec.get('po_box', ()), escape=False)})\s*#?\s*\d{{1,6}}\b"
    return rf"(?:{street}|{box}){tail}"


def _type_first(spec: dict[str, Any], words: Words) -> str:
    """Spanish style: "Calle Mayor 12, 3º B, 28013 Madrid", "Carrera 7 # 71-21", "Apartado 1234"."""
    types = alternation(spec["street_types"], escape=False)
    units = alternation(spec.get("units", ()))
    marks = alternation(spec.get("number_marks", ()), escape=False)
    particle = rf"(?:{alternation(words.particles)}\s+)"
    up = "A-ZÀ-ÖØ-Þ"
    name = rf"{particle}*[{up}0-9][\w.'’-]*(?:\s+{particle}*[{up}][\w.'’-]*){{0,4}}"
    number = rf",?\s*(?:{marks}\s*)?\d{{1,5}}[A-Za-z]?(?:\s*-\s*\d{{1,4}})?\b"
    after = rf"(?:,?\s*(?:\d{{1,2}}\s*[º°ª]\s*[A-Za-z]?\b|(?i:{units})\.?\s*[\w-]{{1,4}}\b))*"
    city = rf"[{up}][a-zß-öø-ÿ]+(?:\s+{particle}?[{up}][a-zß-öø-ÿ]+){{0,2}}"
    postal = rf"(?:,?\s*(?:C\.?\s?P\.?\s*)?\d{{5}}\b(?:\s+{city})?)?"
    street = rf"(?<![\w])(?i:{types})\s+{name}{number}{after}{postal}"
    box = rf"(?<![\w])(?:{alternation(spec.get('po_box', ()), escape=False)})\s*\d{{1,6}}\b{postal}"
    return rf"(?:{street}|{box})"


def _cjk(spec: dict[str, Any], words: Words) -> str:
    """Chinese style: "北京市朝阳区建国路88号3号楼1203室", "阳光花园5栋2单元301室".

    Names of places are CJK characters other than ``not_in_names`` (the verbs and
    prepositions before an address: "寄到", "住在"), so that the address starts after them.
    """
    char = "(?:(?![" + "".join(spec.get("not_in_names", ())) + f"])[{CJK}])"
    divisions = alternation(spec["divisions"])
    roads = alternation(spec["roads"])
    estates = alternation(spec.get("estates", ()))
    units = alternation(spec.get("units", ()))
    div = rf"(?:{char}{{1,6}}?{divisions})"
    rooms = rf"(?:[A-Za-z]?\d{{1,5}}[A-Za-z]?{units})*"
    estate = rf"{char}{{2,6}}?{estates}"
    road = rf"{div}*(?:{char}|[A-Za-z0-9]){{1,8}}?{roads}\d{{1,5}}(?:-\d{{1,5}})?号(?:院)?(?:{estate})?{rooms}"
    building = rf"{div}*{estate}\d{{1,5}}(?:号楼|栋|幢|座){rooms}"
    box = alternation(spec.get("po_box", ()), escape=False) + "号?"
    return rf"(?:{road}|{building}|{box})"


#: Address styles: a function of the language's ``address:`` spec and its words, giving a regex.
LAYOUTS: dict[str, Callable[[dict[str, Any], Words], str]] = {
    "number_first": _number_first,
    "type_first": _type_first,
    "cjk": _cjk,
}


def _gate(spec: dict[str, Any]) -> str:
    """What an address of the layout cannot lack: a quick test before the full pattern."""
    box = alternation(spec.get("po_box", ()), escape=False)
    if spec["layout"] == "number_first":
        return rf"(?i)\d[^\n]*?{alternation(spec['street_types'])}|{box}"
    if spec["layout"] == "type_first":
        return rf"(?i)(?:{alternation(spec['street_types'], escape=False)}|{box})[^\n]*?\d"
    return rf"(?:{alternation([*spec['roads'], *spec.get('estates', ())])})\d|{box}"


def address_pattern(words: Sequence[Words]) -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """(gate, pattern) of the address rules of every language that has them.

    Examples
    --------
    >>> from survey.text.words import load_words
    >>> [(gate, pattern)] = address_pattern([load_words("es")])
    >>> pattern.search("Vivo en Calle Mayor 12, 28013 Madrid.").group(0)
    'Calle Mayor 12, 28013 Madrid'
    """
    rules = []
    for ws in words:
        spec = ws.address or {}
        if spec.get("layout") not in LAYOUTS:
            if spec:
                raise InstrumentError(
                    f"{LEADINS / ws.language}.yaml: address.layout must be one of {sorted(LAYOUTS)}"
                )
            continue
        rules.append((re.compile(_gate(spec)), re.compile(LAYOUTS[spec["layout"]](spec, ws))))
    return tuple(rules)


_YEAR = re.compile(r"(?:19|20)\d\d\b")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\W*$")


def addresses(
    text: str,
    rules: Sequence[tuple[re.Pattern[str], re.Pattern[str]]],
    year_after: frozenset[str] = frozenset(),
) -> list[Span]:
    """Street addresses and post-office boxes; a year after "in", "since" ... is no house number.

    Examples
    --------
    >>> from survey.text.words import load_words
    >>> rules = address_pattern([load_words("en")])
    >>> addresses("Ship to 42 Elm Street, Boston, MA 02116.", rules)
    [(8, 39, 'ADDRESS')]
    >>> addresses("In 2020 Main Street shops gave gloves.", rules, frozenset({"in"}))
    []
    """
    found: list[Span] = []
    for gate, pattern in rules:
        if not gate.search(text):
            continue
        for m in pattern.finditer(text):
            if _YEAR.match(text, m.start()):
                before = _WORD_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
                if before and before.group(1).casefold() in year_after:
                    continue
            if not any(m.start() < e and s < m.end() for s, e, _ in found):
                found.append((m.start(), m.end(), "ADDRESS"))
    return found
