"""`hamlet-bot commune set` and `commune show`: the office sets who the commune reports to
and who signs, and sees where each value comes from (issue 11).
"""

import io
from pathlib import Path

from docx import Document

from tests.test_cli import hamlet_bot, this_year


def shown(tmp_path: Path) -> dict[str, str]:
    """`commune show` as {key: "value  [source]"}."""
    result = hamlet_bot(tmp_path, "commune", "show")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if " = " in line]
    pairs = [line.partition(" = ") for line in lines]
    return {key: value for key, _, value in pairs}


def recipients_in(path: Path) -> list[str]:
    table = Document(io.BytesIO(path.read_bytes())).tables[-1]
    return [p.text for p in table.cell(0, 0).paragraphs]


def test_set_and_show_round_trip_and_reach_the_word_report(tmp_path: Path) -> None:
    assert hamlet_bot(tmp_path, "init").returncode == 0
    before = shown(tmp_path)
    assert before["reports_to"] == "UBND tỉnh An Giang  [mặc định]"
    assert before["year_report_recipients"] == (
        "UBND tỉnh An Giang; Sở Nội vụ tỉnh An Giang  [mặc định]"
    )
    assert before["anti_corruption_recipients"] == "Thanh tra tỉnh An Giang  [mặc định]"
    assert before["signer_name"] == "(để trống, ký tay)  [mặc định: chưa có Chủ tịch trên bot]"
    assert before["plan_number"] == f"965/KH-UBND  [mặc định: theo kế hoạch năm {this_year()}]"
    assert before["plan_date"].startswith("30/06/2023  [mặc định")

    # A list: several values, or one with ";" between the items.
    done = hamlet_bot(
        tmp_path, "commune", "set", "year_report_recipients", "UBND tỉnh An Giang",
        "Sở Nội vụ tỉnh An Giang; Đảng ủy xã",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Đã đặt year_report_recipients = UBND tỉnh An Giang; Sở Nội vụ tỉnh An Giang; " in (
        done.stdout
    )
    assert hamlet_bot(tmp_path, "commune", "set", "signer_name", "Trần Thị Ký").returncode == 0
    assert hamlet_bot(tmp_path, "commune", "set", "plan_date", "5/2/2026").returncode == 0
    after = shown(tmp_path)
    assert after["signer_name"] == "Trần Thị Ký  [đặt bằng lệnh]"
    assert after["plan_date"] == "05/02/2026  [đặt bằng lệnh]"
    assert after["reports_to"] == before["reports_to"]

    output = tmp_path / "bao-cao.docx"
    assert hamlet_bot(tmp_path, "export", "--format", "docx", "-o", str(output)).returncode == 0
    assert recipients_in(output) == [
        "Nơi nhận:", "- UBND tỉnh An Giang;", "- Sở Nội vụ tỉnh An Giang;",
        "- Đảng ủy xã;", "- Lưu: VT.",
    ]  # fmt: skip
    audit = hamlet_bot(tmp_path, "audit", "show")
    assert audit.stdout.count("commune_profile.set") == 3


def test_an_unknown_key_or_a_bad_value_changes_nothing(tmp_path: Path) -> None:
    before = shown(tmp_path)
    unknown = hamlet_bot(tmp_path, "commune", "set", "nguoi_ky", "Trần Thị Ký")
    assert unknown.returncode == 2
    assert "không có khóa «nguoi_ky»" in unknown.stderr
    assert "place_name" in unknown.stderr and "anti_corruption_recipients" in unknown.stderr
    bad_day = hamlet_bot(tmp_path, "commune", "set", "plan_date", "31/02/2026")
    assert bad_day.returncode == 2
    assert "plan_date phải là một ngày dạng ngày/tháng/năm" in bad_day.stderr
    assert "Traceback" not in unknown.stderr + bad_day.stderr
    assert shown(tmp_path) == before
    assert "commune_profile.set" not in hamlet_bot(tmp_path, "audit", "show").stdout


def test_the_config_gives_values_that_set_overrides_and_clearing_restores(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cli.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n'
        '[commune]\nname = "Mỹ Hòa Hưng"\nreports_to = "UBND tỉnh Cà Mau"\n'
        'anti_corruption_recipients = ["Thanh tra tỉnh Cà Mau", "Lưu: VT"]\n'
        "plan_date = 2026-01-15\n",
        encoding="utf-8",
    )
    first = shown(tmp_path)
    assert first["reports_to"] == "UBND tỉnh Cà Mau  [tệp cấu hình]"
    assert first["plan_date"] == "15/01/2026  [tệp cấu hình]"
    # A default that follows the body it reports to.
    assert first["year_report_recipients"] == "UBND tỉnh Cà Mau; Sở Nội vụ tỉnh Cà Mau  [mặc định]"

    assert (
        hamlet_bot(tmp_path, "commune", "set", "reports_to", "UBND tỉnh An Giang").returncode == 0
    )
    assert shown(tmp_path)["reports_to"] == "UBND tỉnh An Giang  [đặt bằng lệnh]"
    cleared = hamlet_bot(tmp_path, "commune", "set", "reports_to", "")
    assert cleared.returncode == 0, cleared.stderr
    assert "nay là UBND tỉnh Cà Mau [tệp cấu hình]" in cleared.stdout

    config.write_text(
        config.read_text(encoding="utf-8") + 'signer_title = ["Chủ tịch"]\n', encoding="utf-8"
    )
    broken = hamlet_bot(tmp_path, "commune", "show")
    assert broken.returncode == 2 and "[commune] signer_title phải là" in broken.stderr
