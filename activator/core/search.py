"""Text normalisation for search: case- and accent-insensitive, the same on every database."""

import unicodedata


def normalize(text: str) -> str:
    """Lower-case text without accents: 'Beyoglu' finds 'Beyoğlu', 'sao paulo' finds 'São Paulo'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(folded.casefold().split())
