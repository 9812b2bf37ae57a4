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
    chart = said[0]
    assert chart.method == "sendPhoto" and "toàn xã, Quý IV/2026" in chart.text
    overview = said[1].text
    assert "Kế hoạch 965/KH-UBND — năm 2026" in overview
    assert "<b>6. Cung ứng dịch vụ công</b> — 10 nhiệm vụ\n🔄 1 · ▫️ 9" in overview
    missing = said[2].text
    assert "Chưa báo cáo đủ Quý IV/2026" in missing
    assert "Ấp 3 (1/9)" in missing and "Ấp 4 (0/9)" in missing


async def test_evidence_is_kept_as_file_id_and_a_hashed_copy(world: World) -> None:
    import hashlib
    from pathlib import Path

    from sqlmodel import select

    from bot.services import services_of
    from models.db import transaction
    from models.tables import Report

    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    for step in ("/baocao 6.1", "3", "Đã khám cho 120 trẻ"):
        await officer.send(step)
    photo = b"\xff\xd8 evidence bytes"
    said = await officer.send_photo(photo)
    assert "1 ảnh" in said[0].text
    said = await officer.send("lưu")
    assert "Đã lưu" in said[0].text

    async with transaction(services_of(world.app).sessions) as session:
        report = (await session.exec(select(Report))).one()
    assert report.evidence_kind == "photo"
    assert report.evidence_file_id is not None and report.evidence_file_id.startswith("photo-")
    assert report.evidence_sha256 == hashlib.sha256(photo).hexdigest()
    assert report.evidence_path is not None and Path(report.evidence_path).read_bytes() == photo
    assert (report.status, report.percent, report.quarter) == ("done", 100, "2026Q4")


async def test_a_status_word_in_one_line_keeps_the_last_percent(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2 60 đã lắp 3 máy")
    said = await officer.send("/baocao 6.2 khó khăn thiếu kinh phí")
    assert "Gặp khó khăn, 60% (lần 2)" in said[0].text
