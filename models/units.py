"""Reading the unit cells of a plan table: which units a cell names, which names it gives
that no one knows yet, and whether it names every hamlet. How a cell is cut into names is
:mod:`models.unit_names`; this module holds the known spellings they are matched against.
"""

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.textfold import fold, fold_tokens
from models.unit_names import (
    HAMLET,
    HAMLETS,
    NO_ONE,
    UNIT,
    Words,
    chunks,
    guess_kind,
    hamlet_group,
    may_be_slip,
    read_chunk,
)

__all__ = ["HAMLET", "UNIT", "CellUnits", "UnitCatalogue", "guess_kind", "may_be_slip"]


@dataclass(frozen=True)
class CellUnits:
    """What one cell of a plan table names.

    Attributes:
        units: canonical unit names, in the order the cell gives them, without repeats.
        hamlets: whether the cell names every hamlet ("09 ấp").
        unknown: names that matched no known unit, as folded words (each should be
            reported to a person, or proposed as a new unit).
        spelled: the same names as the cell spells them ("Phòng Nội vụ").
    """

    units: tuple[str, ...] = ()
    hamlets: bool = False
    unknown: tuple[str, ...] = ()
    spelled: tuple[str, ...] = ()


@dataclass
class UnitCatalogue:
    """The known spellings of a commune's units, and the phrases for "every hamlet" and
    "no one in particular".
    """

    _phrases: dict[Words, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _longest: int = 0

    def add_unit(self, name: str, aliases: Iterable[str] = ()) -> None:
        """Register a unit by its canonical name and its other spellings."""
        self._names[fold(name)] = name
        for spelling in (name, *aliases):
            self._add_phrase(spelling, name)

    def add_hamlet_phrases(self, phrases: Iterable[str]) -> None:
        """Register phrases that mean every hamlet of the commune."""
        for phrase in phrases:
            self._add_phrase(phrase, HAMLETS)

    def add_no_one_phrases(self, phrases: Iterable[str]) -> None:
        """Register phrases that name no unit in particular."""
        for phrase in phrases:
            self._add_phrase(phrase, NO_ONE)

    def knows(self, text: str) -> bool:
        """Whether ``text`` is a known spelling of a unit or of a phrase."""
        return fold_tokens(text) in self._phrases

    def target_of(self, text: str) -> str | None:
        """The unit a known spelling names (None for an unknown one, or a phrase for every
        hamlet or no one).
        """
        target = self._phrases.get(fold_tokens(text))
        return target if target in self._names.values() else None

    def add_spellings(self, name: str, spellings: Iterable[str]) -> None:
        """Register other spellings of the known unit ``name``."""
        for spelling in spellings:
            self._add_phrase(spelling, name)

    def copy(self) -> "UnitCatalogue":
        """A copy to learn more names on, leaving this one as it is."""
        return UnitCatalogue(dict(self._phrases), dict(self._names), self._longest)

    def _add_phrase(self, phrase: str, target: str) -> None:
        tokens = fold_tokens(phrase)
        if not tokens:
            return
        known = self._phrases.get(tokens)
        if known is not None and known != target:
            raise ValueError(f"the phrase {phrase!r} names both {known!r} and {target!r}")
        self._phrases[tokens] = target
        self._longest = max(self._longest, len(tokens))

    @property
    def unit_names(self) -> list[str]:
        """The canonical names of all known units."""
        return sorted(self._names.values())

    def parse_cell(self, cell: str) -> CellUnits:
        """Read a lead or coordinating cell of a plan table (see the module's docstring).

        Args:
            cell: the cell's text as the plan spells it.

        Returns:
            The units it names, whether it names every hamlet, and the names left unknown.
        """
        text = unicodedata.normalize("NFC", cell)
        units: list[str] = []
        unknown: list[str] = []
        spelled: list[str] = []
        hamlets = False
        for chunk in chunks(text):
            for target, words in read_chunk(chunk, self._match_at):
                if target == HAMLETS:
                    hamlets = True
                elif target is None:
                    folded = " ".join(w.folded for w in words)
                    if folded not in unknown:
                        unknown.append(folded)
                        spelled.append(text[words[0].start : words[-1].end])
                elif target != NO_ONE and target not in units:
                    units.append(target)
        return CellUnits(tuple(units), hamlets, tuple(unknown), tuple(spelled))

    def _match_at(self, tokens: Words, start: int, ends: set[int]) -> tuple[str | None, int]:
        group = hamlet_group(tokens, start, ends)
        for length in range(min(self._longest, len(tokens) - start), 0, -1):
            target = self._phrases.get(tokens[start : start + length])
            if target is not None and length >= group:
                return target, length
        if group:
            return HAMLETS, group
        return None, 0

    def nearest(self, text: str) -> str | None:
        """The known unit whose name is closest to ``text``, if any is close enough.

        Close means close both letter by letter and word by word: "Hội Nông dân" shares
        most letters with "Hội đồng nhân dân xã" but only two words, and a wrong guess
        misleads more than none.
        """
        typed = fold_tokens(text)
        best: tuple[float, str] | None = None
        for folded, name in self._names.items():
            score = _closeness(typed, fold_tokens(folded))
            if score is not None and (best is None or score > best[0]):
                best = (score, name)
        return best[1] if best else None


def _closeness(typed: Words, known: Words) -> float | None:
    """How close two folded names are (with or without the known name's trailing "xã"),
    or None if they are not close enough to suggest one for the other.
    """
    scores = []
    for candidate in {known, known[:-1] if len(known) > 1 and known[-1] == "xa" else known}:
        letters = difflib.SequenceMatcher(None, " ".join(typed), " ".join(candidate)).ratio()
        words = difflib.SequenceMatcher(None, typed, candidate).ratio()
        if letters >= 0.75 and words >= 0.6:
            scores.append(letters + words)
    return max(scores) if scores else None
