"""Several pieces of evidence per report (issue 10, point 5): an album is kept whole, a
second photo joins the first, evidence sent before /baocao is offered for the report that
follows, and the bot names what it got (a PDF is a "tệp", not an "ảnh").
"""

import pytest
from sqlmodel import col, select

from bot.phone import Phone
from bot.services import services_of
from models.db import transaction
from models.evidence_items import MAX_EVIDENCE
from models.tables import Report, ReportEvidence, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e

HEALTH = "Trạm Y tế xã"


async def saved_items(world: World) -> list[tuple[int, str]]:
    async with transaction(services_of(world.app).sessions) as session:
        rows = await session.exec(select(ReportEvidence).order_by(col(ReportEvidence.position)))
        return [(row.position, row.kind) for row in rows]


async def at_evidence_step(world: World) -> Phone:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    for answer in ("/baocao 6.1", "2", "50"):
        await officer.send(answer)
    said = await officer.send("Đã khám cho 80 trẻ")
    assert "minh chứng" in said[0].text
    return officer


async def test_an_album_is_kept_whole_with_one_answer(world: World) -> None:
    officer = await at_evidence_step(world)
    said = await officer.send_photo(b"\xff\xd8 one", album="album-1")
    assert "Kiểm tra lại báo cáo" in said[0].text
    assert await officer.send_photo(b"\xff\xd8 two", album="album-1") == []
    assert await officer.send_photo(b"\xff\xd8 three", album="album-1") == []
    said = await officer.send("lưu")
    assert "Đã lưu" in said[0].text and "Minh chứng: 3 ảnh." in said[0].text
    assert await saved_items(world) == [(1, "photo"), (2, "photo"), (3, "photo")]
    async with transaction(services_of(world.app).sessions) as session:
        report = (await session.exec(select(Report))).one()
    assert report.evidence_kind == "photo"  # the first item, where it always was


async def test_a_second_photo_joins_the_first(world: World) -> None:
    officer = await at_evidence_step(world)
    await officer.send_photo(b"\xff\xd8 one")
    said = await officer.send_document(b"%PDF-1.4 minutes", "bien-ban.pdf")
    assert "Minh chứng hiện có: 1 ảnh, 1 tệp" in said[0].text
    said = await officer.tap("✅ Lưu")  # the confirm card's button still works
    assert "Đã lưu" in said[0].text
    assert await saved_items(world) == [(1, "photo"), (2, "document")]


async def test_more_than_the_limit_is_refused_with_the_number(world: World) -> None:
    officer = await at_evidence_step(world)
    for n in range(MAX_EVIDENCE):
        await officer.send_photo(b"\xff\xd8 %d" % n)
    said = await officer.send_photo(b"\xff\xd8 one too many")
    assert f"tối đa {MAX_EVIDENCE} minh chứng" in said[0].text
    await officer.send("lưu")
    assert len(await saved_items(world)) == MAX_EVIDENCE


async def test_a_photo_sent_before_baocao_is_offered_for_the_report(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    said = await officer.send_photo(b"\xff\xd8 taken first")
    assert "Đã nhận ảnh. Đây là minh chứng cho nhiệm vụ nào?" in said[0].text
    assert any(label.startswith("6.1") for label in said[0].button_labels)
    await officer.tap("6.1")
    await officer.send("2")
    await officer.send("50")
    said = await officer.send("Đã khám cho 80 trẻ")
    assert "Kiểm tra lại báo cáo" in said[0].text and "1 ảnh" in said[0].text  # not asked
    await officer.send("lưu")
    assert await saved_items(world) == [(1, "photo")]


async def test_a_pdf_sent_first_is_called_a_file(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    said = await officer.send_document(b"%PDF-1.4", "bao-cao.pdf")
    assert "Đã nhận tệp." in said[0].text and "ảnh" not in said[0].text


async def test_the_chairman_sending_a_photo_starts_nothing(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    said = await chairman.send_photo(b"\xff\xd8 hello")
    assert "khi báo cáo nhiệm vụ" in said[0].text and said[0].buttons == []


async def test_on_zalo_a_photo_first_then_typed_answers_and_the_next_task(world: World) -> None:
    """The same on Zalo, every step typed: the picker is numbered, the next task is "1"."""
    head = await world.zalo_member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    said = await head.send_photo(b"\xff\xd8 zalo first")
    assert "Đây là minh chứng cho nhiệm vụ nào?" in said[0].text
    first = [line for line in said[0].text.split("\n") if line.strip().startswith("1.")]
    assert first, said[0].text  # numbered options
    code = first[0].split()[1]
    await head.send(code)
    await head.send("Đang thực hiện")
    await head.send("40")
    said = await head.send("đã họp dân")
    assert "Kiểm tra lại báo cáo" in said[0].text and "1 ảnh" in said[0].text
    said = await head.send("lưu")
    assert "Cảm ơn" in said[0].text and "Báo cáo tiếp" in said[0].text
    said = await head.send("1")
    assert "Tình trạng hiện nay" in said[0].text
    assert await saved_items(world) == [(1, "photo")]


async def test_the_office_reviewing_sees_every_item(world: World) -> None:
    officer = await at_evidence_step(world)
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send_photo(b"\xff\xd8 one", album="album-9")
    await officer.send_photo(b"\xff\xd8 two", album="album-9")
    await officer.send_document(b"%PDF-1.4 minutes", "bien-ban.pdf")
    await officer.send("lưu")
    said = await office.send("/duyet")
    shown = [m.method for m in said]
    assert shown.count("sendPhoto") == 2 and shown.count("sendDocument") == 1
    assert "2 ảnh, 1 tệp" in said[-1].text
