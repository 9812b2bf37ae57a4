"""Reading the unit cells of a plan table: which units a cell names, and whether it names
every hamlet.

The appendix of a plan spells one unit several ways ("VP UBND xã" = "Văn phòng UBND xã"),
puts two units in one cell ("- Kế toán ngân sách xã - Công chức Địa chính xã"), says
"09 ấp" for every hamlet and "Các đơn vị liên quan" for no one in particular. Splitting on
punctuation cannot work ("Lao động, Thương binh và Xã hội" is one unit with a comma), so a
cell is read by matching known phrases, longest first, on folded words.
"""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.textfold import fold, fold_tokens

# Words that join phrases in a cell and name nothing themselves.
_CONNECTORS = frozenset({"va", "cung", "voi"})

_HAMLETS = "\x00hamlets"
_NO_ONE = "\x00no-one"


@dataclass(frozen=True)
class CellUnits:
    """What one cell of a plan table names.

    Attributes:
        units: canonical unit names, in the order the cell gives them, without repeats.
        hamlets: whether the cell names every hamlet ("09 ấp").
        unknown: phrases that matched no known unit (each should be reported to a person).
    """

    units: tuple[str, ...] = ()
    hamlets: bool = False
    unknown: tuple[str, ...] = ()


@dataclass
class UnitCatalogue:
    """The known spellings of a commune's units, and the phrases for "every hamlet" and
    "no one in particular".
    """

    _phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
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
            self._add_phrase(phrase, _HAMLETS)

    def add_no_one_phrases(self, phrases: Iterable[str]) -> None:
        """Register phrases that name no unit in particular."""
        for phrase in phrases:
            self._add_phrase(phrase, _NO_ONE)

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
        """Read a lead or coordinating cell of a plan table.

        Args:
            cell: the cell's text as the plan spells it.

        Returns:
            The units it names, whether it names every hamlet, and any phrase left unknown.
        """
        tokens = fold_tokens(cell)
        units: list[str] = []
        unknown: list[str] = []
        pending: list[str] = []
        hamlets = False
        i = 0
        while i < len(tokens):
            target, length = self._match_at(tokens, i)
            if target is None:
                if tokens[i] not in _CONNECTORS or pending:
                    pending.append(tokens[i])
                i += 1
                continue
            if pending:
                unknown.append(_strip_connectors(pending))
                pending = []
            if target == _HAMLETS:
                hamlets = True
            elif target != _NO_ONE and target not in units:
                units.append(target)
            i += length
        if pending:
            unknown.append(_strip_connectors(pending))
        return CellUnits(tuple(units), hamlets, tuple(u for u in unknown if u))

    def _match_at(self, tokens: tuple[str, ...], start: int) -> tuple[str | None, int]:
        for length in range(min(self._longest, len(tokens) - start), 0, -1):
            target = self._phrases.get(tokens[start : start + length])
            if target is not None:
                return target, length
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


def _closeness(typed: tuple[str, ...], known: tuple[str, ...]) -> float | None:
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


def _strip_connectors(words: list[str]) -> str:
    while words and words[-1] in _CONNECTORS:
        words = words[:-1]
    return " ".join(words)
