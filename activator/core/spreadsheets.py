"""Exported cells that a spreadsheet would run as formulas are turned into plain text."""

from typing import Any

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guarded_text(value: Any) -> str:
    """The value as text, with a leading quote when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
