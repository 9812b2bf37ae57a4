"""Reading a unit cell of another commune's or a district's plan: split into names without
cutting inside one, group names for every hamlet, and a kind guessed for each new name.
"""

import pytest

from models.plan_data import PlanSpec
from models.units import HAMLET, UNIT, UnitCatalogue, guess_kind


@pytest.fixture(scope="module")
def seed(plan_spec: PlanSpec) -> UnitCatalogue:
    """The seed commune's catalogue (its aliases include "Nội vụ", "Tài nguyên và Môi
    trường", "Ủy ban Mặt trận Tổ quốc Việt Nam xã": the fragments old errors named).
    """
    return plan_spec.catalogue


@pytest.mark.parametrize(
    "cell",
    [
        "Phòng Tài chính - Kế hoạch",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "Công chức Văn phòng - Thống kê",
        "Phòng Văn hóa và Thông tin",
        "Sở Tài nguyên và Môi trường",
        "Phòng Nội vụ",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Phòng Lao động, Thương binh và Xã hội",
        "Văn phòng HĐND và UBND phường",
        "UBND các xã, thị trấn",
        # Known aliases inside ("Trung tâm Văn hóa", "MTTQ", "Tư pháp", "Kế toán"):
        "Trung tâm Văn hóa, Thể thao và Truyền thanh huyện",
        "Ủy ban MTTQ Việt Nam huyện",
        "Công chức Tư pháp - Hộ tịch",
        "Công chức Tài chính - Kế toán",
    ],
)
def test_a_name_no_one_knows_stays_whole(seed: UnitCatalogue, cell: str) -> None:
    read = seed.parse_cell(cell)
    assert read.spelled == (cell,) and read.units == () and not read.hamlets


@pytest.mark.parametrize(
    ("cell", "known", "new"),
    [
        ("Văn phòng UBND xã và Phòng Nội vụ", ("Văn phòng UBND xã",), ("Phòng Nội vụ",)),
        ("Trạm Y tế xã Phòng Nội vụ", ("Trạm Y tế xã",), ("Phòng Nội vụ",)),
        ("Công an xã, Quân sự xã", ("Công an xã",), ("Quân sự xã",)),
        ("Hội Nông dân, Hội Phụ nữ", (), ("Hội Nông dân", "Hội Phụ nữ")),
        ("Phòng Nội vụ; Phòng Tư pháp + Chi cục Thuế", (),
         ("Phòng Nội vụ", "Phòng Tư pháp", "Chi cục Thuế")),
        ("- Phòng Nội vụ - Phòng Tư pháp", (), ("Phòng Nội vụ", "Phòng Tư pháp")),
        ("Phòng Nội vụ\nPhòng Tư pháp", (), ("Phòng Nội vụ", "Phòng Tư pháp")),
        ("Sở Nội vụ và các đơn vị liên quan", (), ("Sở Nội vụ",)),
        ("Tư pháp, Địa chính", ("Công chức Tư pháp xã", "Công chức Địa chính xã"), ()),
        ("Các sở, ban, ngành tỉnh; Các cơ quan có liên quan", (), ()),
        ("Các phòng chuyên môn thuộc UBND thị xã", (), ()),
        ("Văn phòng UBND xã và Tư pháp", ("Văn phòng UBND xã", "Công chức Tư pháp xã"), ()),
    ],
)  # fmt: skip
def test_a_cell_is_cut_where_a_new_name_starts(
    seed: UnitCatalogue, cell: str, known: tuple[str, ...], new: tuple[str, ...]
) -> None:
    read = seed.parse_cell(cell)
    assert (read.units, read.spelled) == (known, new)


@pytest.mark.parametrize(
    "cell",
    [
        "các ấp", "09 ấp", "9 ấp", "12 thôn", "các thôn", "các tổ dân phố", "Trưởng các ấp",
        "Trưởng ấp", "Ban nhân dân các ấp", "Các ấp, khu phố", "Ấp",
    ],
)  # fmt: skip
def test_group_names_mean_every_hamlet(cell: str) -> None:
    empty = UnitCatalogue()  # no phrase configured: the groups are known by their form
    read = empty.parse_cell(cell)
    assert read.hamlets and read.spelled == () and read.units == ()


def test_a_group_and_units_in_one_cell(seed: UnitCatalogue) -> None:
    read = seed.parse_cell("Trưởng các ấp và Phòng Nội vụ, Trạm Y tế xã")
    assert read.hamlets
    assert read.units == ("Trạm Y tế xã",) and read.spelled == ("Phòng Nội vụ",)


@pytest.mark.parametrize(
    ("name", "kind", "as_named"),
    [
        ("Thôn Đông", HAMLET, "Thôn Đông"),
        ("ấp Mỹ Phú", HAMLET, "Ấp Mỹ Phú"),
        ("Trưởng ấp Mỹ Phú", HAMLET, "Ấp Mỹ Phú"),
        ("Tổ dân phố 5", HAMLET, "Tổ dân phố 5"),
        ("Khu phố 3", HAMLET, "Khu phố 3"),
        ("bản Na Hang", HAMLET, "Bản Na Hang"),
        ("Buôn Đôn", HAMLET, "Buôn Đôn"),
        ("Ban Thi đua", UNIT, "Ban Thi đua"),  # "Ban" is a board, "bản" a hamlet
        ("Phòng Nội vụ", UNIT, "Phòng Nội vụ"),
        ("UBND các xã, thị trấn", UNIT, "UBND các xã, thị trấn"),
        ("công an xã", UNIT, "Công an xã"),
    ],
)
def test_the_kind_of_a_new_name_is_guessed(name: str, kind: str, as_named: str) -> None:
    assert guess_kind(name) == (kind, as_named)


def test_a_hamlet_named_in_the_same_cell_as_a_group_is_one_name() -> None:
    read = UnitCatalogue().parse_cell("Trưởng ấp Mỹ Phú; Thôn Đông, Thôn Tây")
    assert not read.hamlets
    assert read.spelled == ("Trưởng ấp Mỹ Phú", "Thôn Đông", "Thôn Tây")


def test_a_copy_learns_without_changing_the_original(seed: UnitCatalogue) -> None:
    copy = seed.copy()
    copy.add_unit("Phòng Nội vụ")
    assert copy.parse_cell("Phòng Nội vụ").units == ("Phòng Nội vụ",)
    assert seed.parse_cell("Phòng Nội vụ").spelled == ("Phòng Nội vụ",)
    assert copy.knows("phong noi vu") and not seed.knows("phong noi vu")
