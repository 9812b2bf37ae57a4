"""Updates of different chats run side by side; one chat's updates keep their order."""

import asyncio

from telegram import Update

from bot.per_chat import PerChatUpdateProcessor


def _update(update_id: int, chat: int) -> Update:
    message = {
        "message_id": update_id, "date": 0, "text": "x",
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "A"},
    }  # fmt: skip
    return Update.de_json({"update_id": update_id, "message": message}, None)


async def test_one_chat_in_order_other_chats_alongside() -> None:
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []
    release_first = asyncio.Event()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        log.append(f"start {name}")
        if wait is not None:
            await wait.wait()
        log.append(f"end {name}")

    tasks = [
        asyncio.create_task(processor.process_update(_update(1, 10), work("a1", release_first))),
        asyncio.create_task(processor.process_update(_update(2, 10), work("a2"))),
        asyncio.create_task(processor.process_update(_update(3, 20), work("b1"))),
    ]
    await asyncio.sleep(0.05)
    # b1 (another chat) is done while a1 still waits; a2 has not started behind a1.
    assert "end b1" in log and "start a2" not in log, log
    release_first.set()
    await asyncio.gather(*tasks)
    assert log.index("end a1") < log.index("start a2")
    assert processor._locks == {}  # nothing kept for chats that are done
