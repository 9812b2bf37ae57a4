"""Stories on Zalo: the same conversation core as Telegram, reached by typing only.

Each story drives the real Application's Services through the Zalo runner over the offline
Zalo Bot API (modelled on the documented payloads), as a person's Zalo app would: text and
images, no buttons, options chosen by typing their number.
"""

import pytest
from sqlmodel import select

from bot.services import services_of
from models.accounts import TELEGRAM, ZALO
from models.db import transaction
from models.tables import ChatAccount, Reminder, Report, Role
from scheduler.runner import run_tick
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e

HEAD_UNIT = "Ấp 1"


async def test_a_zalo_hamlet_head_goes_from_the_bare_code_to_a_saved_report_by_typing(
    world: World,
) -> None:
    code = await world.invite(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    phone = world.zalo_phone("Dung")
    said = await phone.send(code)
    assert "đã được đăng ký" in said[0].text
    assert all("<b>" not in m.text for m in said)  # Zalo shows plain text, no markup

    said = await phone.send("bao cao")
    assert "1. " in said[-1].text and "Anh/chị nhắn số để chọn." in said[-1].text
    said = await phone.send("1")  # the first task of the list
    assert "Tình trạng hiện nay" in said[-1].text
    said = await phone.choose("Đang thực hiện")
    assert "bao nhiêu phần trăm" in said[-1].text
    said = await phone.send("60")
    said = await phone.send("Đã họp dân 2 buổi")
    assert "minh chứng" in said[-1].text
    said = await phone.send_photo(b"\xff\xd8zalo-photo")
    assert "Kiểm tra lại báo cáo" in said[-1].text
    said = await phone.choose("Lưu")
    assert "Đã lưu" in said[-1].text

    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        report = (await session.exec(select(Report))).one()
    assert (report.status, report.percent, report.note) == ("in_progress", 60, "Đã họp dân 2 buổi")
    assert report.evidence_kind == "photo" and report.evidence_sha256 is not None


async def test_a_one_line_report_typed_as_words_on_zalo(world: World) -> None:
    phone = await world.zalo_member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    said = await phone.send("baocao 2.1 90 đã niêm yết")
    assert "Đã lưu" in said[-1].text, said
    said = await phone.send("2.1 100")
    assert "Đã lưu" in said[-1].text, said


async def test_a_stranger_on_zalo_learns_nothing_about_the_plan(world: World) -> None:
    phone = world.zalo_phone("Ai đó")
    said = await phone.send("tong hop")
    assert len(said) == 1 and "mời" in said[0].text
    assert "Kế hoạch" not in said[0].text


async def test_the_office_reviews_on_zalo_by_typing(world: World) -> None:
    head = await world.zalo_member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    office = await world.zalo_member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await head.send("bao cao 2.1 100 đã xong")
    said = await office.send("duyet")
    assert "2.1" in said[-1].text and "1. " in said[-1].text
    said = await office.send("dong y")
    assert any("chấp nhận" in m.text.lower() or "đã duyệt" in m.text.lower() for m in said), said
    notice = head.inbox()
    assert notice and "2.1" in notice[-1].text


async def test_a_text_longer_than_two_thousand_characters_arrives_split(world: World) -> None:
    chairman = await world.zalo_member(Role.CHAIRMAN, "Nguyễn Văn An")
    said = await chairman.send("tong hop")
    assert said and all(len(m.text) <= 2000 for m in said)
    # A summary of a big plan: the channel cuts it at line boundaries, never refuses it.
    runner, _ = world.zalo()
    lines = [f"• Nhiệm vụ {n}: tổ chức đối thoại với người dân ấp {n}" for n in range(120)]
    await runner.channel.send_text(chairman.user_id, "<b>Tổng hợp</b>\n" + "\n".join(lines))
    parts = [m.text for m in chairman.inbox()]
    assert len(parts) >= 3 and all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts).split("\n") == ["Tổng hợp", *lines]


async def test_exports_on_zalo_say_where_the_files_are(world: World) -> None:
    chairman = await world.zalo_member(Role.CHAIRMAN, "Nguyễn Văn An")
    said = await chairman.send("xuat excel")
    assert len(said) == 1 and "Telegram" in said[0].text
    said = await chairman.send("huong dan")
    assert "Telegram" in said[-1].text
    assert "kèm biểu đồ" not in said[-1].text  # no chart on Zalo without public_url


async def test_remind_from_the_office_reaches_a_zalo_member_exactly_once(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    head = await world.zalo_member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    await office.send("/nhacnho")
    first = head.inbox()
    assert len(first) == 1 and "nhiệm vụ" in first[0].text.lower()
    assert "1. " in first[0].text  # the reminder's options, numbered
    await office.send("/nhacnho")  # again the same day: recorded once, sent once
    await run_tick(services_of(world.app))
    assert head.inbox() == []
    said = await head.send("1")  # the reminder's first option: report that task
    assert "Tình trạng hiện nay" in said[-1].text


async def test_a_member_on_both_channels_gets_a_reminder_once_on_the_one_used_last(
    world: World,
) -> None:
    telegram = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    code = await world.invite(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    zalo = world.zalo_phone("Dung")
    said = await zalo.send(code)  # the same member (a fresh code), now also on Zalo
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        accounts = list(await session.exec(select(ChatAccount)))
    # A fresh code used on the other channel adds that channel; the Telegram link stays,
    # and the Telegram account is told at once.
    assert sorted(a.channel for a in accounts) == [TELEGRAM, ZALO], said
    [warned] = telegram.inbox()
    assert "tài khoản Zalo vừa được liên kết với Phạm Thị Dung" in warned.text
    world.clock.advance(minutes=5)
    await zalo.send("huong dan")  # Zalo is the channel used last
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    telegram.inbox()
    await office.send("/nhacnho")
    zalo_got, telegram_got = zalo.inbox(), telegram.inbox()
    assert len(zalo_got) == 1 and telegram_got == []
    async with transaction(services.sessions) as session:
        sent = list(await session.exec(select(Reminder).where(Reminder.status == "sent")))
    assert len(sent) == 1


async def test_a_blocked_zalo_account_falls_back_to_telegram(world: World) -> None:
    from bot.zalo.offline import Fault

    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    services = services_of(world.app)
    _, api = world.zalo()
    async with transaction(services.sessions) as session:
        telegram_account = (
            await session.exec(select(ChatAccount).where(ChatAccount.channel == TELEGRAM))
        ).all()
        member_id = next(
            a.member_id for a in telegram_account if str(a.chat_id) == str(head.user_id)
        )
        session.add(
            ChatAccount(
                commune_id=services.commune_id or 0, member_id=member_id, channel=ZALO,
                external_id="zalo-dung", chat_id="zalo-dung", linked_at=world.clock(),
                last_seen_at=vn(2026, 11, 27, 9),
            )
        )  # fmt: skip
    api.add_fault(Fault.api_error("sendMessage", 403, "blocked", chat_id="zalo-dung"))
    head.inbox()
    await office.send("/nhacnho")
    got = head.inbox()
    assert len(got) == 1, got
    async with transaction(services.sessions) as session:
        zalo_account = (
            await session.exec(select(ChatAccount).where(ChatAccount.channel == ZALO))
        ).one()
    assert zalo_account.unreachable_at is not None


async def test_a_sticker_on_zalo_gets_a_plain_answer(world: World) -> None:
    phone = await world.zalo_member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    said = await phone.send_sticker()
    assert len(said) == 1 and "chỉ đọc được tin nhắn chữ và ảnh" in said[0].text


async def test_a_reminder_in_the_middle_of_a_report_does_not_take_the_typed_answers(
    world: World,
) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    head = await world.zalo_member(Role.HAMLET_HEAD, "Phạm Thị Dung", HEAD_UNIT)
    for typed in ("bao cao", "1", "3", "bo qua", "bo qua"):
        said = await head.send(typed)
    assert "Kiểm tra lại báo cáo" in said[-1].text
    await office.send("/nhacnho")  # a reminder with its own numbered options arrives
    assert "1. " in head.inbox()[-1].text
    said = await head.send("1")  # meant for the confirmation shown before: save
    assert "Đã lưu" in said[-1].text, said
