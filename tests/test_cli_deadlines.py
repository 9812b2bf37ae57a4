"""The command-line dry run of a plan import lists each task's deadline."""

from pathlib import Path

from tests.test_cli import hamlet_bot
from tests.test_plan_import import appendix_rows, edit, make_xlsx

TIMEFRAME = 5  # the column of a task row


def test_the_dry_run_lists_each_tasks_deadline_and_marks_the_guesses(tmp_path: Path) -> None:
    rows = edit(appendix_rows(), "1.1", TIMEFRAME, "Quý I/2026")
    rows = edit(rows, "1.2", TIMEFRAME, "Khi có yêu cầu")
    plan = tmp_path / "ke-hoach.xlsx"
    plan.write_bytes(make_xlsx(rows))
    assert hamlet_bot(tmp_path, "init", "--year", "2026").returncode == 0

    shown = hamlet_bot(tmp_path, "plan", "import", str(plan), "--year", "2026", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "~ 1.1: sửa thời gian" in lines and "~ 1.2: sửa thời gian" in lines
    listed = lines[lines.index("🗓 Thời hạn từng nhiệm vụ:") + 1 :]
    assert listed[:3] == [
        "1.1 · Trước 31/03/2026",
        "1.2 · (đoán) Cuối năm 20/12/2026 ← «Khi có yêu cầu»",
        "1.3 · Thường xuyên (báo cáo hằng quý)",
    ]
    # The seed's appendix says "Năm 2023": due by the 2026 year end, and flagged.
    assert "8.5 · Cuối năm 20/12/2026 (tệp ghi năm khác, không phải 2026) ← «Năm 2023»" in listed
    assert listed[-1].startswith("⚠️ 1 nhiệm vụ ghi «(đoán)»")

    done = hamlet_bot(tmp_path, "plan", "import", str(plan), "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert "Thời hạn từng nhiệm vụ" not in done.stdout
