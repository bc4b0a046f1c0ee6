"""The before/after table of the corpus: ``python tests/corpus/before_after.py BEFORE.jsonl AFTER.jsonl``.

Each file holds one JSON line per case, written by ``SURVEY_CORPUS_LOG=FILE python3 -m pytest
tests/test_corpus.py`` run against one version of the code (for "before", in a copy of that
version's tree: every path the cases touch is inside pytest's tmp_path).  Prints a Markdown table.
"""

from __future__ import annotations

import json
import re
import sys

# folders the cases ran in (pytest's tmp_path, the two trees): dropped to keep the table readable
PLACES = re.compile(
    r"/(tmp|work)/(\S*?/)?(test_(environment|file)_[^/\s]+/|tests/corpus/|h-safety2/)"
)


def outcome(row: dict | None) -> str:
    if row is None:
        return "(not run)"

    def short(text: str) -> str:
        return PLACES.sub("", text)[:110]

    if row["crash"]:
        what = f"traceback ({short(row['crash'])})"
    elif row["traceback"]:
        what = f"exit {row['status']}, traceback ({short(row['last'])})"
    elif row["status"] == 0:
        what = "exit 0" + (", replaced the previous run" if row["replaced_run"] else "")
    else:
        lines = "" if row["stderr_lines"] == 1 else f", {row['stderr_lines']} lines (usage)"
        what = f"exit {row['status']}{lines}: {short(row['first'].removeprefix('error: '))}"
    if row["lost_user"]:
        what += f"; **LOST the user's {', '.join(row['lost_user'][:3])}**"
    if row["added"] and row["status"] != 0:
        what += f"; left {', '.join(row['added'][:2])}"
    return what.replace("|", "\\|")


def _load(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["case"]: row for row in map(json.loads, handle)}


def main(before_path: str, after_path: str) -> None:
    before, after = _load(before_path), _load(after_path)
    print("| case | before (main 0e8a75e) | after (this branch) |")
    print("|---|---|---|")
    for case in after:
        print(f"| {case} | {outcome(before.get(case))} | {outcome(after[case])} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
