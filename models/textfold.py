"""Folding Vietnamese text so that what a person types matches what the data says.

People type with or without diacritics, in NFC or NFD, in any case, with stray punctuation:
``"bao cao"``, ``"Báo cáo"`` and ``"BÁO  CÁO!"`` must all mean the same thing.
"""

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics, as words separated by one space.

    ``đ`` becomes ``d`` (it is a letter of its own, not a combining mark). Anything that is
    neither a Latin letter nor a digit separates words.
    """
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d").replace("Đ", "D").casefold()
    return " ".join(_WORD.findall(bare))


def fold_tokens(text: str) -> tuple[str, ...]:
    """Return the folded words of ``text`` as a tuple (for phrase matching)."""
    return tuple(fold(text).split())
