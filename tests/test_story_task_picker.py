"""The task picker helps choose (issue 10, point 6): labels that tell tasks apart, the
tasks reported this quarter marked, the unit's part (chủ trì / phối hợp) shown, and the
next open task one tap (or one typed word) after "Cảm ơn".
"""

import pytest

from models.tables import Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


async def test_labels_skip_the_role_phrase_and_the_list_says_the_units_part(
    world: World,
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    said = await officer.send("/baocao")
    labels = said[0].button_labels
    [label] = [b for b in labels if b.startswith("6.3")]
    assert "Chủ trì" not in label and "Phòng Lao động" in label
    assert "<b>6.3</b> <i>(chủ trì)</i> Phòng Lao động" in said[0].text
    assert "✅" not in said[0].text  # nothing reported yet


async def test_after_thanks_the_next_open_task_is_one_tap_away(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    for step in ("/baocao 6.1", "Đang thực hiện", "50", "bỏ qua", "bỏ qua"):
        await officer.send(step)
    said = await officer.send("lưu")
    assert "Cảm ơn" in said[0].text
    [offer] = said[0].button_labels
    assert offer.startswith("➡️ Báo cáo tiếp 6.2")
    said = await officer.tap("➡️ Báo cáo tiếp 6.2")
    assert "Nhiệm vụ <b>6.2</b>" in said[0].text and "Tình trạng" in said[0].text


async def test_the_next_task_can_be_typed_and_the_reported_one_is_ticked(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    for step in ("/baocao 6.1", "Hoàn thành", "bỏ qua", "bỏ qua", "lưu"):
        await officer.send(step)
    said = await officer.send("tiếp")  # what the offer's button says, typed
    assert "Nhiệm vụ <b>6.2</b>" in said[0].text
    await officer.send("/huy")
    said = await officer.send("/baocao")
    assert "✅ là nhiệm vụ đã báo cáo quý này" in said[0].text
    assert "<b>6.1</b> ✅" in said[0].text
    assert any(b.startswith("6.1") and b.endswith("✅") for b in said[0].button_labels)


async def test_a_hamlets_tasks_carry_no_lead_or_coordinate_mark(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    said = await head.send("/baocao")
    assert "(chủ trì)" not in said[0].text and "(phối hợp)" not in said[0].text


async def test_tasks_that_open_alike_get_labels_that_differ(world: World) -> None:
    """1.1 and 3.1 both open "… Ủy ban MTTQ Việt Nam xã": their buttons must not read alike."""
    office = await world.member(Role.OFFICER, "Lê Thị Vân", "Văn phòng UBND xã")
    said = await office.send("/baocao")
    texts = [b.split(" · ", 1)[1] for b in said[0].button_labels if " · " in b]
    assert len(texts) == len(set(texts)) == 6
    [first] = [b for b in said[0].button_labels if b.startswith("1.1")]
    assert "đoàn thể xã" in first
