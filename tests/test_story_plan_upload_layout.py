"""An office whose plan is not laid out like the seed's appendix: a plan written as prose
is told so and gets the empty plan to fill (/xuat mau), which imports back; a plan with a
closing section and a heading naming no PAPI area shows, before it is imported, which rows
it leaves out.
"""

import io

import docx
import openpyxl
import pytest

from bot.services import services_of
from models.db import transaction
from models.plans import current_plan, task_by_code
from models.tables import Commune, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


def sent_file(world: World, chat_id: int) -> tuple[str, bytes]:
    call = [c for c in world.api.calls if c.method == "sendDocument"][-1]
    assert int(call.params["chat_id"]) == chat_id
    [(name, content)] = call.files.items()
    return name, content


def prose_plan() -> bytes:
    document = docx.Document()
    for text in (
        "KẾ HOẠCH",
        "Nâng cao chỉ số PAPI năm 2026",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Nâng cao nhận thức của cán bộ, công chức về PAPI.",
        "II. NHIỆM VỤ, GIẢI PHÁP",
        "1. Công khai, minh bạch: niêm yết dự toán ngân sách tại trụ sở.",
        "2. Thủ tục hành chính công: giải quyết hồ sơ đúng hạn.",
    ):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def task_texts(world: World) -> dict[str, tuple[str, str]]:
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, services.commune_id)
        assert commune is not None
        plan = await current_plan(session, commune, 2026)
        found = {}
        for code in ("1.1", "5.1"):
            task = await task_by_code(session, plan, code)
            if task is not None:
                found[code] = (task.text, task.target)
        return found


async def test_a_prose_plan_is_told_so_and_the_template_imports_back(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")

    said = await office.send_document(prose_plan(), "ke-hoach-papi.docx")
    assert "là kế hoạch viết dạng văn bản, chưa có bảng nhiệm vụ" in said[0].text
    assert "không tìm thấy dòng tiêu đề" not in said[0].text
    assert "/xuat mau" in said[1].text and not said[1].buttons

    said = await office.send("/xuat mau")
    assert said[0].method == "sendDocument" and "Bảng kế hoạch trống" in said[0].text
    name, content = sent_file(world, office.user_id)
    assert name == "mau-ke-hoach.xlsx"
    assert "không dành cho vai trò" in (await officer.send("/xuat mau"))[0].text

    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["Kế hoạch"]
    sheet.insert_rows(7)  # under area 5
    for column, value in enumerate(
        ["", "Giải quyết hồ sơ đúng hạn", "100% hồ sơ", "", "Văn phòng UBND xã", "", "Hằng quý"],
        start=1,
    ):
        sheet.cell(7, column).value = value or None
    sheet.insert_rows(3)  # under area 1
    for column, value in enumerate(
        ["", "Họp dân bàn việc ấp", "", "", "Văn phòng UBND xã", "09 ấp", "Quý I/2026"],
        start=1,
    ):
        sheet.cell(3, column).value = value or None

    said = await office.send_document(saved(book), "mau-da-dien.xlsx")
    assert "2 nhiệm vụ trong 2 lĩnh vực" in said[0].text
    assert not any("Cần xem lại" in message.text for message in said)
    said = await office.tap("✅ Nhập kế hoạch")
    assert said[0].text.startswith("✅ Đã nhập kế hoạch năm 2026")
    assert await task_texts(world) == {
        "1.1": ("Họp dân bàn việc ấp", ""),
        "5.1": ("Giải quyết hồ sơ đúng hạn", "100% hồ sơ"),
    }


async def test_the_dry_run_names_the_rows_it_leaves_out(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ("STT", "Nội dung công việc", "Đơn vị thực hiện", "Thời gian"),
        ("A", "CHỈ SỐ PAPI", None, None),
        ("I", "Thủ tục hành chính công", None, None),
        (1, "Giải quyết hồ sơ đúng hạn", "Văn phòng UBND xã", "Hằng quý"),
        ("B", "CHỈ SỐ PAR INDEX", None, None),
        ("I", "Cải cách thể chế", None, None),
        (1, "Rà soát văn bản", "Công chức Tư pháp xã", "Năm 2026"),
        ("C", "Tổ chức thực hiện", None, None),
        (1, "Báo cáo kết quả", "Văn phòng UBND xã", "Hằng quý"),
    ):
        sheet.append(list(row))
    said = await office.send_document(saved(book), "ke-hoach-ab.xlsx")
    assert "1 nhiệm vụ trong 1 lĩnh vực" in said[0].text
    notes = next(message.text for message in said if "Cần xem lại" in message.text)
    lines = notes.splitlines()[1:]
    assert lines == [
        "• Đề mục «I Cải cách thể chế» không ứng với lĩnh vực PAPI nào, bỏ qua: "
        "Trang tính «Sheet», dòng 7. Muốn nhập, hãy đặt tên đề mục theo lĩnh vực.",
        "• Bỏ qua phần «C Tổ chức thực hiện» (không phải lĩnh vực PAPI): "
        "Trang tính «Sheet», dòng 9.",
    ]
    assert "Hoặc gõ: 1 (nhập) · hủy." in said[-1].text


async def test_many_notes_are_cut_short_in_chat(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"])
    sheet.append([1, "Quản trị điện tử", None, None])
    sheet.append([None, "Cập nhật cổng thông tin", "Văn phòng UBND xã", "Hằng tháng"])
    for number in range(9, 19):
        sheet.append([number, f"Nhóm việc số {number}", None, None])
        sheet.append([None, "Việc khác", "Văn phòng UBND xã", "Năm 2026"])
    said = await office.send_document(saved(book), "nhieu.xlsx")
    notes = next(message.text for message in said if "Cần xem lại" in message.text)
    lines = notes.splitlines()[1:]
    assert len(lines) == 9 and lines[0].startswith("• Đề mục «9 Nhóm việc số 9»")
    assert lines[-1] == "… và 2 điều khác: xem bằng lệnh hamlet-bot plan import --dry-run."


async def test_the_dry_run_shows_each_tasks_deadline_and_marks_the_guesses(
    world: World,
) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ("TT", "Nội dung", "Cơ quan chủ trì", "Thời gian hoàn thành"),
        ("I", "Thủ tục hành chính công", None, None),
        (1, "Niêm yết thủ tục mới", "Văn phòng UBND xã", "Quý I/2026"),
        (2, "Giải quyết hồ sơ đúng hạn", "Văn phòng UBND xã", "Hằng tháng"),
        (3, "Rà soát quy trình nội bộ", "Văn phòng UBND xã", "Trước ngày 31/3/2026"),
        (4, "Khảo sát sự hài lòng", "Văn phòng UBND xã", "Khi có yêu cầu"),
    ):
        sheet.append(list(row))
    said = await office.send_document(saved(book), "ke-hoach-thoi-han.xlsx")
    areas = next(m.text for m in said if m.text.startswith("📂 Nhiệm vụ theo lĩnh vực PAPI:"))
    assert areas.splitlines()[1:] == ["5 · Thủ tục hành chính công: 4 nhiệm vụ (5.1–5.4)"]
    deadlines = next(m.text for m in said if m.text.startswith("🗓 Thời hạn từng nhiệm vụ:"))
    assert deadlines.splitlines()[1:] == [
        "Trước 31/03/2026: 5.1, 5.3",
        "Hằng tháng: 5.2",
        "5.4 · (đoán) Cuối năm 20/12/2026 ← «Khi có yêu cầu»",
        "⚠️ 1 nhiệm vụ ghi «(đoán)»: chưa đọc được thời hạn, tạm tính đến hạn báo cáo cuối "
        "năm. Anh/chị sửa cột thời gian trong tệp nếu cần.",
    ]
    assert "Hoặc gõ: 1 (nhập) · hủy." in said[-1].text  # the choice still comes last
