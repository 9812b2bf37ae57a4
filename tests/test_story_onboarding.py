"""Onboarding as the office and a new member meet it: /moi typed with commas, a unit the
bot does not know, and an invite code pasted into the chat on its own."""

import re

import pytest
from sqlmodel import select

from bot.services import services_of
from models.accounts import member_by_telegram_id
from models.db import transaction
from models.tables import Invite, Member, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


async def members_named(world: World, name: str) -> list[Member]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(Member).where(Member.name == name)))


async def invite_count(world: World) -> int:
    async with transaction(services_of(world.app).sessions) as session:
        return len(list(await session.exec(select(Invite))))


def code_in(text: str) -> str:
    match = re.search(r"<code>([A-Za-z0-9_-]+)</code>", text)
    assert match is not None, text
    return match.group(1)


@pytest.mark.parametrize(
    "typed",
    [
        "/moi trưởng ấp, Lê Văn Sáu, Ấp 6",
        "/moi trưởng ấp; Lê Văn Sáu; Ấp 6",
        "moi truong ap, Le Van Sau, ap 6",
    ],
)
async def test_the_office_invites_with_commas_or_semicolons(world: World, typed: str) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")

    said = await office.send(typed)

    assert len(said) == 1, said
    assert "Đã tạo thành viên" in said[0].text and "Ấp 6" in said[0].text, said
    name = "Lê Văn Sáu" if "Lê" in typed else "Le Van Sau"
    assert len(await members_named(world, name)) == 1


async def test_a_unit_name_with_a_comma_survives_the_comma_form(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")

    said = await office.send("/moi cán bộ, Lê Thị Hoa, Trạm Y tế xã")

    assert "Đã tạo thành viên <b>Lê Thị Hoa</b>" in said[0].text, said


async def test_an_unknown_unit_gets_no_wrong_suggestion_but_the_list(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    before = await invite_count(world)

    said = await office.send("/moi cán bộ; Trần Văn Năm; Hội Nông dân")

    assert len(said) == 1, said
    text = said[0].text
    assert "Không tìm thấy đơn vị hoặc ấp này" in text
    assert "Có phải" not in text and "Hội đồng nhân dân xã" in text  # listed, not suggested
    assert "Trạm Y tế xã" in text and "Ấp 3" in text
    assert await invite_count(world) == before


async def test_a_close_misspelling_still_gets_its_suggestion(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")

    said = await office.send("/moi cán bộ; X; Tram y tê xa xôi")

    assert "Có phải anh/chị muốn nói «Trạm Y tế xã»?" in said[0].text


async def test_a_bare_invite_code_pasted_into_the_chat_links_the_account(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", "Văn phòng UBND xã")
    said = await office.send("/moi trưởng ấp; Trần Văn Bình; Ấp 3")
    code = code_in(said[0].text)

    phone = world.phone("Bình")
    said = await phone.send(f"  {code} ")

    assert "đã được đăng ký" in said[0].text and "Ấp 3" in said[0].text, said
    async with transaction(services_of(world.app).sessions) as session:
        linked = await member_by_telegram_id(session, phone.user_id)
    assert linked is not None and linked.name == "Trần Văn Bình"
