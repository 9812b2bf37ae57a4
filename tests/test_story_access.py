"""Who may do what: strangers get one short answer and nothing else, each role sees only its
own commands, forged or garbage buttons change nothing, and invites link exactly one account
once, before they expire. The office invites from chat."""

import re

import pytest
from sqlmodel import select

from bot.phone import BotMessage, Phone
from bot.services import services_of
from models.accounts import member_by_telegram_id
from models.db import transaction
from models.tables import Invite, Member, Report, ReportDraft, Role, Unit
from tests.helpers import World, draft_of, task_id, telegram_id

pytestmark = pytest.mark.e2e

UNKNOWN_USER = "chưa được đăng ký"
ERROR_MARK = "mã lỗi"


# --- What the database holds ----------------------------------------------------------------


async def member_of(world: World, phone: Phone) -> Member | None:
    """The member linked to this phone's Telegram account, if any."""
    async with transaction(services_of(world.app).sessions) as session:
        return await member_by_telegram_id(session, phone.user_id)


async def linked_to(world: World, member: Member) -> int | None:
    """The Telegram account the member is linked to, if any."""
    async with transaction(services_of(world.app).sessions) as session:
        return await telegram_id(session, member)


async def members_named(world: World, name: str) -> list[Member]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(Member).where(Member.name == name)))


async def member_count(world: World) -> int:
    async with transaction(services_of(world.app).sessions) as session:
        return len(list(await session.exec(select(Member))))


async def invite_count(world: World) -> int:
    async with transaction(services_of(world.app).sessions) as session:
        return len(list(await session.exec(select(Invite))))


async def drafts(world: World) -> list[ReportDraft]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(ReportDraft)))


async def report_count(world: World) -> int:
    async with transaction(services_of(world.app).sessions) as session:
        return len(list(await session.exec(select(Report))))


async def unit_name(world: World, member: Member) -> str | None:
    if member.unit_id is None:
        return None
    async with transaction(services_of(world.app).sessions) as session:
        unit = await session.get(Unit, member.unit_id)
        return unit.name if unit else None


def no_error(said: list[BotMessage]) -> None:
    assert all(ERROR_MARK not in message.text for message in said), said


def invite_code_in(text: str) -> str:
    match = re.search(r"https://t\.me/HamletOfflineBot\?start=([A-Za-z0-9_-]+)", text)
    assert match is not None, text
    code_match = re.search(r"<code>([A-Za-z0-9_-]+)</code>", text)
    assert code_match is not None and code_match.group(1) == match.group(1), text
    return match.group(1)


# --- Strangers ------------------------------------------------------------------------------


async def test_a_stranger_gets_one_short_answer_to_everything_and_no_plan(world: World) -> None:
    await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    members_before = await member_count(world)
    stranger = world.phone("Người lạ")

    # Each tried a minute apart: a stranger gets one answer a minute (see the flood story).
    attempts = {
        "/start": stranger.send("/start"),
        "/baocao": stranger.send("/baocao"),
        "/baocao 6.3 75": stranger.send("/baocao 6.3 75 đã làm"),
        "/tonghop": stranger.send("/tonghop"),
        "/nhiemvu": stranger.send("/nhiemvu"),
        "/help": stranger.send("/help"),
        "/moi": stranger.send("/moi trưởng ấp; Kẻ Gian; Ấp 1"),
        "/thanhvien": stranger.send("/thanhvien"),
        "/huy": stranger.send("/huy"),
        "/xyz": stranger.send("/xyz"),
        "text": stranger.send("tong hop"),
        "text 2": stranger.send("bao cao"),
        "text 3": stranger.send("6.3"),
        "photo": stranger.send_photo(),
        "document": stranger.send_document(b"%PDF", "bien-ban.pdf"),
        "location": stranger.send_location(10.38, 105.43),
        "sticker": stranger.send_sticker(),
        "report button": stranger.press("rp:task:1"),
        "save button": stranger.press("rp:save"),
        "other button": stranger.press("xyz"),
    }
    for what, attempt in attempts.items():
        world.clock.advance(seconds=61)
        said = await attempt
        assert len(said) == 1, (what, said)
        assert UNKNOWN_USER in said[0].text, (what, said)
        assert said[0].buttons == [], (what, said)
        assert "6.3" not in said[0].text and "Kế hoạch" not in said[0].text, (what, said)
        assert "Nhiệm vụ" not in said[0].text and "%" not in said[0].text, (what, said)

    # The stranger became no one, started nothing and got no member's menu.
    assert await member_of(world, stranger) is None
    assert await member_count(world) == members_before
    assert await drafts(world) == []
    assert await report_count(world) == 0
    for call in world.api.calls:
        if call.method == "setMyCommands":
            assert call.params["scope"].get("chat_id") != stranger.user_id
    sent_to_stranger = world.api.sent(stranger.user_id)
    assert len(sent_to_stranger) == len(attempts)


async def test_a_hamlet_head_sees_only_their_hamlets_summary(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")

    for attempt in ("/tonghop", "/summary", "tong hop", "Tổng hợp"):
        said = await head.send(attempt)
        assert said[0].method == "sendPhoto", (attempt, said)
        assert "Ấp 3" in said[0].text, (attempt, said)
        overview = said[1].text
        assert "<b>Ấp 3</b>" in overview and "(0/9 nhiệm vụ xong)" in overview
        everything = " ".join(m.text for m in said)
        assert "Trạm Y tế xã" not in everything and "Ấp 4" not in everything
    said = await head.send("/tonghop ấp 4")
    assert said[0].text == "Anh/chị chỉ xem được tổng hợp của Ấp 3."


async def test_an_officer_cannot_invite(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    members_before, invites_before = await member_count(world), await invite_count(world)

    for phone in (officer, chairman):
        said = await phone.send("/moi trưởng ấp; Trần Văn Bình; Ấp 3")
        assert len(said) == 1, said
        assert "không dành cho vai trò" in said[0].text, said
        assert "t.me" not in said[0].text and "Mã mời" not in said[0].text

    assert await members_named(world, "Trần Văn Bình") == []
    assert await member_count(world) == members_before
    assert await invite_count(world) == invites_before


# --- Forged and garbage buttons -------------------------------------------------------------


async def test_a_forged_task_button_out_of_scope_changes_nothing(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    said = await officer.send("/baocao")
    task_list = said[0]
    assert "Chọn nhiệm vụ" in task_list.text
    assert "2.2" not in task_list.text
    not_theirs = await task_id(world, "2.2")
    assert f"rp:task:{not_theirs}" not in [data for row in task_list.buttons for _, data in row]

    said = await officer.press(f"rp:task:{not_theirs}", task_list.message_id)
    assert len(said) == 1, said
    assert "Nhiệm vụ 2.2 không thuộc phạm vi báo cáo" in said[0].text
    draft = await draft_of(world, officer)
    assert draft is not None
    assert draft.step == "task" and draft.task_id is None and draft.status is None

    # Typing the code is refused the same way.
    said = await officer.send("2.2")
    assert "Nhiệm vụ 2.2 không thuộc phạm vi báo cáo" in said[0].text
    draft = await draft_of(world, officer)
    assert draft is not None and draft.step == "task" and draft.task_id is None

    # The one-line form too, and nothing is recorded.
    said = await officer.send("/baocao 2.2 100 xong hết")
    assert "Nhiệm vụ 2.2 không thuộc phạm vi báo cáo" in said[0].text
    assert await report_count(world) == 0

    # Their own task still works.
    said = await officer.send("6.1")
    assert "Tình trạng hiện nay" in said[0].text


async def test_garbage_buttons_change_nothing_and_raise_nothing(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    said = await officer.send("/baocao")
    task_list = said[0]

    for data in (
        "rp:task:abc",
        "rp:task:",
        "rp:task:-3",
        "rp:task:99999999999999999999",
        "rp:status:nonsense",
        "rp:pct:abc",
        "rp:",
        "rp:nothing:1",
        "xyz",
    ):
        said = await officer.press(data, task_list.message_id)
        no_error(said)
        for message in said:
            assert "Nút này không còn hiệu lực" in message.text, (data, said)
        draft = await draft_of(world, officer)
        assert draft is not None, data
        assert (draft.step, draft.task_id, draft.status, draft.percent) == (
            "task",
            None,
            None,
            None,
        ), data

    # At the status step, a made-up status is not taken either.
    said = await officer.send("6.1")
    status_prompt = said[0]
    assert "Tình trạng hiện nay" in status_prompt.text
    for data in ("rp:status:nonsense", "rp:status:", "rp:status:DONE", "rp:pct:50", "xyz"):
        said = await officer.press(data, status_prompt.message_id)
        no_error(said)
        draft = await draft_of(world, officer)
        assert draft is not None, data
        assert (draft.step, draft.status, draft.percent) == ("status", None, None), data
    assert await report_count(world) == 0

    # The flow still goes on by typing.
    said = await officer.send("2")
    assert "bao nhiêu phần trăm" in said[0].text


async def test_a_button_with_empty_data_changes_nothing_and_raises_nothing(world: World) -> None:
    # Telegram's clients never send an empty callback_data, but a forged client can; PTB's
    # CallbackQueryHandler(pattern=...) lets a query without data through to its callback.
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    said = await officer.send("/baocao")
    task_list = said[0]

    said = await officer.press("", task_list.message_id)
    no_error(said)
    draft = await draft_of(world, officer)
    assert draft is not None and (draft.step, draft.task_id) == ("task", None)
    said = await officer.send("6.1")
    assert "Tình trạng hiện nay" in said[0].text


# --- Help and the command menu --------------------------------------------------------------


async def test_help_shows_each_role_only_its_own_commands(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")

    def commands(text: str) -> set[str]:
        return set(re.findall(r"(?m)^(/[a-z]+)", text))

    helps = {}
    for who, phone in (
        ("chairman", chairman),
        ("office", office),
        ("officer", officer),
        ("head", head),
    ):
        said = await phone.send("/help")
        assert len(said) == 1, said
        helps[who] = said[0].text
        # Typed words give the same help.
        assert (await phone.send("huong dan"))[0].text == said[0].text

    assert "/tonghop" in commands(helps["chairman"])
    assert "/baocao" not in commands(helps["chairman"])
    assert "/moi" not in commands(helps["chairman"])
    assert "/baocao" in commands(helps["head"])
    # Reporters see the summary of their own unit, but none of the office's tools.
    assert "/tonghop" in commands(helps["head"])
    office_only = {"/moi", "/thanhvien", "/duyet", "/nhacnho", "/baothay", "/xuat"}
    assert not office_only & commands(helps["head"])
    assert "/baocao" in commands(helps["officer"])
    assert not office_only & commands(helps["officer"])
    assert {"/moi", "/tonghop", "/thanhvien", "/duyet", "/nhacnho"} <= commands(helps["office"])
    assert len({helps["chairman"], helps["office"], helps["head"]}) == 3


async def test_the_command_menu_is_set_for_the_chat_after_start(world: World) -> None:
    before = len(world.api.calls)
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    def menu_of(phone: Phone) -> list[str]:
        menus = [
            call.params
            for call in world.api.calls[before:]
            if call.method == "setMyCommands"
            and call.params["scope"]["type"] == "chat"
            and int(call.params["scope"]["chat_id"]) == phone.user_id
        ]
        assert len(menus) == 1, menus
        return [command["command"] for command in menus[0]["commands"]]

    assert "baocao" in menu_of(head) and "duyet" not in menu_of(head)
    assert "moi" not in menu_of(head)
    assert "tonghop" in menu_of(chairman) and "baocao" not in menu_of(chairman)
    # The default menu (for strangers) was not replaced by a member's.
    assert not any(
        call.method == "setMyCommands" and call.params["scope"]["type"] == "default"
        for call in world.api.calls[before:]
    )


# --- Invites --------------------------------------------------------------------------------


async def test_an_invalid_invite_code_links_nothing(world: World) -> None:
    code = await world.invite(Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    phone = world.phone("Bình")

    for wrong in ("khongcoma", code[:-1] + ("A" if code[-1] != "A" else "B"), "x" * 70):
        world.clock.advance(seconds=11)  # a person retyping a code
        said = await phone.send(f"/start {wrong}")
        assert len(said) == 1, said
        assert "Mã mời không đúng" in said[0].text, said
    assert await member_of(world, phone) is None
    # Still a stranger.
    said = await phone.send("/baocao")
    assert UNKNOWN_USER in said[0].text
    # The real code still works afterwards.
    said = await phone.send(f"/start {code}")
    assert "đã được đăng ký" in said[0].text


async def test_a_used_invite_code_cannot_link_a_second_account(world: World) -> None:
    code = await world.invite(Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    first = world.phone("Bình")
    said = await first.send(f"/start {code}")
    assert "đã được đăng ký" in said[0].text
    linked = await member_of(world, first)
    assert linked is not None and linked.name == "Trần Văn Bình"

    second = world.phone("Kẻ mạo danh")
    said = await second.send(f"/start {code}")
    assert len(said) == 1, said
    assert "đã được dùng rồi" in said[0].text, said
    assert await member_of(world, second) is None
    still = await member_of(world, first)
    assert still is not None and still.id == linked.id
    said = await second.send("/baocao")
    assert UNKNOWN_USER in said[0].text
    # The first account can still report.
    said = await first.send("/baocao")
    assert "Chọn nhiệm vụ" in said[0].text


async def test_a_linked_account_cannot_take_a_second_members_invite(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    other_code = await world.invite(Role.CHAIRMAN, "Nguyễn Văn An")

    said = await head.send(f"/start {other_code}")
    assert len(said) == 1, said
    assert "đã được đăng ký cho Phạm Thị Dung" in said[0].text
    (chairman,) = await members_named(world, "Nguyễn Văn An")
    assert await linked_to(world, chairman) is None
    still = await member_of(world, head)
    assert still is not None and still.name == "Phạm Thị Dung" and still.role == "hamlet_head"


async def test_an_expired_invite_code_links_nothing(world: World) -> None:
    code = await world.invite(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    world.clock.advance(days=8)
    phone = world.phone("Hoa")

    said = await phone.send(f"/start {code}")
    assert len(said) == 1, said
    assert "Mã mời đã hết hạn" in said[0].text, said
    assert await member_of(world, phone) is None
    (member,) = await members_named(world, "Lê Thị Hoa")
    assert await linked_to(world, member) is None
    said = await phone.send("/baocao")
    assert UNKNOWN_USER in said[0].text


async def test_the_office_invites_a_hamlet_head_from_chat(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")

    said = await office.send("/moi trưởng ấp; Trần Văn Bình; Ấp 3")
    assert len(said) == 1, said
    assert "Đã tạo thành viên <b>Trần Văn Bình</b> (Trưởng ấp — Ấp 3)" in said[0].text
    assert "hết hạn 03/12/2026" in said[0].text  # seven days from 26/11/2026
    code = invite_code_in(said[0].text)
    (created,) = await members_named(world, "Trần Văn Bình")
    assert created.role == "hamlet_head" and await linked_to(world, created) is None
    assert await unit_name(world, created) == "Ấp 3"

    phone = world.phone("Bình")
    said = await phone.send(f"/start {code}")
    assert "đã được đăng ký" in said[0].text and "Trưởng ấp" in said[0].text
    assert "Ấp 3" in said[0].text
    linked = await member_of(world, phone)
    assert linked is not None and linked.id == created.id
    said = await phone.send("/baocao")
    assert "Chọn nhiệm vụ" in said[0].text


async def test_the_office_invites_an_officer_typed_without_diacritics(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")

    said = await office.send("/moi cán bộ; Lê Thị Hoa; Tram y te")
    assert len(said) == 1, said
    assert "Lê Thị Hoa" in said[0].text and "Trạm Y tế xã" in said[0].text
    code = invite_code_in(said[0].text)
    (created,) = await members_named(world, "Lê Thị Hoa")
    assert created.role == "officer"
    assert await unit_name(world, created) == "Trạm Y tế xã"

    phone = world.phone("Hoa")
    said = await phone.send(f"/start {code}")
    assert "đã được đăng ký" in said[0].text and "Trạm Y tế xã" in said[0].text
    said = await phone.send("/baocao")
    assert "<b>6.1</b>" in said[0].text


async def test_the_office_gets_a_hint_for_an_unknown_unit(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    members_before, invites_before = await member_count(world), await invite_count(world)

    said = await office.send("/moi cán bộ; X; Trạm Y tê xa xôi")
    assert len(said) == 1, said
    assert "Không tìm thấy đơn vị hoặc ấp này" in said[0].text
    assert "Có phải anh/chị muốn nói «Trạm Y tế xã»?" in said[0].text
    assert "t.me" not in said[0].text

    # Other mistakes each get their own answer, and none creates anyone.
    for text, expected in (
        ("/moi giám đốc; X; Ấp 3", "Không rõ vai trò «giám đốc»"),
        ("/moi cán bộ; X", "Cán bộ phụ trách cần có đơn vị"),
        ("/moi trưởng ấp; X; Trạm Y tế xã", "Trưởng ấp cần có tên ấp"),
        ("/moi cán bộ; X; Ấp 3", "Chỉ trưởng ấp mới gắn với một ấp"),
        ("/moi", "Mời thành viên"),
        ("/moi cán bộ", "Mời thành viên"),
    ):
        said = await office.send(text)
        assert len(said) == 1, (text, said)
        assert expected in said[0].text, (text, said)
        no_error(said)

    assert await members_named(world, "X") == []
    assert await member_count(world) == members_before
    assert await invite_count(world) == invites_before


async def test_members_list_is_for_the_office_and_leaders(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    await world.invite(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")

    said = await office.send("/thanhvien")
    listing = "\n".join(message.text for message in said)
    assert "Thành viên (3)" in listing
    assert "🟢 Phạm Thị Dung" in listing and "⚪ Lê Thị Hoa" in listing

    said = await head.send("/thanhvien")
    assert len(said) == 1 and "không dành cho vai trò" in said[0].text
    assert "Lê Thị Hoa" not in said[0].text


async def test_a_member_who_opens_their_invite_link_again_is_welcomed_back(world: World) -> None:
    code = await world.invite(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    phone = world.phone("Hoa")
    said = await phone.send(f"/start {code}")
    assert "đã được đăng ký" in said[0].text

    # People tap the link in their chat history again; they are already in.
    said = await phone.send(f"/start {code}")
    assert len(said) == 1, said
    assert "Lê Thị Hoa" in said[0].text, said
    assert "xin mã mới" not in said[0].text, said
    linked = await member_of(world, phone)
    assert linked is not None and linked.name == "Lê Thị Hoa"


async def test_a_leader_typing_bao_cao_gets_the_same_answer_as_the_command(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    command = await chairman.send("/baocao")
    typed = await chairman.send("bao cao")
    assert len(typed) == 1, typed
    # Not "I did not understand ... type /baocao to report": /baocao is not theirs.
    assert "/baocao để báo cáo" not in typed[0].text
    assert typed[0].text == command[0].text
    assert await drafts(world) == []
