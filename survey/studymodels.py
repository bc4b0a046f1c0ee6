"""The models of a :class:`~survey.study.Study`: rates by background, odds ratios, reliability.

:class:`Models` holds the methods of the entry object that fit or compare across the
banner: every indicator's rate in every banner category (:mod:`survey.stats.models`),
logistic regressions of the published figures' indicators on the banner variables
(:mod:`survey.stats.logistic`), and Cronbach's alpha of the item scales.
:class:`~survey.study.Study` inherits them; they are used through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from survey.clean import recode
from survey.errors import DataError
from survey.stats import logistic, models, tables

if TYPE_CHECKING:
    from survey.instrument import Instrument
    from survey.instrument.plan import Plan


class Models:
    """The modelling methods of :class:`~survey.study.Study` (see the module docstring)."""

    if TYPE_CHECKING:  # the Study's own fields, which these methods read
        plan: Plan
        instrument: Instrument
        data: pd.DataFrame
        cache: dict[Any, Any]

        @property
        def weights(self) -> pd.Series | None: ...

        @property
        def indicators(self) -> list[str]: ...

    def agreement_by(self, lang: str = "en") -> pd.DataFrame:
        """Every indicator's rate in every banner category (see :func:`survey.stats.models.agreement_by`)."""
        banner = {b.id: b for b in tables.banners(self.data, self.instrument, self.plan, lang)}
        if not banner or not self.indicators:
            return pd.DataFrame(
                columns=[
                    *models.AGREEMENT_COLUMNS[:3],
                    "category_label",
                    *models.AGREEMENT_COLUMNS[3:],
                ]
            )
        items = self.data[self.indicators].astype("Float64").astype(float)
        columns = pd.DataFrame({k: b.codes for k, b in banner.items()})
        frame = models.agreement_by(items, columns)
        if self.weights is not None:  # the weighted design holds the weighted population only
            inside = self.weights.notna()
            weighted = models.agreement_by(items[inside], columns[inside], self.weights[inside])
            keys = ["item", "banner", "category"]
            frame = frame.merge(weighted[keys + models.WEIGHTED_COLUMNS], on=keys, how="left")
        frame.insert(
            3,
            "category_label",
            [
                banner[b].labels.get(int(c), str(c)) if pd.notna(c) else ""
                for b, c in zip(frame["banner"], frame["category"])
            ],
        )
        return frame

    def odds_ratios(self) -> pd.DataFrame:
        """Logistic regression of each published figure's indicator on the banner variables together.

        ``separation`` is True for a term whose estimate is infinite (a category
        where everyone agrees, found before fitting): it is NaN, ``note`` says why.
        """
        items = [f.indicator for f in self.plan.figures if f.statistic == "pct"] or self.indicators
        if not items or not self.plan.banner:  # no indicator, or nothing to regress it on
            return pd.DataFrame(columns=["item", "weighted", *logistic.ODDS_COLUMNS])
        X = pd.DataFrame(
            {
                b: self.data[b]
                .astype("Float64")
                .where(~self.data[b].isin(self.instrument.codes_nonsubstantive(b)))
                .astype(float)
                for b in self.plan.banner
            }
        )
        parts, keys = [], []
        for item in dict.fromkeys(items):
            y = self.data[item].astype("Float64").astype(float)
            for w in [None] if self.weights is None else [None, self.weights]:
                weighted = w is not None
                keep = w.notna() if w is not None else pd.Series(True, index=y.index)
                try:
                    fit = logistic.odds_ratios(y[keep], X[keep], w[keep] if w is not None else None)
                except DataError as error:  # too few respondents (no variation): NA with the reason
                    fit = pd.DataFrame(
                        [
                            {
                                "n": int((y[keep].notna() & X[keep].notna().all(axis=1)).sum()),
                                "separation": False,
                                "note": f"not estimable: {error}",
                            }
                        ],
                        columns=logistic.ODDS_COLUMNS,
                    )
                parts.append(fit)
                keys.append((item, weighted))
        out = pd.concat(parts, ignore_index=True)
        sizes = [len(part) for part in parts]
        out.insert(0, "weighted", np.repeat([weighted for _, weighted in keys], sizes))
        out.insert(0, "item", np.repeat(np.array([item for item, _ in keys], dtype=object), sizes))
        return out

    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha of each item scale the instrument declares (substantive codes only).

        Items marked ``reverse: true`` in the instrument are reversed first (min + max - code).
        """
        rows = []
        for scale in self.instrument.item_scales:
            reverse = [q for q in scale["items"] if self.instrument.question(q).reverse]
            items = recode.scored_items(self.data, self.instrument, scale["items"], reverse)
            rows.append({"scale": scale["id"], **models.reliability(items)})
        return pd.DataFrame(rows)
