"""How a unit cell of a plan table is cut into names, and what kind a new name is (the
reading behind :meth:`models.units.UnitCatalogue.parse_cell`).

The appendix of a plan spells one unit several ways ("VP UBND xã" = "Văn phòng UBND xã"),
puts two units in one cell ("- Kế toán ngân sách xã - Công chức Địa chính xã"), says
"09 ấp" for every hamlet and "Các đơn vị liên quan" for no one in particular. A cell is read
in three steps:

1. It is cut on the separators that never occur inside a name (";", "+", line breaks,
   bullets), then known names and "every hamlet" phrases are matched, longest first, on
   folded words. A known name wins: a comma, a dash or "và" inside it does not cut it
   ("Lao động, Thương binh và Xã hội").
2. The rest is cut on the soft separators ",", "và" and " - ", but only where a new name
   plainly starts (see :func:`_cuts_at`). Official names are full of them
   ("Phòng Tài chính - Kế hoạch", "Phòng Văn hóa và Thông tin", "Sở Văn hóa, Thể thao và
   Du lịch", "UBND các xã, thị trấn"), so a soft separator cuts only when the words after it
   begin a unit's name ("Phòng", "Sở", "Ban", "UBND", "Hội", "Trạm", "các" …), when they or
   the words before it are a known name, or, for a comma, when the words before it are a
   whole name already (a bare word like "Tư pháp", or a name ending in its level, "xã").
3. Each piece left is known names, or one unknown name. Unknown words next to a known name
   are one name with it unless the known name starts a unit's name itself: "Phòng Nội vụ"
   is a new unit, not "Phòng" and the known "Nội vụ"; "Trạm Y tế xã Phòng Nội vụ" (two
   lines run together) is the known "Trạm Y tế xã" and the new "Phòng Nội vụ".

Group names ("các ấp", "09 ấp", "các thôn", "Trưởng ấp", "Ban nhân dân các ấp") mean every
hamlet; "Các đơn vị liên quan", "Các phòng chuyên môn …" and "… có liên quan" name no one.
A hamlet named ("Ấp Bình Phú", "Thôn Đông", "Tổ dân phố số 3") is a unit of the task like
any other, of kind hamlet (:func:`guess_kind`).

"UBND các xã, thị trấn" in a district's plan is not every hamlet: it names the communes
under the district, a level above the hamlets. In a commune it is proposed as one unit of
that name, so its tasks keep an owner the office can see; if it means the commune's own
People's Committee, the office merges it into that unit (/donvi gop, ``hamlet-bot unit
merge``), which also teaches the name for the next import.
"""

import difflib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from models.textfold import fold

# Words that join phrases in a cell and name nothing themselves.
_CONNECTORS = frozenset({"va", "cung", "voi"})

# What a phrase names when it is every hamlet, or no one (never a unit's name).
HAMLETS = "\x00hamlets"
NO_ONE = "\x00no-one"

# What the kinds of unit are called in the data (models.tables.UnitKind's values; this
# module is pure and does not import the tables).
UNIT = "unit"
HAMLET = "hamlet"

Words = tuple[str, ...]

# The first words of a unit's name: a soft separator before them starts a new name.
_UNIT_STARTS: frozenset[Words] = frozenset(
    tuple(words.split())
    for words in (
        "phong", "so", "ban", "ubnd", "uy ban", "hoi", "doan", "cong an", "tram", "truong",
        "cong chuc", "can bo", "chi cuc", "trung tam", "cac", "van phong", "bo phan", "hdnd",
        "mttq", "mat tran", "thanh tra", "kho bac", "chi nhanh", "toa an", "vien kiem sat",
        "cuc", "dang uy", "chi bo", "quan su", "dien luc", "buu dien", "ngan hang",
        "benh vien", "hop tac xa", "lien doan", "doi", "tat ca", "lanh dao", "chu tich",
        "pho chu tich", "ap", "thon", "khu pho", "to dan pho", "khom", "buon", "soc", "phum",
    )
)  # fmt: skip
_LONGEST_START = max(len(words) for words in _UNIT_STARTS)
# The level a name ends with ("Công an xã"): a comma after it ends the name, unless another
# level follows ("UBND các xã, thị trấn").
_LEVELS: frozenset[Words] = frozenset(
    tuple(words.split())
    for words in ("xa", "phuong", "thi tran", "huyen", "quan", "thi xa", "thanh pho", "tinh")
)
# Fixed phrases a soft separator never cuts, though the words after it start a name.
_KEEP_WHOLE: tuple[Words, ...] = tuple(
    tuple(fold(words).split())
    for words in (
        "HĐND và UBND", "Hội đồng nhân dân và Ủy ban nhân dân", "sở, ban, ngành",
        "sở, ban ngành", "phòng, ban", "ban, ngành", "ban, ban", "Đảng ủy, HĐND, UBND",
    )
)  # fmt: skip
# "Every hamlet": [who of them] [how many] <hamlet word>, e.g. "Trưởng các ấp", "09 ấp".
_HAMLET_WORDS: tuple[Words, ...] = tuple(
    tuple(words.split())
    for words in ("ap", "thon", "to dan pho", "khu pho", "khom", "buon", "soc", "phum")
)
_HAMLET_PEOPLE: tuple[Words, ...] = tuple(
    tuple(words.split())
    for words in ("truong", "to truong", "ban nhan dan", "bnd", "ban dieu hanh", "chi bo")
)
_ALL = (("tat", "ca", "cac"), ("cac",))
# How a hamlet is named in a cell, diacritics kept ("bản" is a hamlet, "Ban" a board).
_HAMLET_NAMES = ("tổ dân phố", "khu phố", "ấp", "thôn", "khóm", "buôn", "bản", "sóc", "phum")
_HAMLET_NAMES_BARE = ("to dan pho", "khu pho", "ap", "thon", "khom", "buon", "soc", "phum")
_HAMLET_PEOPLE_SPELT = ("trưởng ban nhân dân", "ban nhân dân", "ban điều hành", "tổ trưởng",
                        "trưởng", "bnd", "chi bộ")  # fmt: skip
# "Các đơn vị liên quan": a piece starting so, or ending in "liên quan", names no one.
_NO_ONE_STARTS: tuple[Words, ...] = tuple(
    ("cac", *words.split())
    for words in (
        "don vi", "co quan", "so", "ban nganh", "phong ban", "phong", "nganh", "to chuc",
        "doan the", "ca nhan", "hoi doan the",
    )
)  # fmt: skip

# How alike the words that differ must be, letter by letter, for a slip ("yte" / "y te").
_MISSPELT = 0.5

_TOKEN = re.compile(r"\w+|[;+•●▪\n]|[,\-–—]", re.UNICODE)
_HARD = frozenset(";+•●▪\n")
_DASHES = frozenset("-–—")


@dataclass(frozen=True)
class Word:
    """A word of a cell: folded, and where the cell has it."""

    folded: str
    start: int
    end: int


@dataclass(frozen=True)
class Piece:
    """A known phrase (``target`` set) or one word of no known phrase, or a soft separator
    (``mark``), in the order of the cell.
    """

    words: tuple[Word, ...] = ()
    target: str | None = None
    mark: str = ""


# Matches known phrases at a word: (folded words, start, ends) -> (target, length).
Match = Callable[[tuple[str, ...], int, set[int]], tuple[str | None, int]]


def read_chunk(chunk: list[Word | str], match: Match) -> list[tuple[str | None, list[Word]]]:
    """The known names (target, words) and unknown names (None, words) of a chunk, known
    phrases found by ``match``.
    """
    found: list[tuple[str | None, list[Word]]] = []
    for group in _split_soft(_pieces(chunk, match)):
        found.extend(_read_group(group))
    return found


def _pieces(chunk: list[Word | str], match: Match) -> list[Piece]:
    words = [token for token in chunk if isinstance(token, Word)]
    folded = tuple(word.folded for word in words)
    # Word index -> whether a mark or the chunk's end follows it.
    ends = set()
    index = -1
    for token in chunk:
        if isinstance(token, Word):
            index += 1
        elif index >= 0:
            ends.add(index)
    ends.add(len(words) - 1)
    marks_after: dict[int, str] = {}
    index = -1
    for token in chunk:
        if isinstance(token, Word):
            index += 1
        elif index >= 0 and index not in marks_after:
            marks_after[index] = token
    pieces: list[Piece] = []
    i = 0
    while i < len(words):
        target, length = match(folded, i, ends)
        if target is None:
            if folded[i] == "va" and 0 < i < len(words) - 1:
                pieces.append(Piece(mark="va", words=(words[i],)))
            else:
                pieces.append(Piece(words=(words[i],)))
            length = 1
        else:
            pieces.append(Piece(words=tuple(words[i : i + length]), target=target))
        i += length
        if i - 1 in marks_after and i < len(words):
            pieces.append(Piece(mark=marks_after[i - 1]))
    return _keep_whole(pieces)


def guess_kind(name: str) -> tuple[str, str]:
    """Whether a name no one knows is a hamlet or a unit, and the name to give it.

    A hamlet is a hamlet word and a name or number ("Thôn Đông", "Ấp 3", "Tổ dân phố 5",
    "bản Na Hang"), also when its head or board is named ("Trưởng ấp Mỹ Phú" is "Ấp Mỹ
    Phú"). "bản" is a hamlet only with its diacritics: "Ban" is a board.

    Returns:
        ``(kind, name)``: :data:`HAMLET` or :data:`UNIT`, and the name with a capital.
    """
    name = " ".join(unicodedata.normalize("NFC", name).split()).strip(" -–—,.;:+")
    lower = name.lower()
    for people in _HAMLET_PEOPLE_SPELT:
        if lower.startswith(people + " "):
            rest = name[len(people) + 1 :]
            if _starts_as_hamlet(rest):
                name, lower = rest, rest.lower()
            break
    if _starts_as_hamlet(name):
        return HAMLET, _capital(name)
    return UNIT, _capital(name)


def may_be_slip(typed: str, known: str) -> bool:
    """Whether a folded name, alike letter by letter to a known one, may be a slip of it
    rather than another body: not when their levels differ ("… Việt Nam tỉnh" is not
    "… Việt Nam xã"), nor when one is the other with whole words more ("Sở Tài nguyên và
    Môi trường" is not "Tài nguyên và Môi trường"), nor when the words that differ are
    other words, not misspelt ones ("Địa chính - Xây dựng" is not "Địa chính xã").
    """
    one, other = typed.split(), known.split()
    levels = _level_of(one), _level_of(other)
    if all(levels) and levels[0] != levels[1]:
        return False
    while one and other and one[0] == other[0]:
        one, other = one[1:], other[1:]
    while one and other and one[-1] == other[-1]:
        one, other = one[:-1], other[:-1]
    if not one or not other:
        return False
    return difflib.SequenceMatcher(None, " ".join(one), " ".join(other)).ratio() >= _MISSPELT


def _level_of(words: Sequence[str]) -> Words:
    for n in (2, 1):
        if len(words) >= n and tuple(words[-n:]) in _LEVELS:
            return tuple(words[-n:])
    return ()


def _starts_as_hamlet(name: str) -> bool:
    lower = name.lower()
    spelt = any(lower.startswith(word + " ") for word in _HAMLET_NAMES)
    bare = any(fold(name).startswith(word + " ") for word in _HAMLET_NAMES_BARE)
    # Without diacritics "Ban …" is a board, so "bản" counts only as spelt.
    return spelt or (bare and not lower.startswith("ban "))


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def chunks(text: str) -> list[list[Word | str]]:
    """The cell cut on the hard separators: each chunk its words and soft marks."""
    chunks: list[list[Word | str]] = [[]]
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in _HARD:
            chunks.append([])
        elif token == ",":
            chunks[-1].append(",")
        elif token in _DASHES:
            chunks[-1].append("-")
        else:
            for part in fold(token).split():
                chunks[-1].append(Word(part, match.start(), match.end()))
    return [chunk for chunk in chunks if any(isinstance(t, Word) for t in chunk)]


def _keep_whole(pieces: list[Piece]) -> list[Piece]:
    """Turn the soft separators inside a fixed phrase ("HĐND và UBND") into plain words."""
    kept = list(pieces)
    flat = [(n, w.folded) for n, p in enumerate(kept) if p.target is None for w in p.words]
    folded = tuple(word for _n, word in flat)
    for phrase in _KEEP_WHOLE:
        phrase_words = tuple(w for w in phrase)
        for start in range(len(folded) - len(phrase_words) + 1):
            if folded[start : start + len(phrase_words)] != phrase_words:
                continue
            first, last = flat[start][0], flat[start + len(phrase_words) - 1][0]
            for n in range(first, last + 1):
                piece = kept[n]
                if piece.mark:
                    kept[n] = Piece(words=piece.words) if piece.words else Piece(mark=" ")
    return [p for p in kept if p.mark != " "]


def _starts_name(words: Sequence[str]) -> bool:
    return any(tuple(words[:n]) in _UNIT_STARTS for n in range(1, _LONGEST_START + 1))


def _level_at_end(words: Sequence[str]) -> bool:
    return any(tuple(words[-n:]) in _LEVELS for n in (1, 2) if len(words) >= n)


def _level_at_start(words: Sequence[str]) -> bool:
    return any(tuple(words[:n]) in _LEVELS for n in (1, 2))


def hamlet_group(tokens: Words, start: int, ends: set[int]) -> int:
    """The length of an "every hamlet" phrase at ``start``, or 0: [who] [how many] <hamlet
    word>; without "các" or a number, only at the end of a name ("Trưởng ấp", not
    "Trưởng ấp Mỹ Phú").
    """
    best = 0
    for people in ((), *_HAMLET_PEOPLE):
        at = start + len(people)
        if tokens[start:at] != people:
            continue
        counts: list[Words] = [(), *_ALL]
        if at < len(tokens) and tokens[at].isdigit():
            counts.append((tokens[at],))
        for count in counts:
            after = at + len(count)
            if tokens[at:after] != count:
                continue
            for word in _HAMLET_WORDS:
                end = after + len(word)
                if tokens[after:end] != word:
                    continue
                at_end = end - 1 in ends or (end < len(tokens) and tokens[end] == "va")
                if not count and (not people or not at_end):
                    continue
                best = max(best, end - start)
    return best


def _split_soft(pieces: list[Piece]) -> list[list[Piece]]:
    """Cut a chunk's pieces at the soft separators that start a new name."""
    groups: list[list[Piece]] = [[]]
    for n, piece in enumerate(pieces):
        if not piece.mark:
            groups[-1].append(piece)
            continue
        after = [p for p in pieces[n + 1 :]]
        if _cuts_at(piece.mark, groups[-1], after):
            groups.append([])
        elif piece.words:
            groups[-1].append(Piece(words=piece.words))  # "và" inside a name
    return [group for group in groups if group]


def _cuts_at(mark: str, before: list[Piece], after: list[Piece]) -> bool:
    """Whether a soft separator (",", "-", "va") between ``before`` (back to the last cut)
    and ``after`` starts a new name.
    """
    if not before or not after:
        return True
    right = _words_until_mark(after)
    if after[0].target in (HAMLETS, NO_ONE) or _starts_name(right):
        return True
    left = [w.folded for p in before for w in p.words]
    # "Công an xã, Quân sự xã": a name ended by its level ("UBND các xã, thị trấn" goes on).
    ended = _level_at_end(left) and not _level_at_start(right)
    if after[0].target is not None:
        # A known name follows: a name of its own, unless a name that began with a unit's
        # word goes on with it ("Công chức Tài chính - Kế toán").
        known = all(p.target is not None for p in before)
        return known or ended or not _starts_name(left)
    if mark != ",":
        return ended  # "Phòng Văn hóa và Thông tin", "Phòng Tài chính - Kế hoạch"
    if not _starts_name(left) or _is_only_start(left):
        return True  # bare names: "Tư pháp, Văn hóa"; a name of its own: "Công an, …"
    # "Sở Văn hóa, Thể thao và Du lịch", "Trung tâm Văn hóa, Thể thao…" go on.
    return ended


def _words_until_mark(pieces: list[Piece]) -> list[str]:
    words: list[str] = []
    for piece in pieces:
        if piece.mark:
            break
        words.extend(w.folded for w in piece.words)
    return words


def _is_only_start(words: list[str]) -> bool:
    return tuple(words) in _UNIT_STARTS


def _read_group(group: list[Piece]) -> list[tuple[str | None, list[Word]]]:
    """A piece between cuts: its known names, and unknown words (with the known names they
    run into) as one name each.
    """
    runs: list[tuple[str | None, list[Word]]] = []
    for piece in group:
        if piece.target is not None:
            runs.append((piece.target, list(piece.words)))
        elif runs and runs[-1][0] is None:
            runs[-1][1].extend(piece.words)
        else:
            runs.append((None, list(piece.words)))
    # A known name joins the unknown words before or after it, unless it starts a name
    # itself (or the unknown words after it do).
    merged: list[tuple[str | None, list[Word]]] = []
    for target, words in runs:
        if merged:
            last_target, last_words = merged[-1]
            own = target is None or _starts_own_name(target, words, last_words)
            if last_target is None and not own:
                merged[-1] = (None, last_words + words)
                continue
            if last_target is not None and target is None and _joins_after(last_target, words):
                merged[-1] = (None, last_words + words)
                continue
            if last_target is None and target is None:
                merged[-1] = (None, last_words + words)
                continue
        merged.append((target, words))
    found: list[tuple[str | None, list[Word]]] = []
    for target, words in merged:
        if target is not None:
            found.append((target, words))
            continue
        words = _strip_connectors(words)
        folded = [w.folded for w in words]
        if not words:
            continue
        if _names_no_one(folded):
            found.append((NO_ONE, words))
        elif _bare_hamlets(folded):
            found.append((HAMLETS, words))
        else:
            found.append((None, words))
    return found


def _starts_own_name(target: str, words: list[Word], before: list[Word]) -> bool:
    """Whether a known name right after unknown words (``before``) starts a name of its
    own: not after a unit's word alone ("Ủy ban" + "MTTQ Việt Nam huyện").
    """
    if target in (HAMLETS, NO_ONE):
        return True
    return _starts_name([w.folded for w in words]) and not _is_only_start(
        [w.folded for w in before]
    )


def _joins_after(target: str, words: list[Word]) -> bool:
    """Whether unknown words right after a known name are part of one name with it."""
    if target in (HAMLETS, NO_ONE):
        return False
    return not _starts_name([w.folded for w in words])


def _names_no_one(words: list[str]) -> bool:
    starts = any(tuple(words[: len(s)]) == s for s in _NO_ONE_STARTS)
    return starts or tuple(words[-2:]) == ("lien", "quan")


def _bare_hamlets(words: list[str]) -> bool:
    """Whether a piece is every hamlet said without a number: "Ấp", "các thôn"."""
    rest = tuple(words)
    for people in _HAMLET_PEOPLE:
        if rest[: len(people)] == people:
            rest = rest[len(people) :]
            break
    for count in _ALL:
        if rest[: len(count)] == count:
            rest = rest[len(count) :]
            break
    return rest in _HAMLET_WORDS


def _strip_connectors(words: list[Word]) -> list[Word]:
    while words and words[0].folded in _CONNECTORS:
        words = words[1:]
    while words and words[-1].folded in _CONNECTORS:
        words = words[:-1]
    return words
