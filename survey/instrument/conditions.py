"""Declarative conditions: skip logic, quality rules and weighting scopes.

A condition is a mapping read from YAML, never code:

- ``{question: age, op: lt, value: 18}``
- ``{all: [cond, cond, ...]}`` or ``{any: [cond, ...]}`` or ``{not: cond}``

``question`` names a column of the data (a question id, a multi-select option
column ``<id>_<code>`` or a derived variable).  A missing value never satisfies a
comparison; ``answered`` and ``blank`` test for it.  The form of a condition is
checked when its file loads (:class:`survey.instrument.schema.Condition`).
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
NO_VALUE = {"answered", "blank"}
LIST_VALUE = {"in", "not_in"}


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
    if cond["op"] not in NO_VALUE:
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
