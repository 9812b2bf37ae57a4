"""The main story: the office invites a hamlet head, who reports by taps; the chairman
sees it in /summary."""

import pytest

from models.tables import Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


async def test_invite_start_report_by_taps_then_summary_shows_it(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    said = await head.send("/baocao")
    assert "Chọn nhiệm vụ" in said[0].text
    assert "6.3" in " ".join(said[0].button_labels) or "Sau" in " ".join(said[0].button_labels)
    await head.tap("Sau")
    said = await head.tap("6.6")
    assert "Tình trạng hiện nay" in said[0].text
    said = await head.tap("Đang thực hiện")
    assert "bao nhiêu phần trăm" in said[0].text
    said = await head.tap("75%")
    said = await head.send("Đã kéo điện cho 12 hộ")
    assert "minh chứng" in said[0].text
    said = await head.send_photo(b"\xff\xd8 a real photo")
    assert "Kiểm tra lại báo cáo" in said[0].text
    assert "75%" in said[0].text and "1 ảnh" in said[0].text
    said = await head.tap("✅ Lưu")
    assert "Đã lưu báo cáo nhiệm vụ <b>6.6</b> (lần 1)" in said[0].text

    said = await chairman.send("/tonghop")
    overview = said[0].text
    assert "Kế hoạch 965/KH-UBND — năm 2026" in overview
    assert "<b>6. Cung ứng dịch vụ công</b> — 10 NV\n🔄 1 · ▫️ 9" in overview
    missing = said[1].text
    assert "Ấp 3" not in missing and "Ấp 4" in missing
