"""The seed plan as data: 46 tasks in 8 areas, units normalised."""

from pathlib import Path

import pytest

from models.plan_data import PlanDataError, PlanSpec, read_plan_file
from models.tables import Timeframe
from models.textfold import fold
from models.units import UnitCatalogue


def test_the_seed_has_46_tasks_in_the_8_papi_areas(plan_spec: PlanSpec) -> None:
    assert [len(area.tasks) for area in plan_spec.areas] == [5, 2, 5, 7, 6, 10, 6, 5]
    assert len(plan_spec.tasks) == 46
    assert [area.name for area in plan_spec.areas][:2] == [
        "Tham gia của người dân ở cấp cơ sở",
        "Công khai, minh bạch",
    ]
    assert plan_spec.areas[-1].name == "Quản trị điện tử"


def test_task_codes_follow_plan_order(plan_spec: PlanSpec) -> None:
    codes = [task.code for task in plan_spec.tasks]
    assert codes[0] == "1.1" and codes[-1] == "8.5"
    assert "6.10" in codes and len(set(codes)) == 46


def test_office_spelled_two_ways_is_one_unit(plan_spec: PlanSpec) -> None:
    by_code = {task.code: task for task in plan_spec.tasks}
    assert by_code["1.1"].lead_text == "Văn phòng UBND xã"
    assert by_code["3.1"].lead_text == "VP UBND xã"
    assert by_code["1.1"].lead_units == by_code["3.1"].lead_units == ("Văn phòng UBND xã",)


def test_a_cell_naming_two_units_gives_two(plan_spec: PlanSpec) -> None:
    task = next(t for t in plan_spec.tasks if t.code == "2.2")
    assert task.lead_units == ("Kế toán ngân sách xã", "Công chức Địa chính xã")


def test_nine_hamlets_phrase_means_every_hamlet(plan_spec: PlanSpec) -> None:
    involving = [t.code for t in plan_spec.tasks if t.involves_hamlets]
    assert involving == ["2.1", "3.1", "3.4", "4.1", "4.2", "6.3", "6.6", "6.7", "6.8"]


def test_related_units_assign_no_one(plan_spec: PlanSpec) -> None:
    task = next(t for t in plan_spec.tasks if t.code == "1.2")
    assert task.coordinating_text == "Các đơn vị liên quan"
    assert task.coordinating_units == () and not task.involves_hamlets


def test_comma_inside_a_unit_name_does_not_split_it(plan_spec: PlanSpec) -> None:
    task = next(t for t in plan_spec.tasks if t.code == "6.3")
    assert task.coordinating_units == (
        "Cán bộ phụ trách Lao động - Thương binh và Xã hội",
        "Ban Tài chính xã",  # the seed misspells it "Ban tòa chính xã"
    )


def test_timeframes(plan_spec: PlanSpec) -> None:
    by_code = {task.code: task for task in plan_spec.tasks}
    assert by_code["1.1"].timeframe == Timeframe.YEAR
    assert by_code["1.2"].timeframe == Timeframe.ONGOING


def test_catalogue_reports_unknown_phrases_and_suggests() -> None:
    catalogue = UnitCatalogue()
    catalogue.add_unit("Trạm Y tế xã", ["Trạm Y tế"])
    catalogue.add_hamlet_phrases(["09 ấp"])
    cell = catalogue.parse_cell("Trạm Y tế xã; Hội Nông dân xã và 09 ấp")
    assert cell.units == ("Trạm Y tế xã",)
    assert cell.hamlets is True
    assert cell.unknown == ("hoi nong dan xa",)
    assert catalogue.nearest("Tram y te xa") == "Trạm Y tế xã"


def test_one_phrase_cannot_name_two_units() -> None:
    catalogue = UnitCatalogue()
    catalogue.add_unit("Tư pháp xã", ["Tư pháp"])
    with pytest.raises(ValueError, match="names both"):
        catalogue.add_unit("Tư pháp hộ tịch", ["Tu phap"])


def test_unknown_unit_in_a_plan_file_names_the_task(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        """
[plan]
number = "1/KH"
title = "t"
commune = "X"
year = 2024

[[units]]
name = "Trạm Y tế xã"

[[areas]]
number = 1
name = "A"

[[areas.tasks]]
text = "Việc"
lead = "Tram Y te xa"
coordinating = "Hội Phụ nữ"
timeframe = "Năm 2024"
""",
        encoding="utf-8",
    )
    with pytest.raises(PlanDataError, match=r"task 1\.1, coordinating: unknown unit 'hoi phu nu'"):
        read_plan_file(path)


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text("[plan\n", encoding="utf-8")
    with pytest.raises(PlanDataError, match="not valid TOML"):
        read_plan_file(path)
    with pytest.raises(PlanDataError, match="cannot read"):
        read_plan_file(tmp_path / "missing.toml")


def test_fold_ignores_diacritics_case_and_normal_form() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Báo Cáo")
    assert fold(nfd) == fold("báo cáo") == fold("BAO  CAO!") == "bao cao"
    assert fold("Đường") == "duong"
