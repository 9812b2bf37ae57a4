"""The same stories on both channels: report, one-line report, review, proxy and reminder.

Each runs once on Telegram (options are buttons: a tap) and once on Zalo (options are
numbered lines: the number typed), through the one conversation core. What a person reads
differs only in form: Telegram HTML and buttons, Zalo plain text and numbers.
"""

from typing import Any

import pytest
from sqlmodel import col, select

from bot.phone import BotMessage, Phone
from bot.services import services_of
from bot.zalo.phone import ZaloPhone
from models.db import transaction
from models.tables import Member, Report, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e

AnyPhone = Phone | ZaloPhone


@pytest.fixture(params=["telegram", "zalo"])
def channel(request: Any) -> str:
    return str(request.param)


async def join(world: World, channel: str, role: Role, name: str, unit: str | None) -> AnyPhone:
    """A member on ``channel``, linked by their invite (a link on Telegram, the bare code
    typed on Zalo).
    """
    if channel == "telegram":
        return await world.member(role, name, unit)
    return await world.zalo_member(role, name, unit)


async def choose(phone: AnyPhone, label: str) -> list[BotMessage]:
    """Choose an option: a tap on Telegram, its number typed on Zalo."""
    if isinstance(phone, Phone):
        for shown in reversed(phone._shown.values()):
            for row in shown.buttons:
                for text, data in row:
                    if label in text:
                        return await phone.press(data, shown.message_id)
        raise LookupError(label)
    return await phone.choose(label)


def plain(messages: list[BotMessage]) -> str:
    """What was said, without markup (Telegram's HTML tags are not part of the words)."""
    return "\n".join(m.text for m in messages).replace("<b>", "").replace("</b>", "")


async def reports(world: World) -> list[Report]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(Report).order_by(col(Report.id))))


async def test_a_guided_report(world: World, channel: str) -> None:
    officer = await join(world, channel, Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    said = await officer.send("bao cao")
    assert "Chọn nhiệm vụ" in plain(said)
    said = await choose(officer, "6.1")
    assert "Tình trạng hiện nay" in plain(said)
    said = await choose(officer, "Đang thực hiện")
    assert "bao nhiêu phần trăm" in plain(said)
    said = await choose(officer, "75%") if channel == "telegram" else await officer.send("75")
    assert "ghi chú" in plain(said).lower()
    await officer.send("Đã khám cho 80 trẻ")
    said = await officer.send_photo(b"\xff\xd8 so kham")
    assert "Kiểm tra lại báo cáo" in plain(said)
    said = await choose(officer, "Lưu")
    assert "Đã lưu báo cáo nhiệm vụ 6.1" in plain(said)
    [row] = await reports(world)
    assert (row.status, row.percent, row.note) == ("in_progress", 75, "Đã khám cho 80 trẻ")
    assert row.evidence_kind == "photo" and row.evidence_sha256


async def test_a_one_line_report_typed_as_words(world: World, channel: str) -> None:
    head = await join(world, channel, Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    for line in ("bao cao 2.1 90 ghi chú", "baocao 2.1 95", "2.1 100"):
        said = await head.send(line)
        assert "Đã lưu" in plain(said), (line, said)
    assert [r.percent for r in await reports(world)] == [90, 95, 100]


async def test_the_office_returns_and_then_accepts(world: World, channel: str) -> None:
    officer = await join(world, channel, Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await join(world, channel, Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("bao cao 6.1 60 đã khám cho 80 trẻ")
    said = await office.send("duyet")
    assert "Báo cáo chờ xem xét" in plain(said)
    said = await choose(office, "Trả lại")
    assert "tất cả" in plain(said)
    said = await office.send("Thiếu danh sách trẻ đã khám")
    assert "Đã trả lại báo cáo 6.1" in plain(said)

    returned = officer.inbox()
    assert "được trả lại để bổ sung" in plain(returned)
    said = await choose(officer, "Báo cáo lại 6.1")
    assert "Tình trạng hiện nay" in plain(said)
    for answer in ("2", "80", "Đã bổ sung danh sách", "bo qua"):
        await officer.send(answer)
    said = await officer.send("lưu")
    assert "(lần 2)" in plain(said)

    said = await office.send("duyet")
    assert "(lần 2)" in plain(said)
    said = await office.send("dong y")  # the words of "Chấp nhận", typed
    assert "Đã chấp nhận báo cáo 6.1" in plain(said)
    assert "chấp nhận báo cáo nhiệm vụ 6.1 (lần 2)" in plain(officer.inbox())
    assert [(r.version, r.review_status) for r in await reports(world)] == [
        (1, "returned"),
        (2, "accepted"),
    ]


async def test_the_office_enters_a_report_phoned_in(world: World, channel: str) -> None:
    head = await join(world, channel, Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    office = await join(world, channel, Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    said = await office.send("bao thay ấp 3")
    assert "Báo cáo thay cho Trần Văn Bình" in plain(said)
    await choose(office, "Sau")
    await choose(office, "6.6")
    await choose(office, "Đang thực hiện")
    await office.send("75")
    await office.send("Đã kéo điện cho 12 hộ")
    await office.send("bo qua")
    said = await choose(office, "Lưu")
    assert "Ghi thay cho Trần Văn Bình" in plain(said)
    assert "đã ghi báo cáo nhiệm vụ 6.6" in plain(head.inbox())
    [row] = await reports(world)
    async with transaction(services_of(world.app).sessions) as session:
        people = {m.id: m.name for m in await session.exec(select(Member))}
    assert (people[row.member_id], people[row.entered_by_id]) == ("Trần Văn Bình", "Võ Thị Lan")


async def test_a_reminder_from_the_office_and_a_report_from_it(world: World, channel: str) -> None:
    head = await join(world, channel, Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    office = await join(world, channel, Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await office.send("nhac nho")
    got = head.inbox()
    assert len(got) == 1 and "gõ /baocao 2.1" in plain(got)
    await office.send("nhac nho")  # the same prompt again the same day: not sent twice
    assert head.inbox() == []
    said = await choose(head, "Báo cáo 2.1")
    assert "Nhiệm vụ 2.1" in plain(said) and "Tình trạng hiện nay" in plain(said)
