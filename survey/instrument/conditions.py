"""Declarative conditions: skip logic, quality rules and weighting scopes.

A condition is a mapping read from YAML, never code:

- ``{question: age, op: lt, value: 18}``
- ``{all: [cond, cond, ...]}`` or ``{any: [cond, ...]}`` or ``{not: cond}``

``question`` names a column of the data (a question id, a multi-select option
column ``<id>_<code>`` or a derived variable).  A missing value never satisfies a
comparison; ``answered`` and ``blank`` test for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

_Compare = Callable[[pd.Series, Any], pd.Series]

OPERATORS: dict[str, _Compare] = {
    "eq": lambda s, v: s == v,
    "ne": lambda s, v: s != v,
    "lt": lambda s, v: s < v,
    "le": lambda s, v: s <= v,
    "gt": lambda s, v: s > v,
    "ge": lambda s, v: s >= v,
    "in": lambda s, v: s.isin(list(v)),
    "not_in": lambda s, v: ~s.isin(list(v)),
    "answered": lambda s, v: s.notna(),
    "blank": lambda s, v: s.isna(),
}
_NO_VALUE = {"answered", "blank"}
_LIST_VALUE = {"in", "not_in"}


def problems(cond: Any, where: str, columns: set[str]) -> list[str]:
    """List what is wrong with a condition (empty when it is well formed).

    Parameters
    ----------
    cond : Any
        The condition as read from YAML.
    where : str
        Its path in the file, used in the messages (``quality[2].when``).
    columns : set of str
        The names the condition may refer to.
    """
    if not isinstance(cond, Mapping):
        return [f"{where}: a condition must be a mapping, got {type(cond).__name__}"]
    for key in ("all", "any"):
        if key in cond:
            parts = cond[key]
            if not isinstance(parts, list) or not parts:
                return [f"{where}.{key}: must be a non-empty list of conditions"]
            return [p for i, c in enumerate(parts) for p in problems(c, f"{where}.{key}[{i}]", columns)]
    if "not" in cond:
        return problems(cond["not"], f"{where}.not", columns)
    out = []
    unknown = set(cond) - {"question", "op", "value"}
    if unknown:
        out.append(f"{where}: unknown key(s) {sorted(unknown)}")
    name, op = cond.get("question"), cond.get("op")
    if name not in columns:
        out.append(f"{where}.question: unknown question '{name}'")
    if op not in OPERATORS:
        out.append(f"{where}.op: unknown operator '{op}' (valid: {', '.join(OPERATORS)})")
    elif op not in _NO_VALUE and "value" not in cond:
        out.append(f"{where}.value: operator '{op}' needs a value")
    elif op in _LIST_VALUE and not isinstance(cond.get("value"), list):
        out.append(f"{where}.value: operator '{op}' needs a list")
    return out


def evaluate(cond: Mapping[str, Any], data: pd.DataFrame) -> pd.Series:
    """Evaluate a well-formed condition on every row; missing values give False.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [15, 30, None]})
    >>> evaluate({"question": "age", "op": "lt", "value": 18}, df).tolist()
    [True, False, False]
    """
    if "all" in cond:
        out = pd.Series(True, index=data.index)
        for part in cond["all"]:
            out &= evaluate(part, data)
        return out
    if "any" in cond:
        out = pd.Series(False, index=data.index)
        for part in cond["any"]:
            out |= evaluate(part, data)
        return out
    if "not" in cond:
        return ~evaluate(cond["not"], data)
    column = data[cond["question"]]
    result = OPERATORS[cond["op"]](column, cond.get("value"))
    result = pd.Series(np.asarray(result.fillna(False), dtype=bool), index=data.index)
    if cond["op"] not in _NO_VALUE:
        result &= column.notna().to_numpy()
    return result


def referenced(cond: Mapping[str, Any]) -> set[str]:
    """Names of the columns a condition refers to."""
    for key in ("all", "any"):
        if key in cond:
            return set().union(*(referenced(c) for c in cond[key]))
    if "not" in cond:
        return referenced(cond["not"])
    return {cond["question"]}
