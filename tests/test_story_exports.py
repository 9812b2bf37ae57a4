"""Exports from chat: the office downloads the workbook and the Word reports."""

import io

import openpyxl
import pytest
from docx import Document

from models.tables import Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


def sent_file(world: World, chat_id: int) -> tuple[str, bytes]:
    call = [c for c in world.api.calls if c.method == "sendDocument"][-1]
    assert int(call.params["chat_id"]) == chat_id
    [(name, content)] = call.files.items()
    return name, content


async def test_the_office_downloads_excel_word_and_the_anticorruption_report(
    world: World,
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.1 100 đã khám miễn phí cho 120 trẻ")

    said = await office.send("/xuat")
    assert said[0].method == "sendDocument" and "Excel" in said[0].text
    name, content = sent_file(world, office.user_id)
    assert name == "ke-hoach-965-2026.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert {"Tổng hợp", "Nhiệm vụ", "Kế hoạch"} <= set(workbook.sheetnames)

    said = await office.send("/xuat word")
    name, content = sent_file(world, office.user_id)
    assert name == "bao-cao-ket-qua-965-2026.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "đã khám miễn phí cho 120 trẻ" in text

    await office.send("/xuat tham nhũng 2026Q4")
    name, _ = sent_file(world, office.user_id)
    assert name == "bao-cao-pctn-2026Q4.docx"

    said = await office.send("/xuat pdf")
    assert "Tải báo cáo" in said[0].text
    said = await office.send("/xuat excel 2026Q7")
    assert said[0].text == "Quý «2026Q7» không đúng. Viết quý như 2026Q4."
    assert "không dành cho vai trò" in (await officer.send("/xuat"))[0].text


async def test_the_office_prints_files_that_read_right(world: World) -> None:
    """Issue 10: a hamlet that reported part of its tasks is "chưa báo cáo đủ", its report
    waits for review, and the Word report is signed by the chairman over the plan's date.
    """
    await world.member(Role.CHAIRMAN, "Võ Văn Chủ")
    hamlet = await world.member(Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 1")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await hamlet.send("/baocao 4.1 100 đã họp dân công khai tài chính ấp")

    await office.send("/xuat")
    _, content = sent_file(world, office.user_id)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    notes = [str(r[0]) for r in workbook["Tổng hợp"].iter_rows(values_only=True) if r[0]]
    assert any("chưa báo cáo đủ" in n and "Ấp 1 (1/" in n for n in notes), notes
    history = workbook["Lịch sử báo cáo"]
    titles = [c.value for c in history[1]]
    [row] = list(history.iter_rows(min_row=2, values_only=True))
    assert row[titles.index("Duyệt")] == "Chờ duyệt"

    await office.send("/xuat word")
    _, content = sent_file(world, office.user_id)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "Thực hiện Kế hoạch số 965/KH-UBND ngày 30/6/2023" in text
    signature = Document(io.BytesIO(content)).tables[-1].cell(0, 1).text
    assert "Võ Văn Chủ" in signature
