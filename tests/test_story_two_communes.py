"""Two communes in one deployment: one bot, one database. A member's commune comes from the
member; nobody sees, reports on, reviews or changes another commune's data, whatever ids
are forged in typed commands or tapped buttons; the scheduler serves every commune.
"""

import io
from dataclasses import dataclass
from typing import Any, TypeVar

import openpyxl
import pytest
from sqlmodel import col, select

from bot.phone import Phone
from bot.services import services_of
from models.db import is_sqlite, transaction
from models.exports import make_export
from models.plans import current_plan
from models.tables import Commune as CommuneRow
from models.tables import Invite, Member, Plan, Report, ReportDraft, Role, Task, Unit
from scheduler.runner import run_tick, scheduler_lock
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e
T = TypeVar("T")

# Hamlet names only commune B has: seeing one of them in A is a leak.
B_HAMLETS = ("Ấp Phú Hiệp", "Ấp Phú Thạnh")


@dataclass
class Commune:
    id: int
    officer: Phone
    office: Phone
    chairman: Phone


async def two_communes(
    world: World, b_timezone: str = "Asia/Ho_Chi_Minh"
) -> tuple[Commune, Commune]:
    """Mỹ Hòa Hưng (the bot's configured commune) and Phú Hòa, each with an officer of its
    health station, an office clerk and a chairman.
    """
    b_id = await world.add_commune("Phú Hòa", b_timezone, B_HAMLETS)
    services = services_of(world.app)
    assert services.commune_id is not None and services.commune_id != b_id
    a = Commune(
        services.commune_id,
        await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã"),
        await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã"),
        await world.member(Role.CHAIRMAN, "Nguyễn Văn An"),
    )
    b = Commune(
        b_id,
        await world.member(Role.OFFICER, "Phạm Thị Dung", "Trạm Y tế xã", b_id),
        await world.member(Role.OFFICE, "Võ Văn Em", "Văn phòng UBND xã", b_id),
        await world.member(Role.CHAIRMAN, "Huỳnh Văn Phúc", commune_id=b_id),
    )
    return a, b


async def rows(world: World, kind: type[T]) -> list[T]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(kind)))


async def report_of(world: World, commune_id: int) -> Report:
    [report] = [r for r in await rows(world, Report) if r.commune_id == commune_id]
    return report


async def id_in(world: World, kind: type[Member] | type[Unit], name: str, commune_id: int) -> int:
    found = [
        row for row in await rows(world, kind) if (row.name, row.commune_id) == (name, commune_id)
    ]
    [row] = found
    assert row.id is not None
    return row.id


async def b_task_id(world: World, b: Commune, code: str) -> int:
    async with transaction(services_of(world.app).sessions) as session:
        statement = (
            select(Task)
            .join(Plan, col(Plan.id) == col(Task.plan_id))
            .where(Task.code == code, Plan.commune_id == b.id)
        )
        task = (await session.exec(statement)).one()
        assert task.id is not None
        return task.id


def texts_of(said: list[Any]) -> str:
    return "\n".join(m.text for m in said)


async def test_members_of_two_communes_each_work_in_their_own_commune(world: World) -> None:
    a, b = await two_communes(world)
    said = await b.officer.send("/baocao 6.1 80 đã khám cho 120 trẻ ở Phú Hòa")
    assert "Đã lưu" in said[0].text
    said = await a.officer.send("/baocao 6.2 40")
    assert "Đã lưu" in said[0].text
    assert (await report_of(world, b.id)).percent == 80
    assert (await report_of(world, a.id)).percent == 40

    # The office reviews its own commune's reports only.
    a_card = texts_of(await a.office.send("/duyet"))
    assert "(1 báo cáo)" in a_card and "Lê Văn Cường" in a_card and "Phạm Thị Dung" not in a_card
    b_card = texts_of(await b.office.send("/duyet"))
    assert "(1 báo cáo)" in b_card and "Phạm Thị Dung" in b_card and "Lê Văn Cường" not in b_card
    said = await b.office.tap("✅ Chấp nhận")
    assert said[0].text == "Đã chấp nhận báo cáo 6.1 của Trạm Y tế xã."
    assert "chấp nhận báo cáo nhiệm vụ <b>6.1</b>" in texts_of(b.officer.inbox())
    assert a.officer.inbox() == []
    assert (await report_of(world, b.id)).review_status == "accepted"
    assert (await report_of(world, a.id)).review_status is None

    # Lists and views: only the member's own commune.
    a_members = texts_of(await a.office.send("/thanhvien"))
    assert "Trần Thị Bình" in a_members and "Võ Văn Em" not in a_members
    assert "Phạm Thị Dung" not in a_members and "Huỳnh Văn Phúc" not in a_members
    b_members = texts_of(await b.office.send("/thanhvien"))
    assert "Võ Văn Em" in b_members and "Trần Thị Bình" not in b_members
    for command in ("/chuabaocao", "/tonghop", "/trehan", "/nhiemvu"):
        a_view = texts_of(await a.chairman.send(command))
        assert not any(h in a_view for h in B_HAMLETS), (command, a_view)
        assert "Phú Hòa" not in a_view and "Phạm Thị Dung" not in a_view, (command, a_view)
    b_missing = texts_of(await b.chairman.send("/chuabaocao"))
    assert "Ấp Phú Hiệp" in b_missing and "Ấp 9" not in b_missing
    a_tasks = texts_of(await a.officer.send("/nhiemvu"))
    b_tasks = texts_of(await b.officer.send("/nhiemvu"))
    assert "80%" in b_tasks and "80%" not in a_tasks
    a_units = texts_of(await a.office.send("/donvi"))
    assert "Ấp 9" in a_units and not any(h in a_units for h in B_HAMLETS)
    b_units = texts_of(await b.office.send("/donvi"))
    assert "Ấp Phú Hiệp" in b_units and "Ấp 9" not in b_units


async def test_the_guided_report_and_the_office_invite_stay_in_the_members_commune(
    world: World,
) -> None:
    a, b = await two_communes(world)
    await b.officer.send("/baocao")
    await b.officer.send("6.1")
    for answer in ("3", "bỏ qua", "bỏ qua"):
        await b.officer.send(answer)
    said = await b.officer.send("lưu")
    assert "Đã lưu" in texts_of(said), said
    report = await report_of(world, b.id)
    assert report.status == "done"

    # B's office invites into B's hamlets; A's office cannot name them.
    said = await b.office.send("/moi trưởng ấp; Đặng Văn Giàu; Ấp Phú Hiệp")
    assert "Đặng Văn Giàu" in texts_of(said)
    giau = await id_in(world, Member, "Đặng Văn Giàu", b.id)
    assert giau
    said = await a.office.send("/moi trưởng ấp; Kẻ Lạ; Ấp Phú Thạnh")
    assert "Kẻ Lạ" not in [m.name for m in await rows(world, Member)]
    assert not any("đã tạo" in m.text.lower() for m in said), said


async def test_forged_ids_of_another_commune_are_refused_and_change_nothing(
    world: World,
) -> None:
    a, b = await two_communes(world)
    await b.officer.send("/baocao 6.1 80 đã khám cho 120 trẻ")
    b_report = await report_of(world, b.id)
    b_unit = await id_in(world, Unit, "Ấp Phú Hiệp", b.id)
    b_officer = await id_in(world, Member, "Phạm Thị Dung", b.id)
    b_station = await id_in(world, Unit, "Trạm Y tế xã", b.id)
    [b_invite] = [
        i for i in await rows(world, Invite) if i.member_id == b_officer and i.commune_id == b.id
    ]

    # The office of A taps B's report, B's units and members, B's relink request.
    for data, answer in [
        (f"rv:ok:{b_report.id}", "Báo cáo này đã được xem xét hoặc đã có bản mới hơn."),
        (f"rv:back:{b_report.id}", "Báo cáo này đã được xem xét hoặc đã có bản mới hơn."),
        (f"rv:px:{b_unit}:0", "Nút này không còn hiệu lực"),
        (f"rv:px:{b_station}:{b_officer}", "Nút này không còn hiệu lực"),
        (f"lk:ok:{b_invite.id}", "Không có yêu cầu số này đang chờ xác nhận."),
        (f"lk:no:{b_invite.id}", "Không có yêu cầu số này đang chờ xác nhận."),
    ]:
        said = await a.office.press(data)
        assert answer in texts_of(said), (data, said)
    for command in (f"/xacnhan {b_invite.id}", f"/tuchoi {b_invite.id}"):
        said = await a.office.send(command)
        assert "Không có yêu cầu số này" in texts_of(said), (command, said)
    said = await a.office.send("/baothay Phú Hiệp")
    assert "Không tìm thấy" in said[0].text
    said = await a.office.send("/baothay Phạm Thị Dung")
    assert "Không tìm thấy" in said[0].text
    said = await a.office.send("/donvi doiten Ấp Phú Hiệp | Ấp Lạ")
    assert "Ấp Lạ" not in texts_of(said) or "Đã đổi" not in texts_of(said)

    # The officer of A taps a button naming B's task.
    b_task = await b_task_id(world, b, "6.2")
    said = await a.officer.press(f"rp:start:{b_task}")
    # As a button naming no task: the officer's own task list, nothing of B's task.
    assert "Chọn nhiệm vụ" in said[0].text and "không thuộc" not in texts_of(said), said
    drafts = [d for d in await rows(world, ReportDraft) if d.task_id == b_task]
    assert drafts == []
    await a.officer.send("/huy")
    await a.officer.send("/baocao")
    said = await a.officer.press(f"rp:task:{b_task}")
    assert "Nút này không còn hiệu lực" in texts_of(said), said

    # Nothing of B changed.
    after = await report_of(world, b.id)
    assert (after.review_status, after.review_comment) == (None, None)
    assert [r.commune_id for r in await rows(world, Report)] == [b.id]
    units = {u.name for u in await rows(world, Unit) if u.commune_id == b.id}
    assert set(B_HAMLETS) <= units and "Ấp Lạ" not in units


async def test_each_commune_gets_its_own_reminders_in_its_own_time(world: World) -> None:
    # Phú Hòa keeps Tokyo time here (two hours ahead): its 08:00 comes first.
    world.clock.now = vn(2026, 9, 10, 9)
    a, b = await two_communes(world, b_timezone="Asia/Tokyo")
    await b.officer.send("/baocao 6.5 50")
    services = services_of(world.app)

    world.clock.now = vn(2026, 9, 23, 6, 30)  # 08:30 in Phú Hòa, 06:30 in Mỹ Hòa Hưng
    await run_tick(services, world.clock.now)
    [prompt] = b.officer.inbox()
    assert "Nhắc báo cáo Quý III/2026" in prompt.text
    assert a.officer.inbox() == []

    world.clock.now = vn(2026, 9, 23, 8, 30)
    await run_tick(services, world.clock.now)
    [prompt] = a.officer.inbox()
    assert "Nhắc báo cáo Quý III/2026" in prompt.text
    assert b.officer.inbox() == []  # B had its prompt already
    assert a.chairman.inbox() == [] and b.chairman.inbox() == []


def cells(content: bytes) -> str:
    """Every cell of a workbook, as one text."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


def last_file(world: World, phone: Phone) -> bytes:
    call = [c for c in world.api.calls if c.method == "sendDocument"][-1]
    assert int(call.params["chat_id"]) == phone.user_id
    [content] = call.files.values()
    return content


async def task_text(world: World, commune_id: int, code: str) -> str:
    async with transaction(services_of(world.app).sessions) as session:
        statement = (
            select(Task)
            .join(Plan, col(Plan.id) == col(Task.plan_id))
            .where(Task.code == code, Plan.commune_id == commune_id)
        )
        return (await session.exec(statement)).one().text


async def test_exports_plan_files_and_prompts_on_demand_stay_in_the_commune(
    world: World,
) -> None:
    a, b = await two_communes(world)
    await b.officer.send("/baocao 6.1 80 ghi chú riêng của Phú Hòa")
    await a.officer.send("/baocao 6.2 40 ghi chú riêng của Mỹ Hòa Hưng")

    await a.office.send("/xuat excel")
    a_cells = cells(last_file(world, a.office))
    assert "ghi chú riêng của Mỹ Hòa Hưng" in a_cells
    assert "Phú Hòa" not in a_cells and "Phạm Thị Dung" not in a_cells
    await b.office.send("/xuat excel")
    b_cells = cells(last_file(world, b.office))
    assert "ghi chú riêng của Phú Hòa" in b_cells and "Mỹ Hòa Hưng" not in b_cells

    # B's office sends B's plan with task 6.1 reworded: B's plan changes, A's does not;
    # A's office tapping B's confirm button imports nothing.
    async with transaction(services_of(world.app).sessions) as session:
        commune = await session.get(CommuneRow, b.id)
        assert commune is not None
        plan = await current_plan(session, commune, 2026)
        made = await make_export(session, commune, plan, kind="xlsx", now=world.clock())
    workbook = openpyxl.load_workbook(io.BytesIO(made.content))
    for row in workbook["Kế hoạch"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("Nâng cao chất lượng"):
                cell.value = "Khám bệnh miễn phí cho trẻ em Phú Hòa."
    out = io.BytesIO()
    workbook.save(out)
    a_before = await task_text(world, a.id, "6.1")
    said = await b.office.send_document(out.getvalue(), "ke-hoach-2026.xlsx")
    assert "<b>6.1</b>: sửa nội dung" in said[0].text
    [confirm] = [data for row in said[-1].buttons for label, data in row if "Nhập" in label]
    said = await a.office.press(confirm)
    assert "Không còn tệp kế hoạch nào đang chờ nhập" in texts_of(said)
    assert await task_text(world, b.id, "6.1") != "Khám bệnh miễn phí cho trẻ em Phú Hòa."
    said = await b.office.tap("✅ Nhập kế hoạch")
    assert said[0].text.startswith("✅ Đã nhập kế hoạch năm 2026")
    assert await task_text(world, b.id, "6.1") == "Khám bệnh miễn phí cho trẻ em Phú Hòa."
    assert await task_text(world, a.id, "6.1") == a_before

    # /nhacnho in B prompts B's members, now, and nobody in A.
    said = await b.office.send("/nhacnho")
    assert "Đã gửi" in texts_of(said), said
    assert "Văn phòng UBND xã nhắc báo cáo" in texts_of(b.officer.inbox())
    assert a.officer.inbox() == [] and a.office.inbox() == []


async def test_the_config_hamlets_bind_only_the_configured_commune(world: World) -> None:
    # The [commune] hamlets of the config rename the configured commune's hamlets at every
    # start, so there they cannot be renamed in chat; another commune's hamlets can.
    a, b = await two_communes(world)
    said = await b.office.send("/donvi doiten Ấp Phú Hiệp | Ấp Phú Hiệp A")
    assert "Ấp Phú Hiệp A" in said[0].text and "cấu hình" not in said[0].text, said
    said = await a.office.send("/donvi doiten Ấp 1 | Ấp Mới")
    units = {u.name for u in await rows(world, Unit) if u.commune_id == a.id}
    assert "Ấp Mới" not in units and "Ấp 1" in units


async def test_a_commune_another_instance_is_ticking_is_left_to_it(world: World) -> None:
    services = services_of(world.app)
    if is_sqlite(str(services.engine.url)):
        pytest.skip("advisory locks are PostgreSQL's (SQLite is one process)")
    world.clock.now = vn(2026, 9, 10, 9)
    a, b = await two_communes(world)
    world.clock.now = vn(2026, 9, 23, 8, 30)
    # Another instance holds commune A's lock: this one serves B and leaves A alone.
    async with scheduler_lock(services.engine, a.id) as held:
        assert held
        result = await run_tick(services, world.clock.now)
    assert not result.skipped
    assert "Nhắc báo cáo Quý III/2026" in texts_of(b.officer.inbox())
    assert a.officer.inbox() == []
    await run_tick(services, world.clock.now)  # A's lock is free again
    assert "Nhắc báo cáo Quý III/2026" in texts_of(a.officer.inbox())
    assert b.officer.inbox() == []
