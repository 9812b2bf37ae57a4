"""The pacer: replies before the bot's own messages, and never more than the cap in any
window of its own clock.
"""

import asyncio
import time

from bot.pacer import Pacer


async def test_a_reply_goes_before_the_waiting_background_sends() -> None:
    pacer = Pacer(rate=20, cap=100)
    order: list[str] = []

    async def send(name: str, reply: bool) -> None:
        await pacer.acquire(reply=reply)
        order.append(name)

    background = [asyncio.create_task(send(f"b{n}", False)) for n in range(10)]
    await asyncio.sleep(0)  # the fan-out is queued
    reply = asyncio.create_task(send("reply", True))
    await asyncio.gather(*background, reply)
    # The first few had their slots at once (a catch-up of two slots); the reply takes the
    # next one, ahead of the rest of the fan-out.
    assert order.index("reply") <= 3, order
    assert order[-1] == "b9"


async def test_never_more_than_the_cap_in_any_window() -> None:
    times: list[float] = []
    pacer = Pacer(rate=1000, cap=5, period=0.2)

    async def send() -> None:
        await pacer.acquire(reply=False)
        times.append(time.monotonic())

    await asyncio.gather(*(send() for _ in range(17)))
    assert len(times) == 17
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t < start + 0.2]
        assert len(in_window) <= 5, (i, in_window)
    # …and it does not crawl either: 17 sends at 5 per 0.2 s take about 0.6 s.
    assert times[-1] - times[0] < 2.0


async def test_an_even_pace_without_drift() -> None:
    pacer = Pacer(rate=200, cap=1000)
    started = time.monotonic()
    for _ in range(40):
        await pacer.acquire(reply=False)
    # 40 slots at 5 ms: about 0.195 s after the first; a drifting pacer would add the
    # event loop's lateness to every slot.
    assert 0.15 <= time.monotonic() - started < 1.0
