"""The office sends the plan's Excel or Word file in chat, sees the dry run, confirms."""

import io

import openpyxl
import pytest
from docx import Document
from sqlmodel import func, select

from bot.services import services_of
from models.db import transaction
from models.exports import make_export
from models.plans import current_plan, task_by_code
from models.tables import Commune, Report, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


async def plan_workbook(world: World, new_text: str) -> bytes:
    """The bot's own export, with task 6.1's text edited in the "Kế hoạch" sheet."""
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, services.commune_id)
        assert commune is not None
        plan = await current_plan(session, commune, 2026)
        made = await make_export(session, commune, plan, kind="xlsx", now=world.clock())
    workbook = openpyxl.load_workbook(io.BytesIO(made.content))
    sheet = workbook["Kế hoạch"]
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(
                "Nâng cao chất lượng dịch vụ"
            ):
                cell.value = new_text
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def task_text(world: World, code: str) -> tuple[int, str]:
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, services.commune_id)
        assert commune is not None
        task = await task_by_code(session, await current_plan(session, commune, 2026), code)
        assert task is not None and task.id is not None
        return task.id, task.text


async def test_the_office_imports_an_edited_plan_and_no_report_is_lost(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.1 50 đã khám cho 60 trẻ")
    task_id, _ = await task_text(world, "6.1")

    content = await plan_workbook(world, "Khám chữa bệnh miễn phí cho trẻ em dưới 6 tuổi.")
    said = await office.send_document(content, "ke-hoach-2026.xlsx")
    assert "<b>Kế hoạch năm 2026</b> từ tệp ke-hoach-2026.xlsx: 46 nhiệm vụ" in said[0].text
    assert "Sửa: 1" in said[0].text and "<b>6.1</b>: sửa nội dung (giữ 1 báo cáo)" in said[0].text
    assert (await task_text(world, "6.1"))[1].startswith("Nâng cao")  # a dry run only
    said = await office.tap("✅ Nhập kế hoạch")
    assert said[0].text.startswith("✅ Đã nhập kế hoạch năm 2026: thêm 0, sửa 1, bỏ 0.")
    assert await task_text(world, "6.1") == (
        task_id,
        "Khám chữa bệnh miễn phí cho trẻ em dưới 6 tuổi.",
    )
    async with transaction(services_of(world.app).sessions) as session:
        assert (await session.exec(select(func.count()).select_from(Report))).one() == 1

    said = await office.tap("✅ Nhập kế hoạch")  # the old button again
    assert "Không còn tệp kế hoạch nào đang chờ nhập" in said[-1].text


async def test_bad_plan_files_get_a_clear_message_and_change_nothing(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    _, before = await task_text(world, "6.1")

    said = await office.send_document(b"", "ke-hoach.docx")
    assert said[0].text == "Tệp «ke-hoach.docx» rỗng (0 byte)."
    said = await office.send_document(b"x" * 100, "ke-hoach.docx", size=50 * 1024 * 1024)
    assert "quá lớn" in said[0].text or "lớn quá" in said[0].text
    no_table = io.BytesIO()
    Document().save(no_table)
    said = await office.send_document(no_table.getvalue(), "ke-hoach.docx")
    assert "bảng" in said[0].text
    wrong = openpyxl.Workbook()
    wrong.active.append(["TT", "Nội dung", "Ghi chú"])
    buffer = io.BytesIO()
    wrong.save(buffer)
    said = await office.send_document(buffer.getvalue(), "ke-hoach.xlsx")
    assert "thiếu cột" in said[0].text
    assert all(not m.buttons for m in office.inbox())
    assert (await task_text(world, "6.1"))[1] == before


async def test_the_office_confirms_or_cancels_a_plan_file_by_typing(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    content = await plan_workbook(world, "Khám chữa bệnh miễn phí cho trẻ em dưới 6 tuổi.")
    said = await office.send_document(content, "ke-hoach-2026.xlsx")
    assert "Hoặc gõ: 1 (nhập) · hủy." in said[-1].text
    said = await office.send("huy")
    assert "Đã hủy" in said[0].text or "hủy" in said[0].text.lower()
    assert (await task_text(world, "6.1"))[1].startswith("Nâng cao")
    await office.send_document(content, "ke-hoach-2026.xlsx")
    said = await office.send("nhap")
    assert said[0].text.startswith("✅ Đã nhập kế hoạch năm 2026: thêm 0, sửa 1, bỏ 0.")
    assert (await task_text(world, "6.1"))[1].startswith("Khám chữa bệnh miễn phí")
