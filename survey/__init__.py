"""Instrument-driven survey analysis."""

__version__ = "0.1.0"
