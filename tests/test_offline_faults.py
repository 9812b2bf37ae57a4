"""The offline Bot API's faults, as PTB sees them: each kind of misbehaviour reaches the
caller of ``application.bot.send_message`` as the exception a real Telegram (or a proxy in
front of it) would cause, and a call the API refused is never shown on the phone.
"""

import asyncio
import time
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.offline import Fault
from models.tables import Role
from tests.helpers import World


def refused(world: World, method: str = "sendMessage") -> list[object]:
    """The results of every call of ``method`` so far (None: not delivered)."""
    return [call.result for call in world.api.calls if call.method == method]


@pytest.mark.parametrize(
    ("status", "phrase"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_a_server_error_is_a_network_error(world: World, status: int, phrase: str) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.server_error("sendMessage", status))

    with pytest.raises(NetworkError, match=phrase) as raised:
        await world.app.bot.send_message(phone.user_id, "xin chào")
    assert not isinstance(raised.value, TimedOut)
    assert refused(world) == [None]
    assert phone.inbox() == []

    # Used up: the next call goes through.
    await world.app.bot.send_message(phone.user_id, "lần hai")
    assert [m.text for m in phone.inbox()] == ["lần hai"]


async def test_a_body_that_is_not_json_is_a_plain_telegram_error(world: World) -> None:
    # PTB parses a 2xx body itself: what is not JSON raises TelegramError("Invalid server
    # response"), the base class, NOT a NetworkError. Code that retries NetworkError only
    # does not retry this.
    phone = world.phone()
    world.api.faults.append(Fault.bad_json("sendMessage"))

    with pytest.raises(TelegramError, match="Invalid server response") as raised:
        await world.app.bot.send_message(phone.user_id, "xin chào")
    assert type(raised.value) is TelegramError
    assert refused(world) == [None]
    assert phone.inbox() == []


async def test_an_error_page_with_a_5xx_status_is_a_network_error(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.bad_json("sendMessage", b"<html>502 Bad Gateway</html>", 502))

    with pytest.raises(NetworkError, match=r"Bad Gateway \(502\)\. Parsing the server response"):
        await world.app.bot.send_message(phone.user_id, "xin chào")
    assert phone.inbox() == []


async def test_a_403_is_forbidden(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.forbidden("sendMessage"))

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await world.app.bot.send_message(phone.user_id, "xin chào")
    assert phone.inbox() == []


async def test_a_blocked_chat_is_still_forbidden(world: World) -> None:
    phone = world.phone()
    world.api.blocked_chats.add(phone.user_id)
    with pytest.raises(Forbidden):
        await world.app.bot.send_message(phone.user_id, "xin chào")
    assert phone.inbox() == []


@pytest.mark.parametrize("retry_after", [1, 86_400])
async def test_a_429_is_retry_after(world: World, retry_after: int) -> None:
    # Without PTB's rate limiter in the way (a plain Bot on the same offline API), a 429
    # reaches the caller at once as RetryAfter with the server's number of seconds.
    phone = world.phone()
    world.api.faults.append(Fault.rate_limited("sendMessage", retry_after))

    async with Bot(world.app.bot.token, request=world.api) as bot:
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(phone.user_id, "xin chào")
    assert raised.value.retry_after == timedelta(seconds=retry_after)  # PTB_TIMEDELTA is on
    assert phone.inbox() == []


async def test_the_applications_rate_limiter_waits_out_a_small_retry_after(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.rate_limited("sendMessage", 1))

    started = time.monotonic()
    await world.app.bot.send_message(phone.user_id, "xin chào")
    assert time.monotonic() - started >= 1.0
    assert refused(world)[0] is None and refused(world)[1] is not None
    assert [m.text for m in phone.inbox()] == ["xin chào"]


async def test_a_429_that_does_not_end_reaches_the_caller_as_retry_after(world: World) -> None:
    # The application's rate limiter may retry a 429 a few times; when every try is refused
    # the caller gets RetryAfter. (Its waits are skipped here.)
    phone = world.phone()
    world.api.faults.append(Fault.rate_limited("sendMessage", 1, count=None))
    real_sleep = asyncio.sleep

    async def no_wait(seconds: float) -> None:
        await real_sleep(0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asyncio, "sleep", no_wait)
        with pytest.raises(RetryAfter):
            await world.app.bot.send_message(phone.user_id, "xin chào")
    assert refused(world) and set(refused(world)) == {None}
    assert phone.inbox() == []


async def test_a_huge_retry_after_reaches_the_caller_without_stalling_the_bot(
    world: World,
) -> None:
    # PTB's own AIORateLimiter would sleep retry_after + 0.1 s before retrying, holding every
    # other request meanwhile: a 429 asking for a day would stall the bot for a day.
    phone = world.phone()
    world.api.faults.append(Fault.rate_limited("sendMessage", 86_400))

    async with asyncio.timeout(10):
        with pytest.raises(RetryAfter):
            await world.app.bot.send_message(phone.user_id, "xin chào")
        await world.app.bot.send_message(phone.user_id, "vẫn gửi được")
    assert refused(world)[0] is None
    assert [m.text for m in phone.inbox()] == ["vẫn gửi được"]


async def test_a_hang_is_a_timeout_after_the_delay(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.hang("sendMessage", 0.2))

    started = time.monotonic()
    with pytest.raises(TimedOut, match="no answer to sendMessage"):
        await world.app.bot.send_message(phone.user_id, "xin chào")
    assert time.monotonic() - started >= 0.2
    assert issubclass(TimedOut, NetworkError)
    assert refused(world) == [None]
    assert phone.inbox() == []


async def test_a_hang_can_be_cancelled(world: World) -> None:
    world.api.faults.append(Fault.hang("sendMessage", 3600))
    sending = asyncio.create_task(world.app.bot.send_message(world.phone().user_id, "x"))
    await asyncio.sleep(0.05)
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending


async def test_a_slow_answer_is_delivered_before_it_returns(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.slow("sendMessage", 0.3))

    started = time.monotonic()
    sending = asyncio.create_task(world.app.bot.send_message(phone.user_id, "xin chào"))
    await asyncio.sleep(0.1)
    assert not sending.done()
    assert [m.text for m in phone.inbox()] == ["xin chào"]  # already on the phone
    message = await sending
    assert time.monotonic() - started >= 0.3
    assert message.text == "xin chào"


async def test_a_slow_answer_reaches_the_phone_of_a_member(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    world.api.faults.append(Fault.slow("sendMessage", 0.2, chat_id=chairman.user_id))

    started = time.monotonic()
    said = await chairman.send("/help")
    assert time.monotonic() - started >= 0.2
    assert len(said) == 1 and "/tonghop" in said[0].text


async def test_a_fault_for_one_chat_leaves_the_others_alone(world: World) -> None:
    first, second = world.phone(), world.phone()
    world.api.faults.append(Fault.server_error("sendMessage", 502, chat_id=first.user_id))

    await world.app.bot.send_message(second.user_id, "cho người hai")
    with pytest.raises(NetworkError):
        await world.app.bot.send_message(first.user_id, "cho người một")
    assert [m.text for m in second.inbox()] == ["cho người hai"]
    assert first.inbox() == []


async def test_count_limits_a_fault_and_none_never_ends(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.server_error("sendMessage", count=2))
    for _ in range(2):
        with pytest.raises(NetworkError):
            await world.app.bot.send_message(phone.user_id, "x")
    await world.app.bot.send_message(phone.user_id, "qua được")

    world.api.faults[:] = [Fault.forbidden("sendMessage", count=None)]
    for _ in range(5):
        with pytest.raises(Forbidden):
            await world.app.bot.send_message(phone.user_id, "x")
    assert [m.text for m in phone.inbox()] == ["qua được"]


async def test_a_fault_on_one_method_leaves_the_others_alone(world: World) -> None:
    phone = world.phone()
    world.api.faults.append(Fault.server_error("sendPhoto", count=None))
    await world.app.bot.send_message(phone.user_id, "chữ vẫn đi")
    assert [m.text for m in phone.inbox()] == ["chữ vẫn đi"]


async def test_the_positional_form_still_works(world: World) -> None:
    # Fault(method, status, description, retry_after, count), as the older stories write it.
    phone = world.phone()
    world.api.faults.append(Fault("sendMessage", 502, "Bad Gateway", None, 1))
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await world.app.bot.send_message(phone.user_id, "x")
    legacy = Fault("sendMessage", 429, "Too Many Requests: retry after 1", 1)
    assert (legacy.kind, legacy.retry_after, legacy.count) == ("status", 1, 1)
