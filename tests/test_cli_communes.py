"""`hamlet-bot commune add / list` and `--commune NAME`: several communes in one database
(issue 12). With one commune, `--commune` may be left out (the README's quick start).
"""

from pathlib import Path

from tests.test_cli import hamlet_bot, this_year


def test_a_second_commune_is_added_listed_and_chosen_by_name(tmp_path: Path) -> None:
    assert hamlet_bot(tmp_path, "init").returncode == 0
    added = hamlet_bot(tmp_path, "commune", "add", "Phú Hòa", "--province", "An Giang")
    assert added.returncode == 0, added.stderr
    assert "Phú Hòa" in added.stdout and "--commune" in added.stdout
    again = hamlet_bot(tmp_path, "commune", "add", "phu hoa")
    assert again.returncode == 2 and "Phú Hòa" in again.stderr

    # Typed without diacritics, in any case.
    loaded = hamlet_bot(tmp_path, "init", "--commune", "PHU HOA")
    assert loaded.returncode == 0, loaded.stderr
    assert "tạo mới 46" in loaded.stdout
    invited = hamlet_bot(
        tmp_path, "invite", "--role", "officer", "--name", "Phạm Thị Dung",
        "--unit", "Trạm Y tế xã", "--commune", "Phu Hoa",
    )  # fmt: skip
    assert invited.returncode == 0, invited.stderr
    b_members = hamlet_bot(tmp_path, "members", "--commune", "phú hòa")
    assert b_members.returncode == 0 and "Phạm Thị Dung" in b_members.stdout
    a_members = hamlet_bot(tmp_path, "members", "--commune", "My Hoa Hung")
    assert a_members.returncode == 0 and "Phạm Thị Dung" not in a_members.stdout

    listed = hamlet_bot(tmp_path, "commune", "list")
    assert listed.returncode == 0, listed.stderr
    [a_line] = [line for line in listed.stdout.splitlines() if "Mỹ Hòa Hưng" in line]
    [b_line] = [line for line in listed.stdout.splitlines() if "Phú Hòa" in line]
    assert "0 thành viên" in a_line and "1 thành viên" in b_line
    assert "tỉnh An Giang" in b_line and str(this_year()) in b_line

    year = this_year()
    rolled = hamlet_bot(tmp_path, "plan", "rollover", str(year + 1), "--commune", "Phú Hòa")
    assert rolled.returncode == 0, rolled.stderr
    lines = hamlet_bot(tmp_path, "commune", "list").stdout.splitlines()
    [b_line] = [line for line in lines if "Phú Hòa" in line]
    [a_line] = [line for line in lines if "Mỹ Hòa Hưng" in line]
    assert str(year + 1) in b_line and str(year + 1) not in a_line

    workbook = tmp_path / "phu-hoa.xlsx"
    exported = hamlet_bot(tmp_path, "export", "--commune", "Phú Hòa", "-o", str(workbook))
    assert exported.returncode == 0, exported.stderr
    dry = hamlet_bot(
        tmp_path, "plan", "import", str(workbook), "--dry-run", "--commune", "Phú Hòa"
    )
    assert dry.returncode == 0, dry.stderr


def test_with_several_communes_the_commune_must_be_named(tmp_path: Path) -> None:
    assert hamlet_bot(tmp_path, "init").returncode == 0
    assert hamlet_bot(tmp_path, "commune", "add", "Phú Hòa").returncode == 0
    for args in (
        ("members",),
        ("invite", "--role", "officer", "--name", "Lê Văn Cường"),
        ("export", "-o", str(tmp_path / "x.xlsx")),
        ("plan", "rollover", str(this_year() + 1)),
        ("relink", "list"),
        ("members", "--commune", "Xã Lạ"),
    ):
        result = hamlet_bot(tmp_path, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "--commune" in result.stderr, args
        assert "Mỹ Hòa Hưng" in result.stderr and "Phú Hòa" in result.stderr, args
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.xlsx").exists()
    waiting = hamlet_bot(tmp_path, "relink", "list", "--commune", "Phú Hòa")
    assert waiting.returncode == 0 and "Không có yêu cầu nào đang chờ." in waiting.stdout
    assert "Lê Văn Cường" not in hamlet_bot(tmp_path, "members", "--commune", "Mỹ Hòa Hưng").stdout


def test_with_one_commune_in_the_database_it_is_chosen_by_itself(tmp_path: Path) -> None:
    # A fresh database: the quick start's commands need no --commune.
    assert hamlet_bot(tmp_path, "init").returncode == 0
    invited = hamlet_bot(tmp_path, "invite", "--role", "office", "--name", "Trần Thị Bình")
    assert invited.returncode == 0, invited.stderr
    assert "Trần Thị Bình" in hamlet_bot(tmp_path, "members").stdout
    listed = hamlet_bot(tmp_path, "commune", "list")
    assert "Mỹ Hòa Hưng" in listed.stdout and "1 thành viên" in listed.stdout
