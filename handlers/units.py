"""The office's /donvi: the commune's units, and renaming, merging or naming one otherwise
after a plan import proposed them (see :mod:`models.unit_admin`).

``/donvi`` lists; ``/donvi doiten Tên cũ | Tên mới``, ``/donvi gop A | B`` (A into B) and
``/donvi tenkhac Tên | Tên khác`` change. Typed without the "/" and without diacritics too:
``don vi doi ten …``.
"""

import re

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only
from handlers.invites import unknown_unit_hint
from handlers.render import split_message
from handlers.turn import Turn
from models.audit import Actor
from models.errors import DomainError
from models.members import find_unit
from models.tables import Role, UnitKind
from models.textfold import fold
from models.unit_admin import add_alias, list_units, merge_units, rename_unit

# The action's words, folded: what follows them is "name | name".
_ACTIONS = {
    "doiten": "rename", "doi ten": "rename", "rename": "rename",
    "gop": "merge", "merge": "merge",
    "tenkhac": "alias", "ten khac": "alias", "alias": "alias",
}  # fmt: skip
# Typed as words, "đơn vị …" counts as the command only with nothing after it or an action.
TYPED_ARGS = r"^(\s*$|(?i:(d|đ)(o|ô|ổ)i\s*t(e|ê)n|g(o|ô|ộ)p|t(e|ê)n\s*kh(a|á)c)(\s|$))"
_SPLIT = re.compile(r"\s*[|;]\s*")
_INTO = re.compile(r"\s+(?:vào|vao)\s+", re.IGNORECASE)


@members_only({Role.OFFICE})
async def units_command(turn: Turn, visit: Visit) -> None:
    """/donvi [doiten|gop|tenkhac A | B]."""
    action, rest = _action(turn.args)
    if action is None:
        if turn.args:
            await turn.say(texts.UNITS_USAGE)
        else:
            await _list(turn, visit)
        return
    parts = [part for part in _SPLIT.split(rest.strip()) if part]
    if action == "merge" and len(parts) == 1:
        parts = [part for part in _INTO.split(parts[0], maxsplit=1) if part]  # "gộp A vào B"
    if len(parts) != 2:
        await turn.say(texts.UNITS_USAGE)
        return
    first, second = parts
    actor, now = Actor.of(visit.member), visit.now
    # The config's hamlets are renamed at every start in the configured commune only; the
    # other communes of the deployment have none fixed.
    services = visit.services
    configured = visit.commune.id == services.commune_id
    fixed = len(services.settings.commune.hamlets) if configured else 0
    try:
        if action == "rename":
            old = (await find_unit(visit.session, visit.commune, first)).name
            unit = await rename_unit(
                visit.session, visit.commune, first, second, actor=actor, now=now,
                fixed_hamlets=fixed,
            )  # fmt: skip
            reply = texts.UNIT_RENAMED.format(old=esc(old), new=esc(unit.name))
        elif action == "alias":
            unit = await add_alias(
                visit.session, visit.commune, first, second, actor=actor, now=now
            )
            reply = texts.UNIT_ALIAS_ADDED.format(alias=esc(second), name=esc(unit.name))
        else:
            merged = await merge_units(
                visit.session, visit.commune, first, second, actor=actor, now=now,
                fixed_hamlets=fixed,
            )  # fmt: skip
            reply = texts.UNITS_MERGED.format(
                source=esc(merged.source), target=esc(merged.target), members=merged.members,
                tasks=merged.tasks, reports=merged.reports,
            )  # fmt: skip
    except DomainError as error:
        await turn.say(await _error(visit, error, first, second))
        return
    await turn.say(reply)


def _action(args: list[str]) -> tuple[str | None, str]:
    """The action the first word or two name, and the text after them."""
    for count in (2, 1):
        action = _ACTIONS.get(fold(" ".join(args[:count]))) if len(args) >= count else None
        if action is not None:
            return action, " ".join(args[count:])
    return None, ""


async def _list(turn: Turn, visit: Visit) -> None:
    rows = await list_units(visit.session, visit.commune)
    units = [row for row in rows if row.kind == UnitKind.UNIT]
    hamlets = [row for row in rows if row.kind == UnitKind.HAMLET]
    lines = [texts.UNITS_HEADER.format(count=len(units))]
    for number, row in enumerate(units, start=1):
        members = texts.UNIT_MEMBERS.format(count=row.members) if row.members else ""
        lines.append(texts.UNIT_LINE.format(number=number, name=esc(row.name), members=members))
    if hamlets:
        names = ", ".join(esc(row.name) for row in hamlets)
        lines.append(texts.UNITS_HAMLETS.format(count=len(hamlets), names=names))
    lines.extend(["", texts.UNITS_USAGE])
    for part in split_message("\n".join(lines)):
        await turn.say(part)


async def _error(visit: Visit, error: DomainError, first: str, second: str) -> str:
    if error.reason == "unknown_unit":
        # Which of the two names is unknown (a merge looks both up).
        try:
            await find_unit(visit.session, visit.commune, first)
            name = second
        except DomainError:
            name = first
        hint = await unknown_unit_hint(visit, error)
        return texts.UNIT_ERRORS["unknown_unit"].format(name=esc(name), hint=hint)
    template = texts.UNIT_ERRORS.get(error.reason, texts.UNITS_USAGE)
    return template.format(name=esc(second), detail=esc(error.detail))
