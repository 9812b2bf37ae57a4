"""Plans laid out as offices publish them: other column names and header rows, numbering of
any depth, parts A and B, closing sections, areas named but not numbered as PAPI numbers
them, and plans written as prose.

The tables are small and built here; the published plans themselves are in
tests/test_published_plans.py.
"""

import io
from collections.abc import Sequence
from datetime import date

import docx
import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest

from models.plan_file import PlanImportError
from models.plan_headers import column_of, find_header
from models.plan_import import (
    ImportCatalogue,
    ImportReading,
    catalogue_for,
    read_plan_import,
)
from models.plan_numbering import Heading, cell_label, inline_label, papi_area, place_tasks
from models.plan_reading import reading_lines
from models.tables import Timeframe

Cells = Sequence[str | int | date | None]


@pytest.fixture(scope="module")
def catalogue() -> ImportCatalogue:
    return catalogue_for()


def xlsx(rows: Sequence[Cells], merges: Sequence[str] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append(list(row))
    for cells in merges:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def word(rows: Sequence[Cells], paragraphs: Sequence[str] = ()) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=0, cols=max(len(row) for row in rows))
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=False):
                cell.text = "" if value is None else str(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def read(content: bytes, name: str, catalogue: ImportCatalogue) -> ImportReading:
    return read_plan_import(content, name, catalogue, commune="Mỹ Hòa Hưng", year=2024)


def codes(reading: ImportReading) -> dict[str, str]:
    return {task.code: task.text for task in reading.spec.tasks}


# -- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Nội dung", "task"),
        ("NỘI DUNG CÔNG VIỆC", "task"),
        ("Nhiệm vụ", "task"),
        ("noi dung nhiem vu", "task"),
        ("Công việc", "task"),
        ("Tên công việc", "task"),
        ("Nội dung công việc/nhiệm vụ", "task"),
        ("Chỉ tiêu", "target"),
        ("Chỉ tiêu năm 2024", "target"),
        ("Mục tiêu", "target"),
        ("Kết quả", "result"),
        ("Sản phẩm", "result"),
        ("Kết quả đầu ra", "result"),
        ("Cơ quan chủ trì", "lead"),
        ("Đơn vị chủ trì", "lead"),
        ("đơn vị thực hiện", "lead"),
        ("Cơ quan thực hiện", "lead"),
        ("Chủ trì", "lead"),
        ("Đơn vị phụ trách", "lead"),
        ("Lãnh đạo phụ trách", None),
        ("Phối hợp", "coordinating"),
        ("Đơn vị phối hợp", "coordinating"),
        ("Cơ quan phối hợp", "coordinating"),
        ("Thời gian", "timeframe"),
        ("Thời gian thực hiện", "timeframe"),
        ("Thời gian hoàn thành", "timeframe"),
        ("Thời hạn", "timeframe"),
        ("Tiến độ", "timeframe"),
        ("TT", "tt"),
        ("STT", "tt"),
        ("Số TT", "tt"),
        ("TT (1)", "tt"),
        ("Nội dung (2)", "task"),
        ("Ghi chú", None),
        ("Kinh phí", None),
        ("Tổ chức thực hiện công khai kết quả và nội dung nhiệm vụ năm 2024 tại xã", None),
    ],
)
def test_header_names_are_matched_loosely(header: str, column: str | None) -> None:
    assert column_of(header) == column


def test_a_plan_with_a_targets_column_and_no_result_column_reads(
    catalogue: ImportCatalogue,
) -> None:
    content = xlsx(
        [
            ("KẾ HOẠCH", None),
            ("stt", "Nội dung công việc", "Chỉ tiêu năm 2024", "Đơn vị thực hiện", "Thời gian"),
            # An area's own target does not make its row a task.
            ("I", "Công khai, minh bạch", "Tăng 0,2 điểm", None, None),
            (1, "Niêm yết công khai dự toán ngân sách", "100% ấp", "Văn phòng UBND xã", "Quý I"),
            (2, "Công khai thủ tục", None, "Văn phòng UBND xã; Trạm Y tế xã", None),
            (3, "Báo cáo", None, "Văn phòng UBND xã", date(2024, 6, 30)),
        ]
    )
    reading = read(content, "chi-tieu.xlsx", catalogue)
    first, second, third = reading.spec.tasks
    assert third.timeframe_text == "30/06/2024"  # a date cell, as the office typed it
    assert (first.code, first.target, first.result) == ("2.1", "100% ấp", "")
    # A single "Đơn vị thực hiện" column: every unit named leads.
    assert second.lead_units == ("Văn phòng UBND xã", "Trạm Y tế xã")
    assert second.coordinating_units == () and second.coordinating_text == ""
    assert second.timeframe == Timeframe.YEAR and second.timeframe_text == ""


def test_a_two_row_header_with_merged_cells_reads_in_excel_and_word(
    catalogue: ImportCatalogue,
) -> None:
    rows: list[Cells] = [
        ("TT", "Nội dung", "Đơn vị thực hiện", None, "Thời hạn"),
        ("TT", "Nội dung", "Chủ trì", "Phối hợp", "Thời hạn"),
        ("1", "Tham gia của người dân ở cấp cơ sở", None, None, None),
        ("1.1", "Họp dân", "Văn phòng UBND xã", "Công an xã", "Thường xuyên"),
    ]
    excel = xlsx(rows, merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2"])
    for content, name in ((excel, "a.xlsx"), (word(rows), "a.docx")):
        (task,) = read(content, name, catalogue).spec.tasks
        assert task.lead_units == ("Văn phòng UBND xã",), name
        assert task.coordinating_units == ("Công an xã",), name
        assert task.timeframe == Timeframe.ONGOING, name


def test_a_missing_required_column_is_named_with_the_headers_found(
    catalogue: ImportCatalogue,
) -> None:
    content = xlsx([("STT", "Nội dung công việc", "Thời gian", "Ghi chú"), (1, "Việc", "", "")])
    with pytest.raises(PlanImportError) as caught:
        read(content, "thieu.xlsx", catalogue)
    error = caught.value
    assert error.reason == "missing_columns" and error.missing == ("Cơ quan chủ trì",)
    assert "«Đơn vị thực hiện»" in error.message
    assert "Các cột đã thấy: «STT», «Nội dung công việc», «Thời gian», «Ghi chú»" in error.message


# -- numbering and areas ----------------------------------------------------------------------


def test_parts_a_and_b_each_restarting_at_one_get_unique_codes(
    catalogue: ImportCatalogue,
) -> None:
    content = word(
        [
            ("STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"),
            ("A", "NÂNG CAO CHỈ SỐ PAPI", "", "", ""),
            ("I", "Công khai, minh bạch trong việc ra quyết định ở địa phương", "", "", ""),
            ("1", "Niêm yết dự toán", "Kế toán ngân sách xã", "", "Quý I/2024"),
            ("II", "Kiểm soát tham nhũng trong khu vực công", "", "", ""),
            ("1", "Kê khai tài sản", "Văn phòng UBND xã", "", "Năm 2024"),
            ("B", "NÂNG CAO CHỈ SỐ SIPAS", "", "", ""),
            ("I", "Công khai, minh bạch", "", "", ""),
            ("1", "Công khai kết quả giải quyết hồ sơ", "Văn phòng UBND xã", "", "Hằng quý"),
            ("C", "TỔ CHỨC THỰC HIỆN", "", "", ""),
            ("1", "Các đơn vị báo cáo kết quả", "Văn phòng UBND xã", "", "Hằng quý"),
            # A closing section's own items, with no unit: left out with it.
            ("2", "Văn phòng UBND xã tổng hợp, báo cáo", "", "", ""),
        ]
    )
    reading = read(content, "ab.docx", catalogue)
    assert codes(reading) == {
        "2.1": "Niêm yết dự toán",
        "2.2": "Công khai kết quả giải quyết hồ sơ",
        "4.1": "Kê khai tài sản",
    }
    assert [area.number for area in reading.spec.areas] == [2, 4]
    assert reading.spec.areas[0].name == (
        "Công khai, minh bạch trong việc ra quyết định ở địa phương"
    )
    skipped, item = reading.skipped
    assert skipped.closing and skipped.heading == "C TỔ CHỨC THỰC HIỆN"
    assert skipped.place == "Bảng 1, dòng 11" and skipped.text == "Các đơn vị báo cáo kết quả"
    assert (item.place, item.heading) == ("Bảng 1, dòng 12", "C TỔ CHỨC THỰC HIỆN")
    assert reading.unmapped == ()


def test_three_levels_of_headings_group_tasks_without_becoming_tasks(
    catalogue: ImportCatalogue,
) -> None:
    content = xlsx(
        [
            ("TT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian thực hiện"),
            ("I.", "Thủ tục hành chính công", None, None, None),
            ("1.", "Cải cách thủ tục", None, None, None),
            ("1.1.", "Rà soát thủ tục", None, None, None),
            ("a)", "Rà soát thủ tục đất đai", "Công chức Địa chính xã", None, "Quý II/2024"),
            ("b)", "Rà soát thủ tục hộ tịch", "Công chức Tư pháp xã", None, "Quý II/2024"),
            ("1.2.", "Một cửa", None, None, None),
            ("", "Tiếp nhận hồ sơ trực tuyến", "Văn phòng UBND xã", None, "Thường xuyên"),
            ("2.", "Công khai, minh bạch thủ tục", None, None, None),
            ("", "Niêm yết thủ tục", "Văn phòng UBND xã", None, "Thường xuyên"),
            ("II.", "Quản trị môi trường", None, None, None),
            ("", "Thu gom rác", "Cán bộ phụ trách Tài nguyên và Môi trường", None, "Hằng tháng"),
        ]
    )
    reading = read(content, "ba-cap.xlsx", catalogue)
    # Sub-headings are not tasks, and a sub-heading's own words ("Công khai, minh bạch")
    # do not move its tasks out of the area above it.
    assert codes(reading) == {
        "5.1": "Rà soát thủ tục đất đai",
        "5.2": "Rà soát thủ tục hộ tịch",
        "5.3": "Tiếp nhận hồ sơ trực tuyến",
        "5.4": "Niêm yết thủ tục",
        "7.1": "Thu gom rác",
    }
    assert reading.skipped == () and reading.guesses == ()


def test_six_area_plans_from_before_2018_map_by_name(catalogue: ImportCatalogue) -> None:
    names = [
        "Tham gia của người dân ở cấp cơ sở",
        "Công khai, minh bạch",
        "Trách nhiệm giải trình với người dân",
        "Kiểm soát tham nhũng trong khu vực công",
        "Thủ tục hành chính công",
        "Cung ứng dịch vụ công",
    ]
    assert [papi_area(name) for name in names] == [1, 2, 3, 4, 5, 6]
    assert papi_area("Phòng, chống tham nhũng") == 4
    assert papi_area("Đẩy mạnh chuyển đổi số") == 8
    assert papi_area("Nâng cao tỷ lệ dịch vụ công trực tuyến") == 8
    assert papi_area("Bảo vệ môi trường") == 7
    assert papi_area("Tổ chức thực hiện") is None


def test_a_heading_naming_no_area_is_listed_and_its_rows_skipped(
    catalogue: ImportCatalogue,
) -> None:
    content = xlsx(
        [
            ("TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"),
            ("I", "Cung ứng dịch vụ công", None, None),
            ("", "Khám sức khỏe", "Trạm Y tế xã", "Năm 2024"),
            ("II", "Cải cách thể chế", None, None),
            ("", "Rà soát văn bản", "Công chức Tư pháp xã", "Năm 2024"),
            ("III", "Kinh phí thực hiện", None, None),
            ("", "Ngân sách xã bảo đảm", "Kế toán ngân sách xã", "Năm 2024"),
        ]
    )
    reading = read(content, "ngoai.xlsx", catalogue)
    assert codes(reading) == {"6.1": "Khám sức khỏe"}
    assert reading.unmapped == ("II Cải cách thể chế",)
    assert [(s.heading, s.closing) for s in reading.skipped] == [
        ("II Cải cách thể chế", False),
        ("III Kinh phí thực hiện", True),
    ]


def test_headings_naming_nothing_fall_back_to_their_number_as_a_guess(
    catalogue: ImportCatalogue,
) -> None:
    content = xlsx(
        [
            ("TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"),
            ("1", "Nội dung thứ nhất", None, None),
            ("", "Họp dân", "Văn phòng UBND xã", "Năm 2024"),
            ("3", "Nhóm việc khác", None, None),
            ("", "Đối chiếu số liệu", "Kế toán ngân sách xã", "Năm 2024"),
        ]
    )
    reading = read(content, "so.xlsx", catalogue)
    assert codes(reading) == {"1.1": "Họp dân", "3.1": "Đối chiếu số liệu"}
    assert [(g.heading, g.area) for g in reading.guesses] == [
        ("1 Nội dung thứ nhất", 1),
        ("3 Nhóm việc khác", 3),
    ]
    assert reading_lines(reading) == [
        "Đề mục «1 Nội dung thứ nhất» không nêu tên lĩnh vực: đoán là lĩnh vực 1 "
        "(Tham gia của người dân ở cấp cơ sở) theo số thứ tự.",
        "Đề mục «3 Nhóm việc khác» không nêu tên lĩnh vực: đoán là lĩnh vực 3 "
        "(Trách nhiệm giải trình với người dân) theo số thứ tự.",
    ]


def test_numbering_styles_and_levels() -> None:
    assert cell_label("IV.") is not None and cell_label("IV.").number == 4  # type: ignore[union-attr]
    assert cell_label("Nhiệm vụ") is None
    assert inline_label("2 ấp") is None and inline_label("A Lưới") is None
    part = inline_label("PHẦN B: CHỈ SỐ PAR INDEX")
    assert part is not None and part[0].style == "part" and part[1] == "CHỈ SỐ PAR INDEX"

    def heading(label: str, name: str) -> Heading:
        found = cell_label(label)
        assert found is not None
        return Heading(found, name, label + name)

    # A style seen again goes back to its level: "II" after "1.1" is a top heading again.
    outline = place_tasks(
        [
            heading("I", "Tham gia của người dân"),
            heading("1", "Họp dân"),
            heading("1.1", "Công khai biên bản"),
            None,
            heading("II", "Quản trị điện tử"),
            None,
        ]
    )
    assert [p.area for p in outline.placements] == [1, 8]


# -- prose ------------------------------------------------------------------------------------


def test_a_plan_written_as_prose_says_so(catalogue: ImportCatalogue) -> None:
    paragraphs = [
        "KẾ HOẠCH",
        "Nâng cao chỉ số PAPI năm 2024",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Nâng cao nhận thức của cán bộ, công chức.",
        "2. Cải thiện chỉ số PAPI của tỉnh.",
        "II. NHIỆM VỤ, GIẢI PHÁP",
        "1. Tham gia của người dân ở cấp cơ sở: tổ chức tốt việc bầu cử trưởng ấp.",
        "a) Văn phòng UBND xã chủ trì, thực hiện thường xuyên.",
    ]
    for content in (word([], paragraphs), word([("Nơi nhận:", "KT. CHỦ TỊCH")], paragraphs)):
        with pytest.raises(PlanImportError) as caught:
            read(content, "van-ban.docx", catalogue)
        assert caught.value.reason == "prose_plan"
        assert "kế hoạch viết dạng văn bản, chưa có bảng nhiệm vụ" in caught.value.message
    # With a task table that lacks a column, the column is what is wrong.
    table = [("TT", "Nội dung", "Thời gian", "Ghi chú"), ("1", "Họp dân", "Quý I", "")]
    with pytest.raises(PlanImportError) as caught:
        read(word(table, paragraphs), "thieu-cot.docx", catalogue)
    assert caught.value.reason == "missing_columns"


def test_find_header_needs_the_task_and_its_lead() -> None:
    header, miss = find_header([("TT", "Nội dung", "Ghi chú"), ("1", "x", "")], 2)
    assert header is None and miss is not None and miss.missing == ("lead",)


def test_headings_with_no_number_in_tt_are_read_by_their_words(
    catalogue: ImportCatalogue,
) -> None:
    rows: list[Cells] = [
        ("TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"),
        (None, "Nội dung 3: Trách nhiệm giải trình với người dân", None, None),
        (None, "Tiếp công dân định kỳ", "Văn phòng UBND xã", "Hằng tháng"),
        (None, "QUẢN TRỊ MÔI TRƯỜNG", None, None),
        (None, "Thu gom rác", "Cán bộ phụ trách Tài nguyên và Môi trường", "Năm 2024"),
    ]
    reading = read(xlsx(rows), "chu.xlsx", catalogue)
    assert codes(reading) == {"3.1": "Tiếp công dân định kỳ", "7.1": "Thu gom rác"}
    # A name in capitals is shown as PAPI writes it.
    assert [area.name for area in reading.spec.areas] == [
        "Nội dung 3: Trách nhiệm giải trình với người dân",
        "Quản trị môi trường",
    ]
    # A row of plain text is still a task: here one missing its lead.
    with pytest.raises(PlanImportError) as caught:
        read(xlsx([*rows, (None, "Họp dân bàn việc", None, None)]), "chu.xlsx", catalogue)
    assert caught.value.reason == "missing_lead" and caught.value.row == 6


def test_an_area_column_merged_down_over_its_tasks_groups_them(
    catalogue: ImportCatalogue,
) -> None:
    rows: list[Cells] = [
        ("TT", "Lĩnh vực", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"),
        (1, "Công khai, minh bạch", "Niêm yết dự toán", "Kế toán ngân sách xã", "Quý I"),
        (2, None, "Niêm yết quyết toán", "Kế toán ngân sách xã", "Quý IV"),
        (3, "Thủ tục hành chính công", "Niêm yết thủ tục", "Văn phòng UBND xã", "Hằng quý"),
    ]
    for content, name in ((xlsx(rows, merges=["B2:B3"]), "a.xlsx"), (word(rows), "a.docx")):
        reading = read(content, name, catalogue)
        assert codes(reading) == {
            "2.1": "Niêm yết dự toán",
            "2.2": "Niêm yết quyết toán",
            "5.1": "Niêm yết thủ tục",
        }, name
