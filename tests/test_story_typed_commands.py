"""Commands typed as words, with their arguments, without the "/" (which sits on the
second layer of a phone keyboard): what a Zalo user can only do, and a Telegram user may.
"""

import pytest

from bot import texts
from models.tables import Role
from tests.helpers import World, all_reports

pytestmark = pytest.mark.e2e


async def test_a_reporter_reports_in_words_or_with_just_a_code_and_a_percent(
    world: World,
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    said = await officer.send("bao cao 6.2 60 đã lắp 3 máy")
    assert "Đã lưu" in said[0].text, said
    said = await officer.send("baocao 6.2 70")
    assert "Đã lưu" in said[0].text, said
    said = await officer.send("6.2 80 gần xong")
    assert "Đã lưu" in said[0].text, said
    said = await officer.send("Báo cáo 6.2 90%")
    assert "Đã lưu" in said[0].text, said
    reports = await all_reports(world)
    assert [(r.version, r.percent) for r in reports] == [(1, 60), (2, 70), (3, 80), (4, 90)]
    assert reports[0].note == "đã lắp 3 máy" and reports[2].note == "gần xong"


async def test_the_office_asks_for_summaries_and_files_in_words(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    said = await office.send("tong hop q3")
    assert said[0].method == "sendPhoto" and "Quý III/2026" in said[0].text, said
    said = await office.send("xuat excel quý 3")
    assert said[0].method == "sendDocument", said
    said = await office.send("xuat pctn q4")
    assert said[0].method == "sendDocument", said
    said = await office.send("/xuat word 2026")
    assert said[0].method == "sendDocument", said
    said = await office.send("/xuat excel 2026Q4")
    assert said[0].method == "sendDocument", said
    said = await office.send("xuat word 2019")
    assert said[0].text.startswith(texts.SUMMARY_NO_PLAN_YEAR.format(year=2019))
    assert "Các năm có kế hoạch: 2026." in said[0].text
    said = await office.send("thanh vien")
    assert "Thành viên" in said[0].text
    said = await office.send("moi truong ap; Lê Văn Sáu; Ấp 6")
    assert "start=" in said[0].text


async def test_everyday_words_are_not_taken_for_commands(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    said = await office.send("mới làm xong")  # "mời" without a ";" is not an invite
    assert said[0].text == texts.NOT_UNDERSTOOD
    said = await office.send("xác nhận giúp tôi")
    assert said[0].text == texts.NOT_UNDERSTOOD


async def test_a_typed_command_checks_the_role_like_the_slash_command(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    said = await chairman.send("bao cao 6.2 50")
    assert "không" in said[0].text.lower() and "Đã lưu" not in said[0].text
    said = await chairman.send("6.2 50")
    assert said[0].text == texts.NOT_UNDERSTOOD
    said = await chairman.send("nhac nho")
    assert said[0].text == texts.NOT_ALLOWED
    assert await all_reports(world) == []


async def test_a_member_mutes_in_words(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    said = await head.send("tam dung 3")
    assert "nhắc nhở" in said[0].text.lower(), said


# --- Every step that can be tapped can be typed ----------------------------------------------


async def test_the_office_reviews_by_typing_only(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.1 50 đã khám cho 60 trẻ")
    await officer.send("/baocao 6.2 60 đã lắp 3 máy")
    await head.send("/baocao 6.6 40 đã kéo điện 5 hộ")

    said = await office.send("duyet")
    assert "<b>6.1</b>" in said[-1].text and texts.REVIEW_TYPE_HINT in said[-1].text
    said = await office.send("dong y")  # accepts 6.1, shows the next card
    assert "Đã chấp nhận báo cáo 6.1" in said[0].text and "<b>6.2</b>" in said[-1].text
    said = await office.send("3")  # later: 6.6 next
    assert "<b>6.6</b>" in said[-1].text
    said = await office.send("tra lai")
    assert said[0].text == texts.REVIEW_ASK_COMMENT
    said = await office.send("Thiếu ảnh biên bản nghiệm thu")
    assert "Đã trả lại báo cáo 6.6" in said[0].text
    assert "Thiếu ảnh biên bản nghiệm thu" in head.inbox()[0].text
    reviews = {r.percent: r.review_status for r in await all_reports(world)}
    assert reviews == {50: "accepted", 60: None, 40: "returned"}


async def test_a_typed_answer_without_a_card_is_not_a_review(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.1 50 đã khám cho 60 trẻ")
    said = await office.send("dong y")
    assert said[0].text == texts.NOT_UNDERSTOOD
    await office.send("/duyet")
    world.clock.advance(hours=2)  # a card shown hours ago is not what "1" answers
    said = await office.send("1")
    assert said[0].text == texts.NOT_UNDERSTOOD
    assert [r.review_status for r in await all_reports(world)] == [None]


async def test_an_invite_code_pasted_on_its_own_links_the_account(world: World) -> None:
    code = await world.invite(Role.HAMLET_HEAD, "Lê Văn Sáu", "Ấp 6")
    phone = world.phone("Sáu")
    said = await phone.send(f"  {code} ")
    assert "đã được đăng ký" in said[0].text, said
    said = await phone.send("6.6 40 đã kéo điện 5 hộ")
    assert "Đã lưu" in said[0].text, said
    # For a member, a long word is just text.
    said = await phone.send("x" * 30)
    assert said[0].text == texts.NOT_UNDERSTOOD
