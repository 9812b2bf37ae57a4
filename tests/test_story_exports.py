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
