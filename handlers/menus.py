"""What each role sees: the /help lines and the command menu."""

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot import texts
from models.tables import Role

# The reporters see the same views as leaders, limited to their own unit.
_REPORTER_HELP = [
    "report",
    "quick",
    "tasks",
    "summary",
    "overdue",
    "missing",
    "cancel",
    "mute",
    "help",
]
_REPORTER_MENU = ["baocao", "nhiemvu", "tonghop", "chuabaocao", "trehan", "huy", "tamdung", "help"]
_HELP_KEYS = {
    Role.CHAIRMAN: ["summary", "overdue", "missing", "export", "members", "mute", "help"],
    Role.OFFICE: [
        "summary", "remind", "review", "proxy", "overdue", "missing", "export",
        "report", "tasks", "invite", "members", "cancel", "help",
    ],
    Role.OFFICER: _REPORTER_HELP,
    Role.HAMLET_HEAD: _REPORTER_HELP,
}  # fmt: skip
_MENU = {
    Role.CHAIRMAN: ["tonghop", "trehan", "chuabaocao", "xuat", "thanhvien", "tamdung", "help"],
    Role.OFFICE: [
        "tonghop", "duyet", "nhacnho", "baothay", "chuabaocao", "trehan", "xuat",
        "baocao", "nhiemvu", "moi", "thanhvien", "huy", "help",
    ],
    Role.OFFICER: _REPORTER_MENU,
    Role.HAMLET_HEAD: _REPORTER_MENU,
}  # fmt: skip
STRANGER_MENU = ["start", "help"]


def help_text(role: Role) -> str:
    """The /help message for a role: only what that role can do."""
    lines = [texts.HELP_HEADER, *(texts.HELP_LINES[key] for key in _HELP_KEYS[role])]
    return "\n".join([*lines, "", texts.HELP_FOOTER])


def commands_for(role: Role | None) -> list[BotCommand]:
    """The command menu for a role (or for someone not yet a member)."""
    names = _MENU[role] if role else STRANGER_MENU
    return [BotCommand(name, texts.COMMAND_DESCRIPTIONS[name]) for name in names]


async def set_menu(bot: Bot, chat_id: int, role: Role) -> None:
    """Show a chat the commands of its member's role."""
    try:
        await bot.set_my_commands(commands_for(role), scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        # A missing menu is cosmetic: /help still lists the commands.
        logging.getLogger(__name__).warning("could not set the command menu", exc_info=True)
