"""The office imports a plan naming new units, sees them proposed, confirms, then tidies the
list with /donvi: rename, another name, merge; typed too, and refused clearly.
"""

import io

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from sqlmodel import select

from bot.services import services_of
from models.db import transaction
from models.members import find_unit
from models.tables import AuditEntry, Commune, Member, Role, Unit
from tests.helpers import World

pytestmark = pytest.mark.e2e

HEADER = ("TT", "Nội dung", "Kết quả", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian")


def district_plan() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Kế hoạch"
    sheet.append(HEADER)
    sheet.append(("1", "Tham gia của người dân ở cấp cơ sở", "", "", "", ""))
    sheet.append(("", "Nhiệm vụ một", "Báo cáo", "Phòng Nội vụ", "Thôn Đông", "Năm 2026"))
    sheet.append(("", "Nhiệm vụ hai", "Báo cáo", "Phòng Văn hóa và Thông tin", "", "Năm 2026"))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def unit_names(world: World) -> set[str]:
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        return {u.name for u in await session.exec(select(Unit))}


async def test_new_units_are_proposed_then_created_when_confirmed(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    said = await office.send_document(district_plan(), "ke-hoach-huyen.xlsx")
    assert (
        "Đơn vị mới sẽ được tạo: Phòng Nội vụ (đơn vị), Thôn Đông (thôn/ấp), "
        "Phòng Văn hóa và Thông tin (đơn vị)." in said[0].text
    )
    assert "Phòng Nội vụ" not in await unit_names(world)
    said = await office.tap("✅ Nhập kế hoạch")
    assert said[0].text.startswith("✅ Đã nhập kế hoạch")
    assert {"Phòng Nội vụ", "Thôn Đông", "Phòng Văn hóa và Thông tin"} <= await unit_names(world)


async def test_the_office_renames_names_otherwise_and_merges_units(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    nurse = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")

    said = await office.send("/donvi")
    assert said[0].text.startswith("<b>Đơn vị (22):</b>\n1. Văn phòng UBND xã · 1 thành viên")
    assert "<b>Ấp (9):</b> Ấp 1, Ấp 2" in said[0].text and "/donvi gop" in said[0].text

    said = await office.send("/donvi doiten Trạm Y tế xã | Trạm Y tế phường")
    assert said[0].text == (
        "✅ Đã đổi tên «Trạm Y tế xã» thành «Trạm Y tế phường». Tệp kế hoạch ghi tên cũ vẫn "
        "được hiểu là đơn vị này."
    )
    said = await office.send("don vi ten khac Trạm Y tế phường | Y tế phường")
    assert said[0].text == "✅ «Y tế phường» nay là tên khác của «Trạm Y tế phường»."
    said = await office.send("đơn vị gộp y te phuong vào Văn phòng UBND xã")
    assert said[0].text.startswith(
        "✅ Đã gộp «Trạm Y tế phường» vào «Văn phòng UBND xã»: chuyển 1 thành viên,"
    )
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, services.commune_id)
        assert commune is not None
        office_unit = await find_unit(session, commune, "Trạm Y tế xã")
        assert office_unit.name == "Văn phòng UBND xã"
        moved = (await session.exec(select(Member).where(Member.name == "Lê Văn Cường"))).one()
        assert moved.unit_id == office_unit.id
        actions = list(await session.exec(select(AuditEntry.action)))
        assert {"unit.rename", "unit.alias", "unit.merge"} <= set(actions)
    assert nurse is not None


async def test_bad_unit_commands_get_a_clear_reply_and_change_nothing(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    before = await unit_names(world)
    replies = {
        "/donvi doiten Trạm Y tế xã": "Sửa danh sách đơn vị",
        "/donvi lung tung": "Sửa danh sách đơn vị",
        "/donvi doiten Trạm Ytế | Trạm mới": "Không tìm thấy đơn vị hoặc ấp «Trạm Ytế».",
        "/donvi doiten Trạm Y tế xã | Công an xã": "«Công an xã» đã là tên của «Công an xã»",
        "/donvi doiten Ấp 3 | Ấp Mỹ Thạnh": "config.toml",
        "/donvi gop Ấp 3 | Công an xã": "Không gộp được ấp với đơn vị",
        "/donvi gop Công an xã | Phòng Không Có": "Không tìm thấy đơn vị hoặc ấp «Phòng Không Có»",
        "/donvi gop Công an xã | công an xa": "cùng chỉ một đơn vị",
    }
    for command, reply in replies.items():
        said = await office.send(command)
        assert reply in said[0].text, (command, said[0].text)
    assert await unit_names(world) == before
    said = await officer.send("/donvi")
    assert "không dành cho vai trò" in said[0].text  # the office's only
    # "đơn vị" typed in a sentence is not the command.
    said = await office.send("đơn vị tôi đã xong")
    assert "Đơn vị (" not in said[0].text
