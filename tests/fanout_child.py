"""A delivery process for the SIGKILL test (tests/test_reminder_leases.py), run as a child.

python tests/fanout_child.py setup URL MEMBERS
    migrate the SQLite database at URL, add a commune with MEMBERS linked members and a
    pending reminder for each; print {"chats": [...]}.
python tests/fanout_child.py deliver URL PORT LEASE_SECONDS
    deliver the pending reminders through a Bot API at http://127.0.0.1:PORT/bot, with
    leases of LEASE_SECONDS, at the real time; print the report.
"""

import asyncio
import json
import sys
from datetime import timedelta

from sqlmodel import select
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.telegram_chat import telegram_channels
from models.accounts import TELEGRAM
from models.clock import utc_now
from models.db import create_engine, migrate, session_factory, transaction
from models.tables import ChatAccount, Commune, Member, Role
from scheduler.delivery import CONCURRENCY, Outgoing, deliver_pending, record

TOKEN = "1000000001:fanout-child"
FIRST_CHAT = 820_000_000


async def setup(url: str, members: int) -> list[int]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    now = utc_now()
    try:
        async with transaction(sessions) as session:
            commune = Commune(name="Mỹ Hòa Hưng", timezone="Asia/Ho_Chi_Minh")
            session.add(commune)
            await session.flush()
            assert commune.id is not None
            commune_id = commune.id
            rows = [
                Member(
                    commune_id=commune_id,
                    name=f"Trưởng ấp {n}",
                    role=Role.HAMLET_HEAD,
                    created_at=now,
                )
                for n in range(members)
            ]
            session.add_all(rows)
            await session.flush()
            session.add_all(
                ChatAccount(
                    commune_id=commune_id,
                    member_id=row.id or 0,
                    channel=TELEGRAM,
                    external_id=str(FIRST_CHAT + n),
                    chat_id=str(FIRST_CHAT + n),
                    linked_at=now,
                )
                for n, row in enumerate(rows)
            )
            ids = [(row.id or 0, FIRST_CHAT + n) for n, row in enumerate(rows)]
        items = [
            Outgoing(
                member_id, "manual", "fanout", f"Nhắc báo cáo {chat}", now, now + timedelta(1)
            )
            for member_id, chat in ids
        ]
        await record(sessions, commune_id, items, now)
    finally:
        await engine.dispose()
    return [chat for _, chat in ids]


async def deliver(url: str, port: int, lease: float) -> dict[str, object]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    request = HTTPXRequest(connection_pool_size=2 * CONCURRENCY)
    bot: ExtBot[None] = ExtBot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    try:
        async with transaction(sessions) as session:
            commune_id = (await session.exec(select(Commune.id))).one()
        assert commune_id is not None
        async with bot:
            report = await deliver_pending(
                sessions,
                telegram_channels(bot),
                commune_id,
                utc_now(),
                lease=timedelta(seconds=lease),
            )
    finally:
        await engine.dispose()
    return {"sent": report.sent, "retry_later": report.retry_later, "stopped": report.stopped}


def main(argv: list[str]) -> None:
    mode, url = argv[1], argv[2]
    if mode == "setup":
        migrate(url)
        print(json.dumps({"chats": asyncio.run(setup(url, int(argv[3])))}))
    elif mode == "deliver":
        print(json.dumps(asyncio.run(deliver(url, int(argv[3]), float(argv[4])))))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
