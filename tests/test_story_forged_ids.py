"""Ids too big for the database's 32-bit integers, from forged buttons or typed commands,
get the usual answer and never reach a query (on PostgreSQL such a query fails outright;
the fuzz found it once in /baothay's options).
"""

import pytest

from models.tables import Role
from tests.helpers import World

pytestmark = pytest.mark.e2e

HUGE = "5041688317"


@pytest.mark.parametrize(
    ("opening", "data"),
    [
        ("/baocao", f"rp:start:{HUGE}"),
        ("/baocao", f"rp:task:{HUGE}"),
        ("/baocao", f"rp:page:{HUGE}"),
        ("/baocao 6.1", f"rp:pct:{HUGE}"),
    ],
)
async def test_a_reporters_forged_button_with_a_huge_id(
    world: World, opening: str, data: str
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send(opening)
    if data.startswith("rp:pct"):
        await officer.send("2")  # in progress: the percent step, where rp:pct answers
    said = await officer.press(data)
    assert said and all("mã lỗi" not in m.text for m in said), said


@pytest.mark.parametrize(
    "data", [f"rv:ok:{HUGE}", f"rv:back:{HUGE}", f"rv:px:{HUGE}:0", f"rv:px:1:{HUGE}"]
)
async def test_the_offices_forged_button_with_a_huge_id(world: World, data: str) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    said = await office.press(data)
    assert said and all("mã lỗi" not in m.text for m in said), said


async def test_a_typed_relink_number_too_big(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    for command in (f"/xacnhan {HUGE}", f"/tuchoi {HUGE}"):
        said = await office.send(command)
        assert said and "mã lỗi" not in said[0].text
