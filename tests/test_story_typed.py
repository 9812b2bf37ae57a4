"""Reporting by typing only (no buttons): the guided flow in words and numbers, the one-line
form, versions, a restart in the middle of a report, NFD input, and cancelling."""

import unicodedata

import pytest
from sqlmodel import col, select

from bot.app import build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.phone import Phone
from bot.services import services_of
from bot.settings import Settings
from models.db import transaction
from models.tables import Report, Role, Task
from tests.helpers import World, all_reports, draft_of

pytestmark = pytest.mark.e2e

HEALTH = "Trạm Y tế xã"


# --- What the database holds ----------------------------------------------------------------


async def reports_on(world: World, code: str) -> list[Report]:
    """Every report on the task with this code, oldest version first."""
    async with transaction(services_of(world.app).sessions) as session:
        statement = (
            select(Report)
            .join(Task, col(Task.id) == col(Report.task_id))
            .where(Task.code == code)
            .order_by(col(Report.version))
        )
        return list(await session.exec(statement))


# --- The guided flow, typed -----------------------------------------------------------------


async def test_a_whole_report_by_typing_words_and_numbers(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send("bao cao")
    assert "Chọn nhiệm vụ" in said[0].text and "<b>6.1</b>" in said[0].text
    draft = await draft_of(world, officer)
    assert draft is not None and draft.step == "task"

    said = await officer.send("6.1")
    assert "Nhiệm vụ <b>6.1</b>" in said[0].text and "Tình trạng hiện nay" in said[0].text
    # The options in the order a typist numbers them (Zalo shows the numbers).
    assert said[0].button_labels[1] == "Đang thực hiện"

    said = await officer.send("2")
    assert "bao nhiêu phần trăm" in said[0].text

    said = await officer.send("50")
    assert "ghi chú" in said[0].text

    said = await officer.send("Đã khám cho 80 trẻ dưới 6 tuổi")
    assert "minh chứng" in said[0].text

    said = await officer.send("bo qua")
    assert "Kiểm tra lại báo cáo" in said[0].text
    confirm = said[0].text
    assert "<b>6.1</b>" in confirm and "Đang thực hiện — 50%" in confirm
    assert "Đã khám cho 80 trẻ dưới 6 tuổi" in confirm and "Minh chứng: (không có)" in confirm
    assert await reports_on(world, "6.1") == []  # nothing saved before "lưu"

    said = await officer.send("luu")
    assert "Đã lưu báo cáo nhiệm vụ <b>6.1</b> (lần 1)" in said[0].text

    (report,) = await reports_on(world, "6.1")
    assert (report.status, report.percent, report.version) == ("in_progress", 50, 1)
    assert report.note == "Đã khám cho 80 trẻ dưới 6 tuổi"
    assert report.evidence_kind is None
    assert await draft_of(world, officer) is None

    said = await officer.send("nhiem vu")
    assert "🔄 <b>6.1</b>" in said[0].text and "50%" in said[0].text


async def test_typed_answers_accept_other_spellings(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send("BÁO CÁO")
    assert "Chọn nhiệm vụ" in said[0].text
    said = await officer.send(" 6 , 2 ")
    assert "Nhiệm vụ <b>6.2</b>" in said[0].text
    said = await officer.send("đang làm")
    assert "bao nhiêu phần trăm" in said[0].text
    said = await officer.send("40%")
    assert "ghi chú" in said[0].text
    said = await officer.send("Bỏ qua")
    assert "minh chứng" in said[0].text
    said = await officer.send("không")
    assert "Kiểm tra lại báo cáo" in said[0].text and "Ghi chú: (không có)" in said[0].text
    said = await officer.send("Lưu")
    assert "Đã lưu báo cáo nhiệm vụ <b>6.2</b> (lần 1)" in said[0].text

    (report,) = await reports_on(world, "6.2")
    assert (report.status, report.percent, report.note) == ("in_progress", 40, "")


# --- The one-line form ----------------------------------------------------------------------


async def test_one_line_report_with_percent_and_note(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send("/baocao 6.1 75 đã khám cho 120 trẻ")
    assert len(said) == 1, said
    assert "Đã lưu: nhiệm vụ <b>6.1</b> — Đang thực hiện, 75% (lần 1)" in said[0].text

    (report,) = await reports_on(world, "6.1")
    assert (report.status, report.percent) == ("in_progress", 75)
    assert report.note == "đã khám cho 120 trẻ"
    assert await draft_of(world, officer) is None


async def test_one_line_report_of_100_is_done(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send("/baocao 6.1 100")
    assert "Đã lưu: nhiệm vụ <b>6.1</b> — Hoàn thành, 100% (lần 1)" in said[0].text

    (report,) = await reports_on(world, "6.1")
    assert (report.status, report.percent, report.note) == ("done", 100, "")


async def test_one_line_report_of_a_difficulty(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send("/baocao 6.1 khó khăn thiếu thuốc")
    assert "Đã lưu: nhiệm vụ <b>6.1</b> — Gặp khó khăn" in said[0].text

    (report,) = await reports_on(world, "6.1")
    assert report.status == "blocked"
    assert report.note == "thiếu thuốc"

    # Without diacritics, too; and a difficulty without a note is refused.
    said = await officer.send("/baocao 6.2 kho khan")
    assert "cần ghi rõ vướng mắc" in said[0].text
    assert await reports_on(world, "6.2") == []
    said = await officer.send("/baocao 6.2 kho khan chua co may tinh")
    assert "Gặp khó khăn" in said[0].text
    (report,) = await reports_on(world, "6.2")
    assert (report.status, report.note) == ("blocked", "chua co may tinh")


async def test_a_second_report_is_version_2_and_keeps_version_1(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send("/baocao 6.1 40 đợt 1")
    assert "(lần 1)" in said[0].text
    world.clock.advance(days=2)
    said = await officer.send("/baocao 6.1 90 đợt 2")
    assert "Đang thực hiện, 90% (lần 2)" in said[0].text

    first, second = await reports_on(world, "6.1")
    assert (first.version, first.percent, first.note) == (1, 40, "đợt 1")
    assert (second.version, second.percent, second.note) == (2, 90, "đợt 2")
    assert first.unit_id == second.unit_id and first.id != second.id

    # The guided flow continues the same history.
    await officer.send("bao cao")
    await officer.send("6.1")
    await officer.send("3")  # done: no percent asked
    await officer.send("bo qua")
    await officer.send("bo qua")
    said = await officer.send("luu")
    assert "(lần 3)" in said[0].text
    versions = [(r.version, r.status, r.percent) for r in await reports_on(world, "6.1")]
    assert versions == [(1, "in_progress", 40), (2, "in_progress", 90), (3, "done", 100)]

    said = await officer.send("/nhiemvu")
    assert "✅ <b>6.1</b>" in said[0].text and "100%" in said[0].text


# --- A restart in the middle of a report ----------------------------------------------------


async def test_a_report_survives_a_restart_of_the_bot(world: World, settings: Settings) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    await officer.send("bao cao")
    await officer.send("6.1")
    said = await officer.send("2")
    assert "bao nhiêu phần trăm" in said[0].text

    await stop_application(world.app)
    api = OfflineBotAPI()
    app = build_application(settings, request=api, clock=world.clock)
    await start_application(app)
    try:
        again = World(app, api, world.clock)
        phone = Phone(app, api, officer.user_id, officer.first_name)

        said = await phone.send("50")
        assert "ghi chú" in said[0].text, said
        said = await phone.send("Đã khám sau khi khởi động lại")
        assert "minh chứng" in said[0].text
        said = await phone.send("bo qua")
        assert "Kiểm tra lại báo cáo" in said[0].text and "Đang thực hiện — 50%" in said[0].text
        said = await phone.send("luu")
        assert "Đã lưu báo cáo nhiệm vụ <b>6.1</b> (lần 1)" in said[0].text

        (report,) = await reports_on(again, "6.1")
        assert (report.status, report.percent) == ("in_progress", 50)
        assert report.note == "Đã khám sau khi khởi động lại"
        assert await draft_of(again, phone) is None
        # The new process did not load the plan a second time.
        async with transaction(services_of(app).sessions) as session:
            codes = [t.code for t in await session.exec(select(Task).where(Task.code == "6.1"))]
        assert codes == ["6.1"]
    finally:
        await stop_application(app)


# --- NFD input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "status", "next_prompt"),
    [
        ("Hoàn thành", "done", "ghi chú"),
        ("Đang thực hiện", "in_progress", "bao nhiêu phần trăm"),
        ("Gặp khó khăn", "blocked", "bao nhiêu phần trăm"),
        ("Chưa thực hiện", "not_started", "ghi chú"),
    ],
)
async def test_a_status_typed_in_nfd_is_understood(
    world: World, typed: str, status: str, next_prompt: str
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    await officer.send(unicodedata.normalize("NFD", "báo cáo"))
    await officer.send("6.1")

    nfd = unicodedata.normalize("NFD", typed)
    assert nfd != typed
    said = await officer.send(nfd)
    assert next_prompt in said[0].text, said
    draft = await draft_of(world, officer)
    assert draft is not None and draft.status == status
    if status == "done":
        assert (draft.step, draft.percent) == ("note", 100)


async def test_nfd_note_and_confirm_words_work(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    await officer.send("bao cao")
    await officer.send("6.1")
    await officer.send(unicodedata.normalize("NFD", "Hoàn thành"))
    note = unicodedata.normalize("NFD", "Đã hoàn thành khám")
    await officer.send(note)
    await officer.send(unicodedata.normalize("NFD", "bỏ qua"))
    said = await officer.send(unicodedata.normalize("NFD", "Lưu"))
    assert "Đã lưu báo cáo nhiệm vụ <b>6.1</b>" in said[0].text
    (report,) = await reports_on(world, "6.1")
    assert (report.status, report.percent) == ("done", 100)
    # The note is kept; compare in one normal form.
    assert unicodedata.normalize("NFC", report.note) == "Đã hoàn thành khám"


# --- Cancelling -----------------------------------------------------------------------------


@pytest.mark.parametrize("cancel", ["/huy", "huy", "Hủy", "/cancel"])
async def test_cancelling_mid_flow_saves_nothing(world: World, cancel: str) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    await officer.send("bao cao")
    await officer.send("6.1")
    await officer.send("2")
    await officer.send("60")
    said = await officer.send("Ghi chú sẽ bị hủy")
    assert "minh chứng" in said[0].text

    said = await officer.send(cancel)
    assert len(said) == 1, said
    assert "Đã hủy. Chưa có gì được lưu." in said[0].text
    assert await draft_of(world, officer) is None
    assert await all_reports(world) == []

    # Typing on does not revive it; a second cancel has nothing to cancel.
    said = await officer.send("bo qua")
    assert "chưa hiểu" in said[0].text
    said = await officer.send("/huy")
    assert "Không có việc gì đang làm dở" in said[0].text
    said = await officer.send("luu")
    assert "Đã lưu" not in said[0].text
    assert await all_reports(world) == []

    said = await officer.send("/nhiemvu")
    assert "▫️ <b>6.1</b>" in said[0].text


async def test_cancelling_at_the_confirm_step_by_typing_saves_nothing(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    for answer in ("bao cao", "6.1", "3", "xong roi", "bo qua"):
        said = await officer.send(answer)
    assert "Kiểm tra lại báo cáo" in said[0].text

    said = await officer.send("hủy")
    assert "Đã hủy" in said[0].text
    assert await all_reports(world) == []
    assert await draft_of(world, officer) is None
