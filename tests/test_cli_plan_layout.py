"""The command line's side of plans not laid out like the seed's appendix: the empty plan
to fill in, a plan written as prose, and the rows a dry run leaves out.
"""

import io
from pathlib import Path

import docx
import openpyxl  # type: ignore[import-untyped, unused-ignore]

from tests.test_cli import hamlet_bot


def test_the_template_is_written_and_a_prose_plan_points_to_it(tmp_path: Path) -> None:
    output = tmp_path / "mau.xlsx"
    made = hamlet_bot(tmp_path, "plan", "template", "-o", str(output))
    assert made.returncode == 0, made.stderr
    assert "Đã ghi bảng kế hoạch trống vào" in made.stdout
    assert openpyxl.load_workbook(output).sheetnames == ["Kế hoạch", "Hướng dẫn"]

    prose = tmp_path / "van-ban.docx"
    document = docx.Document()
    for text in ("I. MỤC ĐÍCH", "1. Nâng cao nhận thức.", "II. NHIỆM VỤ", "1. Công khai."):
        document.add_paragraph(text)
    document.save(str(prose))
    refused = hamlet_bot(tmp_path, "plan", "import", str(prose), "--dry-run")
    assert refused.returncode == 2
    assert "kế hoạch viết dạng văn bản, chưa có bảng nhiệm vụ" in refused.stderr
    assert "hamlet-bot plan template -o mau-ke-hoach.xlsx" in refused.stderr


def test_a_dry_run_lists_the_rows_left_out(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in (
        ("TT", "Nội dung", "Cơ quan chủ trì", "Thời gian"),
        ("I", "Cung ứng dịch vụ công", None, None),
        ("", "Khám sức khỏe cho trẻ", "Trạm Y tế xã", "Năm 2026"),
        ("II", "Kinh phí thực hiện", None, None),
        ("", "Ngân sách xã bảo đảm", "Kế toán ngân sách xã", "Năm 2026"),
    ):
        book.active.append(list(row))
    path = tmp_path / "ke-hoach.xlsx"
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    assert hamlet_bot(tmp_path, "init").returncode == 0
    dry = hamlet_bot(tmp_path, "plan", "import", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (
        "! Bỏ qua phần «II Kinh phí thực hiện» (không phải lĩnh vực PAPI): "
        "Trang tính «Sheet», dòng 5." in dry.stdout.splitlines()
    ), dry.stdout


def test_a_dry_run_says_which_papi_area_each_heading_became(tmp_path: Path) -> None:
    plan = Path(__file__).parent / "fixtures" / "plans" / "c_hai_phan_a_b_2024.docx"
    shown = hamlet_bot(tmp_path, "plan", "import", str(plan), "--year", "2024", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    areas = lines[lines.index("📂 Nhiệm vụ theo lĩnh vực PAPI:") + 1 :]
    assert areas[:6] == [
        "1 · Tham gia của người dân ở cấp cơ sở: 2 nhiệm vụ (1.1–1.2)",
        "2 · Công khai, minh bạch trong việc ra quyết định ở địa phương: 1 nhiệm vụ (2.1)",
        "3 · Trách nhiệm giải trình với người dân: 1 nhiệm vụ (3.1)",
        "4 · Kiểm soát tham nhũng trong khu vực công: 2 nhiệm vụ (4.1–4.2)",
        "5 · Thủ tục hành chính công ← «Cải cách thủ tục hành chính»: 2 nhiệm vụ (5.1–5.2)",
        "8 · Quản trị điện tử ← «Xây dựng và phát triển chính quyền điện tử, chính quyền "
        "số»: 2 nhiệm vụ (8.1–8.2)",
    ]
