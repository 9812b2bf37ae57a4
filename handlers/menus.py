"""What each role sees: the /help lines and the command menu."""

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
        "report", "tasks", "invite", "members", "units", "mute", "cancel", "plan_file", "help",
    ],
    Role.OFFICER: _REPORTER_HELP,
    Role.HAMLET_HEAD: _REPORTER_HELP,
}  # fmt: skip
_MENU = {
    Role.CHAIRMAN: ["tonghop", "trehan", "chuabaocao", "xuat", "thanhvien", "tamdung", "help"],
    Role.OFFICE: [
        "tonghop", "duyet", "nhacnho", "baothay", "chuabaocao", "trehan", "xuat",
        "baocao", "nhiemvu", "moi", "thanhvien", "donvi", "tamdung", "huy", "help",
    ],
    Role.OFFICER: _REPORTER_MENU,
    Role.HAMLET_HEAD: _REPORTER_MENU,
}  # fmt: skip
STRANGER_MENU = ["start", "help"]


def help_text(role: Role, files: bool = True, photos: bool = True) -> str:
    """The /help message for a role: only what that role can do. ``files``: whether the
    channel can send the Excel and Word files (Zalo cannot: say where they are);
    ``photos``: whether /tonghop comes with its chart there.
    """
    keys = [k if photos or k != "summary" else "summary_text" for k in _HELP_KEYS[role]]
    if not files:
        # A channel that sends no documents takes none either (Zalo): no plan file there.
        keys = [k for k in keys if k != "plan_file"]
    lines = [texts.HELP_HEADER, *(texts.HELP_LINES[key] for key in keys)]
    footer = [texts.HELP_FOOTER]
    if not files and "export" in keys:
        footer.append(texts.HELP_FILES_ELSEWHERE)
    return "\n".join([*lines, "", *footer])


def commands_for(role: Role | None) -> list[tuple[str, str]]:
    """The command menu for a role (or for someone not yet a member): name, description."""
    names = _MENU[role] if role else STRANGER_MENU
    return [(name, texts.COMMAND_DESCRIPTIONS[name]) for name in names]
