"""The input of reference.R: the coded columns of each wave's respondent file, and their digest.

Run from the repository root: ``python tests/reference/ccg/make_data.py [run folder of wave 1]
[run folder of wave 2]`` (default: the committed ``reports/ccg-2020/wave1`` and ``wave2``).  Writes
``input/wave<k>.csv`` here (not committed: the respondent files it comes from are) and
``inputs.csv`` (committed: wave, respondents, SHA-256 of ``input/wave<k>.csv``).  The columns are
the banner and weighting variables, the tabulated questions (multi-select options included)
and the indicators, as whole numbers: no ids, times, free text, personal data or weights (R
computes the weights itself).  ``tests/test_ccg_reference.py`` derives the same text from a run
and checks its digest, so the R values are known to describe the data the package analyses.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BACKGROUND = ["country", "gender", "education", "sector", "ties", "age_band", "age_band4"]
QUESTIONS = [
    "solidarity_q",
    "nongov_q",
    "support_q",
    "awareness_q",
    "relations_q",
    "media_more_q",
    "positive_role_q",
    "participated_q",
    "plan_future_q",
]
INDICATORS = [
    "solidarity",
    "nongov_necessary",
    "support",
    "no_idea",
    "relations_affect",
    "media_more",
    "positive_role",
    "participated",
    "plan_future",
]


def compact(respondents: pd.DataFrame) -> str:
    """The CSV text reference.R reads, from a run's ``data/respondents.csv``."""
    options = sorted(
        (c for c in respondents.columns if c.startswith("how_participated_") and c[-1].isdigit()),
        key=lambda c: int(c.rsplit("_", 1)[1]),
    )
    frame = (
        respondents[BACKGROUND + QUESTIONS + options + INDICATORS].astype("Float64").astype("Int64")
    )
    return frame.to_csv(index=False, lineterminator="\n")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main(folders: list[Path]) -> None:
    (HERE / "input").mkdir(exist_ok=True)
    rows = []
    for wave, folder in enumerate(folders, start=1):
        text = compact(pd.read_csv(folder / "data" / "respondents.csv"))
        (HERE / "input" / f"wave{wave}.csv").write_text(text, encoding="utf-8")
        rows.append({"wave": wave, "respondents": text.count("\n") - 1, "sha256": digest(text)})
    pd.DataFrame(rows).to_csv(HERE / "inputs.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    given = [Path(a) for a in sys.argv[1:]]
    main(given or [ROOT / "reports" / "ccg-2020" / f"wave{k}" for k in (1, 2)])
