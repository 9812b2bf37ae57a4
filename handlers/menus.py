"""What each role sees: the /help lines and the command menu."""

from telegram import BotCommand

from bot import texts
from models.tables import Role

_HELP_KEYS = {
    Role.CHAIRMAN: ["summary", "members", "mute", "help"],
    Role.OFFICE: ["summary", "remind", "report", "tasks", "invite", "members", "cancel", "help"],
    Role.OFFICER: ["report", "quick", "tasks", "cancel", "mute", "help"],
    Role.HAMLET_HEAD: ["report", "quick", "tasks", "cancel", "mute", "help"],
}
_MENU = {
    Role.CHAIRMAN: ["tonghop", "thanhvien", "tamdung", "help"],
    Role.OFFICE: ["tonghop", "nhacnho", "baocao", "nhiemvu", "moi", "thanhvien", "huy", "help"],
    Role.OFFICER: ["baocao", "nhiemvu", "huy", "tamdung", "help"],
    Role.HAMLET_HEAD: ["baocao", "nhiemvu", "huy", "tamdung", "help"],
}
STRANGER_MENU = ["start", "help"]


def help_text(role: Role) -> str:
    """The /help message for a role: only what that role can do."""
    lines = [texts.HELP_HEADER, *(texts.HELP_LINES[key] for key in _HELP_KEYS[role])]
    return "\n".join([*lines, "", texts.HELP_FOOTER])


def commands_for(role: Role | None) -> list[BotCommand]:
    """The command menu for a role (or for someone not yet a member)."""
    names = _MENU[role] if role else STRANGER_MENU
    return [BotCommand(name, texts.COMMAND_DESCRIPTIONS[name]) for name in names]
