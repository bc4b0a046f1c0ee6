"""The open text of a :class:`~survey.study.Study`: redaction, the respondent file, open-ended accounts.

:class:`OpenText` holds the methods of the entry object that read free text: the
respondent file safe to share (personal columns dropped, personal data in text
replaced: :mod:`survey.text.redact`), the repeat groups' tables, and the open-ended
accounts coded with the plan's coding frame (:mod:`survey.text.openended`).
:class:`~survey.study.Study` inherits them; they are used through it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from survey.errors import InstrumentError
from survey.stats import crosstabs, tables

if TYPE_CHECKING:
    from survey.instrument import Instrument
    from survey.instrument.plan import Plan


class OpenText:
    """The free-text methods of :class:`~survey.study.Study` (see the module docstring)."""

    if TYPE_CHECKING:  # the Study's own fields, which these methods read
        plan: Plan
        instrument: Instrument
        data: pd.DataFrame
        cache: dict[Any, Any]
        repeats: dict[str, pd.DataFrame]

        @property
        def weights(self) -> pd.Series | None: ...

    def respondents(self, *, include_personal: bool = False, redact: bool = True) -> pd.DataFrame:
        """The clean, recoded respondent file, safe to share by default.

        Personal-data columns of the instrument are dropped and personal data in
        free text (e-mails, phone numbers, ...) is replaced by typed placeholders
        (:func:`survey.text.redact.redact`), unless the analyst asks otherwise.
        """
        drop = [] if include_personal else list(self.instrument.personal_columns)
        out = self.data.drop(columns=drop)
        if redact:  # the text columns kept: a personal one dropped above stays dropped
            out = out.assign(
                **{c: self.redacted(c)[0] for c in self._open_text if c in out.columns}
            )
        if self.weights is not None:
            out = out.assign(weight=self.weights)
        return out

    @property
    def text_columns(self) -> list[str]:
        """Free-text questions (open-ended accounts, "other, please specify")."""
        return [c for q in self.instrument.questions if q.type == "text" for c in q.columns]

    @property
    def _open_text(self) -> list[str]:
        """Free-text questions that are redacted (personal ones are dropped or kept whole instead)."""
        return [c for c in self.text_columns if c not in self.instrument.personal_columns]

    @property
    def redaction_policy(self) -> Any:
        """What redaction looks for: the instrument's countries and languages."""
        from survey.text.redact import Policy

        return Policy.for_instrument(self.instrument)

    def repeat_tables(
        self, *, include_personal: bool = False, redact: bool = True
    ) -> dict[str, pd.DataFrame]:
        """Each repeat group's table (valid respondents' rows), safe to share as :meth:`respondents`."""
        from survey.text.redact import redact as redact_text

        out = {}
        for rid, table in self.repeats.items():
            questions = [q for q in self.instrument.repeat_questions if q.repeat == rid]
            drop = [] if include_personal else [q.id for q in questions if q.personal]
            table = table.drop(columns=drop)
            if redact:
                table = table.assign(
                    **{
                        q.id: redact_text(table[q.id], self.redaction_policy)[0]
                        for q in questions
                        if q.type == "text" and q.id in table.columns and not q.personal
                    }
                )
            out[rid] = table
        return out

    def redacted(self, column: str) -> tuple[pd.Series, dict[str, int]]:
        """A free-text column with personal data replaced, and the count per type (cached).

        The answers to the instrument's personal-data text questions (a name ...) are
        replaced too wherever they recur.
        """
        from survey.text.redact import redact

        key = ("redacted", column)
        if key not in self.cache:
            personal = [
                c
                for q in self.instrument.questions
                if q.personal and q.type == "text"
                for c in q.columns
                if c in self.data.columns
            ]
            self.cache[key] = redact(
                self.data[column],
                self.redaction_policy,
                personal=self.data[personal] if personal else None,
            )
        return self.cache[key]

    def redactions(self) -> dict[str, int]:
        """Personal data replaced in all free-text columns, by type (see :data:`survey.text.redact.TYPES`)."""
        from survey.text.redact import TYPES

        counts = [self.redacted(c)[1] for c in self._open_text]
        return {kind: sum(c[kind] for c in counts) for kind in TYPES}

    # ------------------------------------------------------------------ open-ended accounts

    @property
    def coding_frame(self) -> Any:
        """The plan's coding frame of the open-ended question (loaded and checked with the plan), or None."""
        return None if self.open_question is None else self.plan.coding_frame

    @property
    def open_question(self) -> str | None:
        """Id of the instrument's open-ended question (the accounts)."""
        return next((q.id for q in self.instrument.questions if q.open_ended), None)

    def _accounts_question(self) -> str:
        """:attr:`open_question`, which the accounts' methods need."""
        if self.open_question is None:
            raise InstrumentError(
                f"{self.instrument.path or 'the instrument'}: no question is open_ended: true "
                "(the accounts a coding frame codes)"
            )
        return self.open_question

    def theme_codes(self) -> pd.DataFrame:
        """0/1 theme columns per respondent (NaN without an account), coded on redacted text."""
        from survey.text.openended import code_accounts

        if "theme_codes" not in self.cache:
            self.cache["theme_codes"] = code_accounts(
                self.redacted(self._accounts_question())[0], self.coding_frame
            )
        return self.cache["theme_codes"]

    def accounts(self, lang: str = "en", *, redact: bool = True) -> pd.DataFrame:
        """One row per account for review: id, language, background, text, themes, empty coder columns."""
        from survey.text.language import detect_language
        from survey.text.openended import joined_names

        q = self._accounts_question()
        text = self.redacted(q)[0] if redact else self.data[q]
        has = text.notna() & (text.astype(str).str.strip() != "")
        codes = self.theme_codes()[has]
        ident = self.instrument.by_role("id")
        background = {
            b: self.data.loc[has, b].map(
                {c.code: c.text(lang) for c in self.instrument.codes_of(b)}
            )
            for b in self.plan.banner
        }
        out = pd.DataFrame(
            {
                "respondent_id": self.data.loc[has, ident.id] if ident else self.data.index[has],
                "language": detect_language(text[has], self.instrument.languages),
                **background,
                "text": text[has],
                "themes": joined_names(codes.to_numpy() == 1, list(codes.columns)),
                **{f"human_{t}": pd.NA for t in self.coding_frame.ids},
            }
        )
        return out.reset_index(drop=True)

    def themes(self, lang: str = "en") -> pd.DataFrame:
        """Theme frequencies: % of accounts and % of respondents asked."""
        from survey.text.openended import theme_frequencies

        n_asked = len(self.data)
        return theme_frequencies(self.theme_codes(), n_asked, self.coding_frame, lang=lang)

    def themes_by_banner(self, lang: str = "en") -> pd.DataFrame:
        """Themes by every banner variable, as a multiple-response table of the accounts."""
        codes = self.theme_codes()
        labels = {t: self.coding_frame.label(t, lang) for t in codes.columns}
        w = None if self.weights is None else self.weights.fillna(0.0)
        parts = []
        for b in tables.banners(self.data, self.instrument, self.plan, lang):
            t = crosstabs.multi_response(
                codes,
                b.codes,
                w,
                option_labels=labels,
                col_labels=cast("Mapping[Hashable, str]", b.labels),  # Mapping keys are invariant
                correction=self.plan.correction,
                alpha=self.plan.alpha,
            )
            parts.append(t.assign(question="themes", banner=b.id))
        return pd.concat(parts, ignore_index=True).reindex(columns=tables.TABLE_COLUMNS)

    def coder_agreement(self, path: str | Path) -> pd.DataFrame:
        """Agreement of the automatic themes with a human coder's file (Cohen's kappa per theme)."""
        from survey.read.canonical import read_table
        from survey.text.openended import coder_agreement

        human = read_table(Path(path))
        ident = self.instrument.by_role("id")
        if ident is None:
            raise InstrumentError(
                f"{self.instrument.path or 'the instrument'}: the coder's file is matched on "
                "respondent_id, but no question has role: id"
            )
        auto = self.theme_codes().assign(respondent_id=self.data[ident.id].astype(str))
        human_cols = [c for c in human.columns if c.startswith("human_")]
        numeric = human[human_cols].apply(
            lambda s: pd.to_numeric(s.str.strip().replace("", None), errors="coerce")
        )
        return coder_agreement(
            auto, numeric.assign(respondent_id=human["respondent_id"].astype(str))
        )
