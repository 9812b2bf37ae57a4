"""The office adds members from chat: /moi (invite) and /thanhvien (members)."""

from datetime import timedelta

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only
from handlers.render import split_message
from handlers.turn import Turn
from models.accounts import accounts_of
from models.audit import Actor
from models.clock import format_date, local
from models.errors import DomainError
from models.members import (
    IssuedInvite,
    create_member,
    list_members,
    parse_role,
    unit_names,
)
from models.tables import Role


def invite_link(bot_username: str, code: str) -> str:
    """The link that opens the bot with ``/start <code>``."""
    return f"https://t.me/{bot_username}?start={code}"


def invite_message(issued: IssuedInvite, bot_username: str, timezone: str) -> str:
    """What the office sees after creating a member."""
    template = texts.INVITE_RENEWED if issued.existing else texts.INVITE_CREATED
    if issued.linked:
        template += "\n" + texts.INVITE_LINKED_NOTE
    return template.format(
        name=esc(issued.member.name),
        role=texts.ROLE_LABELS[Role(issued.member.role)],
        unit=f" — {esc(issued.unit.name)}" if issued.unit else "",
        expires=format_date(local(issued.expires_at, timezone).date()),
        link=invite_link(bot_username, issued.code),
        code=issued.code,
    )


@members_only({Role.OFFICE})
async def invite_command(turn: Turn, visit: Visit) -> None:
    """/moi vai trò; họ tên; đơn vị — create a member and show their one-time link."""
    parts = _invite_parts(" ".join(turn.args))
    if len(parts) < 2 or not parts[0] or not parts[1]:
        await turn.say(texts.INVITE_USAGE)
        return
    try:
        issued = await create_member(
            visit.session,
            visit.commune,
            role=parse_role(parts[0]),
            name=parts[1],
            unit_text=parts[2] if len(parts) > 2 and parts[2] else None,
            now=visit.now,
            ttl=timedelta(days=visit.services.settings.invite_days),
            actor=Actor.of(visit.member),
        )
    except DomainError as error:
        hint = await unknown_unit_hint(visit, error) if error.reason == "unknown_unit" else ""
        template = texts.INVITE_ERRORS_OFFICE[error.reason]
        await turn.say(template.format(detail=esc(error.detail), hint=hint))
        return
    await turn.say(invite_message(issued, visit.services.bot_username, visit.commune.timezone))


def _invite_parts(text: str) -> list[str]:
    """Role, name and unit, split on ";" or "|" or, when neither is typed, on the first two
    commas (a unit's own name may hold a comma: "Lao động, Thương binh và Xã hội").
    """
    if ";" in text or "|" in text:
        return [part.strip() for part in text.replace("|", ";").split(";")]
    return [part.strip() for part in text.split(",", 2)]


async def unknown_unit_hint(visit: Visit, error: DomainError) -> str:
    """The close match for a unit name typed wrong or, with none close enough, the names
    the commune knows (a wrong guess misleads more than a list).
    """
    if error.detail:
        return texts.UNKNOWN_UNIT_HINT.format(nearest=esc(error.detail))
    names = await unit_names(visit.session, visit.commune)
    return texts.UNKNOWN_UNIT_LIST.format(names=", ".join(esc(n) for n in names))


@members_only({Role.OFFICE, Role.CHAIRMAN})
async def members_command(turn: Turn, visit: Visit) -> None:
    """/thanhvien: the commune's members and whether each has linked their account."""
    rows = await list_members(visit.session, visit.commune)
    accounts = await accounts_of(visit.session, [m.id or 0 for m, _ in rows])
    lines = [texts.MEMBERS_HEADER.format(count=len(rows))]
    for member, unit in rows:
        channels = sorted(a.channel for a in accounts.get(member.id or 0, []))
        lines.append(
            texts.MEMBER_LINE.format(
                icon="🟢" if channels else "⚪",
                name=esc(member.name),
                role=texts.ROLE_LABELS[Role(member.role)],
                # An office clerk's unit is usually the office itself: say it once.
                unit=f", {esc(unit.name)}"
                if unit and unit.name != texts.ROLE_LABELS[Role(member.role)]
                else "",
            )
            + "".join(f" · {texts.CHANNEL_LABELS.get(c, c)}" for c in channels)
        )
    lines.append("\n🟢 đã kết nối · ⚪ chưa kết nối")
    for part in split_message("\n".join(lines)):
        await turn.say(part)
