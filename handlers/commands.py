"""The command table: each command's slash names and the words that say it when typed.

The same table wires the slash commands (``handlers/__init__.py``) and reads commands typed
as words, with or without diacritics and without the "/" that sits on the second layer of
a phone keyboard: ``bao cao 6.3 75 ghi chú``, ``baocao 6.3 75``, ``tong hop q3``,
``xuat excel quý 3``.
"""

import re
from dataclasses import dataclass

from handlers import (
    exports,
    followup,
    invites,
    onboarding,
    overview,
    relink,
    reminders,
    reporting,
    review,
    units,
)
from handlers.context import Handler
from models.textfold import fold


@dataclass(frozen=True)
class Command:
    """A command: its slash names, what runs it, and the words that say it when typed."""

    names: tuple[str, ...]
    callback: Handler
    words: tuple[str, ...] = ()
    # Typed words that are also everyday words ("mời" is "new" too) count as the command
    # only when what follows matches this.
    typed_args: str | None = None


COMMANDS = [
    Command(("start",), onboarding.start),
    Command(("help", "huongdan"), onboarding.help_command, ("huong dan", "tro giup", "giup")),
    Command(("report", "baocao"), reporting.report_command, ("bao cao",)),
    Command(("cancel", "huy"), reporting.cancel_command, ("huy bo",)),
    Command(("tasks", "nhiemvu"), overview.tasks_command, ("nhiem vu",)),
    Command(("summary", "tonghop"), overview.summary_command, ("tong hop",)),
    Command(("overdue", "trehan"), followup.overdue_command, ("tre han",)),
    Command(("missing", "chuabaocao"), followup.missing_command, ("chua bao cao",)),
    Command(("invite", "moi"), invites.invite_command, (), typed_args=r"[;,|]"),
    Command(("members", "thanhvien"), invites.members_command, ("thanh vien",)),
    Command(("units", "donvi"), units.units_command, ("don vi",), typed_args=units.TYPED_ARGS),
    Command(("remind", "nhacnho"), reminders.remind_command, ("nhac nho",)),
    Command(("review", "duyet"), review.review_command),
    Command(("proxy", "baothay"), review.proxy_command, ("bao thay",)),
    Command(("export", "xuat"), exports.export_command, ("xuat file",)),
    Command(("mute", "tamdung"), reminders.mute_command, ("tam dung",)),
    Command(("confirm", "xacnhan"), relink.confirm_command, ("xac nhan",), typed_args=r"^\d+$"),
    Command(("refuse", "tuchoi"), relink.refuse_command, ("tu choi",), typed_args=r"^\d+$"),
]

BY_NAME = {name: command for command in COMMANDS for name in command.names}
_BY_WORDS = {
    form: command
    for command in COMMANDS
    if command.names[0] != "start"
    for form in (*command.names, *command.words)
}
_LONGEST = max(len(form.split()) for form in _BY_WORDS)


@dataclass(frozen=True)
class TypedCommand:
    """A command said in words, and the words after it (as typed)."""

    command: Command
    args: list[str]


def read_typed_command(text: str) -> TypedCommand | None:
    """The command that ``text`` starts with, said in words; None if it starts with none."""
    words = text.split()
    for count in range(min(_LONGEST, len(words)), 0, -1):
        command = _BY_WORDS.get(fold(" ".join(words[:count])))
        if command is None:
            continue
        args = words[count:]
        if command.typed_args is not None and not re.search(command.typed_args, " ".join(args)):
            return None
        return TypedCommand(command, args)
    return None


_QUICK_REPORT = re.compile(r"^\d{1,2}\.\d{1,2}\s+\d{1,3}\s*%?(\s|$)")


def is_quick_report(text: str) -> bool:
    """``3.4 90 ghi chú``: a task code and a percent, the one-line report without words."""
    return _QUICK_REPORT.match(text.strip()) is not None
