"""`hamlet-bot plan import` proposes new units; `hamlet-bot unit …` tidies them."""

import io
from pathlib import Path

import openpyxl  # type: ignore[import-untyped, unused-ignore]

from tests.test_cli import hamlet_bot

HEADER = ("TT", "Nội dung", "Kết quả", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian")


def district_plan(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Kế hoạch"
    sheet.append(HEADER)
    sheet.append(("1", "Tham gia của người dân ở cấp cơ sở", "", "", "", ""))
    sheet.append(("", "Nhiệm vụ một", "Báo cáo", "Phòng Nội vụ", "Thôn Đông", "Năm 2026"))
    out = io.BytesIO()
    workbook.save(out)
    path.write_bytes(out.getvalue())
    return path


def test_an_import_proposes_then_creates_units_and_the_office_tidies_them(
    tmp_path: Path,
) -> None:
    plan = district_plan(tmp_path / "kh.xlsx")
    assert hamlet_bot(tmp_path, "init", "--year", "2026").returncode == 0
    dry = hamlet_bot(tmp_path, "plan", "import", str(plan), "--year", "2026", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Đơn vị mới sẽ được tạo: Phòng Nội vụ (đơn vị), Thôn Đông (thôn/ấp)." in dry.stdout
    done = hamlet_bot(tmp_path, "plan", "import", str(plan), "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert "Đã tạo đơn vị mới: Phòng Nội vụ (đơn vị), Thôn Đông (thôn/ấp)." in done.stdout

    listed = hamlet_bot(tmp_path, "unit", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Phòng Nội vụ" in listed.stdout and "Ấp 9, Thôn Đông" in listed.stdout

    renamed = hamlet_bot(tmp_path, "unit", "rename", "phong noi vu", "Phòng Nội vụ huyện")
    assert renamed.returncode == 0, renamed.stderr
    assert "thành «Phòng Nội vụ huyện»" in renamed.stdout
    alias = hamlet_bot(tmp_path, "unit", "alias", "Phòng Nội vụ huyện", "PNV")
    assert alias.stdout.strip() == "«PNV» nay là tên khác của «Phòng Nội vụ huyện»."
    merged = hamlet_bot(tmp_path, "unit", "merge", "PNV", "Văn phòng UBND xã")
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.startswith("Đã gộp «Phòng Nội vụ huyện» vào «Văn phòng UBND xã»")
    # The file imported again: its "Phòng Nội vụ" is the office now, nothing new.
    again = hamlet_bot(tmp_path, "plan", "import", str(plan), "--year", "2026", "--dry-run")
    assert "Đơn vị mới" not in again.stdout, again.stdout


def test_a_bad_unit_command_says_why_and_exits_2(tmp_path: Path) -> None:
    unknown = hamlet_bot(tmp_path, "unit", "rename", "Công an xãa", "Công an mới")
    assert unknown.returncode == 2
    assert "không tìm thấy đơn vị hoặc ấp «Công an xãa»; có phải «Công an xã»?" in unknown.stderr
    taken = hamlet_bot(tmp_path, "unit", "alias", "Trạm Y tế xã", "Công an xã")
    assert taken.returncode == 2 and "«Công an xã» đã là tên của «Công an xã»" in taken.stderr
    hamlet = hamlet_bot(tmp_path, "unit", "merge", "Ấp 3", "Ấp 4")
    assert hamlet.returncode == 2 and "config.toml" in hamlet.stderr
