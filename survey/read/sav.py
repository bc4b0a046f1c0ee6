"""Moved to :mod:`survey.formats.sav` (shared with instrument drafting); kept for old imports."""

from survey.formats.sav import SavMeta, _is_real, read_sav

__all__ = ["SavMeta", "_is_real", "read_sav"]
