"""The office's and the chairman's stories: review, reports phoned in, the views."""

import pytest
from sqlmodel import select

from bot.services import services_of
from models.db import transaction
from models.plan_data import read_plan_file
from models.plan_loader import load_plan
from models.tables import Commune, Member, Report, Role
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e


async def reports(world: World) -> list[Report]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(Report).order_by(Report.id)))  # type: ignore[arg-type]


async def test_the_office_returns_a_report_and_the_reporter_answers_from_the_message(
    world: World,
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.1 60 đã khám cho 80 trẻ")

    said = await office.send("/duyet")
    card = said[0]
    assert "Báo cáo chờ xem xét</b> (1 báo cáo)" in card.text
    assert "Nhiệm vụ <b>6.1</b>" in card.text and "Trạm Y tế xã — Lê Văn Cường" in card.text
    assert "Đang thực hiện — 60%" in card.text and "đã khám cho 80 trẻ" in card.text
    said = await office.tap("↩️ Trả lại")
    assert "ghi rõ <b>tất cả</b>" in said[0].text
    said = await office.send("Thiếu danh sách trẻ đã khám và ảnh sổ khám bệnh")
    assert said[0].text == "Đã trả lại báo cáo 6.1 cho Trạm Y tế xã, kèm nhận xét."
    assert said[1].text == "✅ Không có báo cáo mới nào chờ xem xét."

    [returned] = officer.inbox()
    assert "được trả lại để bổ sung" in returned.text
    assert "Thiếu danh sách trẻ đã khám và ảnh sổ khám bệnh" in returned.text
    said = await officer.tap("📝 Báo cáo lại 6.1")
    assert "Tình trạng hiện nay" in said[0].text
    for answer in ("2", "80", "Đã bổ sung danh sách 120 trẻ"):
        await officer.send(answer)
    await officer.send_photo(b"\xff\xd8 so kham benh")
    said = await officer.send("lưu")
    assert "(lần 2)" in said[0].text

    said = await office.send("/duyet")
    # The photo comes first, so the office judges the evidence itself.
    assert said[0].method == "sendPhoto"
    assert "(lần 2)" in said[1].text and "80%" in said[1].text
    assert "Lần 1 đã bị trả lại với nhận xét: <i>Thiếu danh sách trẻ" in said[1].text
    said = await office.tap("✅ Chấp nhận")
    assert said[0].text == "Đã chấp nhận báo cáo 6.1 của Trạm Y tế xã."
    assert "chấp nhận báo cáo nhiệm vụ <b>6.1</b> (lần 2)" in officer.inbox()[0].text

    rows = await reports(world)
    assert [(r.version, r.review_status) for r in rows] == [(1, "returned"), (2, "accepted")]
    assert rows[0].review_comment == "Thiếu danh sách trẻ đã khám và ảnh sổ khám bệnh"

    # An old card's button changes nothing; a reporter cannot review.
    said = await office.press(f"rv:ok:{rows[0].id}")
    assert said[-1].text == "Báo cáo này đã được xem xét hoặc đã có bản mới hơn."
    said = await officer.press(f"rv:ok:{rows[1].id}")
    assert "không dành cho vai trò" in said[0].text


async def test_a_return_needs_a_comment_and_can_be_cancelled(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.2 30")
    await office.send("/duyet")
    await office.tap("↩️ Trả lại")
    said = await office.send("/huy")
    assert said[0].text == "Đã hủy. Chưa có gì được lưu."
    said = await office.send("ghi chú lạc đề")
    assert "chưa hiểu" in said[0].text
    assert [r.review_status for r in await reports(world)] == [None]
    assert officer.inbox() == []


async def test_the_office_enters_a_report_phoned_in_by_a_hamlet_head(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    said = await office.send("/baothay ấp 3")
    assert said[0].text.startswith("✍️ Báo cáo thay cho <b>Trần Văn Bình</b>.")
    await office.tap("Sau")
    await office.tap("6.6")
    await office.tap("Đang thực hiện")
    await office.tap("75%")
    await office.send("Đã kéo điện cho 12 hộ (báo qua điện thoại)")
    await office.tap("Bỏ qua")
    said = await office.tap("✅ Lưu")
    assert "Đã lưu báo cáo nhiệm vụ <b>6.6</b>" in said[0].text
    assert "Ghi thay cho Trần Văn Bình" in said[0].text
    [notice] = head.inbox()
    assert "Võ Thị Lan (Văn phòng UBND xã) đã ghi báo cáo nhiệm vụ <b>6.6</b>" in notice.text

    [row] = await reports(world)
    async with transaction(services_of(world.app).sessions) as session:
        people = {m.id: m.name for m in await session.exec(select(Member))}
    assert (people[row.member_id], people[row.entered_by_id]) == ("Trần Văn Bình", "Võ Thị Lan")
    said = await office.send("/duyet")
    assert "Trần Văn Bình (do Võ Thị Lan nhập)" in said[0].text

    assert "Không tìm thấy" in (await office.send("/baothay Ấp 12"))[0].text
    assert "không phải người báo cáo" in (await office.send("/baothay Nguyễn Văn An"))[0].text
    assert "không dành cho vai trò" in (await chairman.send("/baothay Ấp 3"))[0].text
    assert "không dành cho vai trò" in (await head.send("/duyet"))[0].text


async def test_summary_filters(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    head = await world.member(Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    world.clock.now = vn(2026, 8, 10)  # the third quarter
    await head.send("/baocao 6.6 100 xong")
    world.clock.now = vn(2026, 11, 26)

    said = await office.send("/tonghop 6")
    assert said[0].method == "sendPhoto"
    assert "<b>6. Cung ứng dịch vụ công</b>" in said[1].text
    assert "<b>1. Tham gia" not in said[1].text
    assert "Các nhiệm vụ:" in said[-1].text and "<b>6.10</b>" in said[-1].text

    said = await office.send("/tonghop ap 3")
    assert "<b>Ấp 3</b> — Kế hoạch 965/KH-UBND" in said[1].text
    assert "(1/9 nhiệm vụ xong)" in said[1].text

    said = await office.send("/tonghop q3")
    assert "Quý III/2026 · tính đến hết ngày 30/09/2026" in said[1].text
    assert "Ấp 3 (1/9)" in said[2].text and "Ấp 4 (0/9)" in said[2].text

    # A year task done in the third quarter is not asked for again in the fourth.
    said = await office.send("/tonghop quý IV")
    assert "Quý IV/2026" in said[1].text and "Ấp 3 (1/9)" in said[2].text

    said = await office.send("/tonghop 2023")
    assert said[0].text == "Không có kế hoạch năm 2023.\nCác năm có kế hoạch: 2026."
    assert "Lĩnh vực" not in (await office.send("/tonghop 9"))[0].text
    assert "Không có lĩnh vực 9" in (await office.send("/tonghop 9"))[0].text
    said = await office.send("/tonghop tram y tê xa xôi")
    assert "Có phải anh/chị muốn nói «Trạm Y tế xã»?" in said[0].text


async def test_overdue_and_missing(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")

    said = await chairman.send("/trehan")
    assert "Thường xuyên, chưa báo cáo Quý III/2026:" in said[0].text
    assert "<b>1.2</b>" in said[0].text and "<b>6.1</b>" not in said[0].text
    said = await officer.send("/trehan")
    assert said[0].text == "✅ Không có nhiệm vụ nào trễ hạn — Trạm Y tế xã."
    assert said[1].text == "Hạn báo cáo năm là 20/12/2026: chưa đến hạn."

    said = await chairman.send("/chuabaocao")
    assert "• <b>Trạm Y tế xã</b> (Lê Văn Cường): 0/4 nhiệm vụ" in said[0].text
    assert "• <b>Ấp 1</b> (chưa có người phụ trách trên bot): 0/9 nhiệm vụ" in said[0].text
    await officer.send("/baocao 6.1 100")
    said = await chairman.send("/chuabaocao")
    assert "• <b>Trạm Y tế xã</b> (Lê Văn Cường): 1/4 nhiệm vụ" in said[0].text
    said = await officer.send("/chuabaocao")
    assert "<b>Trạm Y tế xã</b> còn 3 nhiệm vụ chưa báo cáo Quý IV/2026:" in said[0].text
    assert "<b>6.1</b>" not in said[0].text

    world.clock.now = vn(2026, 12, 22)
    said = await officer.send("/trehan")
    assert "Quá hạn báo cáo năm (20/12/2026), chưa hoàn thành:" in said[0].text
    assert "<b>6.2</b>" in said[0].text and "<b>6.1</b>" not in said[0].text


async def test_inviting_the_same_person_twice_renews_the_link(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    first = await office.send("/moi trưởng ấp; Nguyễn Văn Tư; Ấp 4")
    again = await office.send("/moi truong ap; Nguyen Van Tu; ap 4")  # typed again, no accents
    assert "đã có trong danh sách: đây là đường link mời mới" in again[0].text
    old_code = first[0].text.rsplit("start=", 1)[1].split()[0]
    new_code = again[0].text.rsplit("start=", 1)[1].split()[0]
    assert old_code != new_code
    said = await world.phone("Tư").send(f"/start {new_code}")
    assert "Nguyễn Văn Tư" in said[0].text
    said = await office.send("/moi trưởng ấp; Nguyễn Văn Tư; Ấp 4")
    # Linked already (a new phone?): a new link, which will need the office's confirmation.
    assert "anh/chị sẽ được hỏi xác nhận trước khi chuyển" in said[0].text
    async with transaction(services_of(world.app).sessions) as session:
        members = list(await session.exec(select(Member).where(Member.name == "Nguyễn Văn Tư")))
    assert len(members) == 1


# --- Periods read one way, and refusals that say what to do next ---------------------------


def last_file_name(world: World) -> str:
    call = [c for c in world.api.calls if c.method == "sendDocument"][-1]
    [name] = call.files
    return name


async def test_exports_read_periods_the_way_the_summary_does(world: World) -> None:
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, services.commune_id)
        assert commune is not None
        await load_plan(session, commune, read_plan_file(), year=2025)
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")

    said = await office.send("/xuat excel quý 3")
    assert said[0].method == "sendDocument", said
    said = await office.send("/xuat pctn q3")
    assert said[0].method == "sendDocument", said
    assert last_file_name(world) == "bao-cao-pctn-2026Q3.docx"
    said = await office.send("/xuat word 2025")
    assert said[0].method == "sendDocument", said
    assert last_file_name(world) == "bao-cao-ket-qua-965-2025.docx"


async def test_the_office_help_names_the_anticorruption_report_mute_and_the_plan_file(
    world: World,
) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")

    (help_message,) = await office.send("/help")

    assert "/xuat pctn" in help_message.text
    assert "/tamdung" in help_message.text
    assert "tệp kế hoạch" in help_message.text

    on_zalo = await world.zalo_member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    (zalo_help,) = await on_zalo.send("/help")
    assert "/xuat pctn" in zalo_help.text and "tệp kế hoạch" not in zalo_help.text


async def test_a_task_out_of_scope_points_to_the_members_own_tasks(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Nguyễn Văn An", "Ấp 1")

    said = await head.send("/baocao 5.1 50")

    assert "không thuộc phạm vi báo cáo" in said[0].text and "/nhiemvu" in said[0].text


async def test_a_summary_filter_not_understood_shows_how_filters_are_written(
    world: World,
) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")

    said = await office.send("/tonghop abc")

    assert len(said) == 1, said
    assert "Không tìm thấy đơn vị hoặc ấp này" in said[0].text
    assert "/tonghop q2" in said[0].text and "/tonghop ấp 3" in said[0].text


async def test_the_overall_percent_says_what_it_is(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")

    said = await office.send("/tonghop")

    text = "\n".join(m.text for m in said)
    assert "Hoàn thành chung" in text and "tiến độ trung bình" in text
