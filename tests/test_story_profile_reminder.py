"""The quarterly anti-corruption reminder names whom the commune's profile says the report
goes to (issue 11): since July 2025 there is no city inspectorate above a commune.
"""

from datetime import datetime

import pytest

from bot.services import services_of
from models.audit import CLI
from models.commune_profile import parse_value, set_value
from models.db import transaction
from models.tables import Commune, Role
from scheduler.runner import run_tick
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e

# Q3 ends on 30/09; ten days before is Sunday 20/09, so the prompt goes on Monday 21/09.
PROMPT_DAY = vn(2026, 9, 21, 8, 5)


async def prompt_to_office(world: World, moment: datetime) -> str:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    world.clock.now = moment
    await run_tick(services_of(world.app), moment)
    [prompt] = [m for m in office.inbox() if "phòng, chống tham nhũng" in m.text]
    return prompt.text


async def test_the_reminder_names_the_provinces_inspectorate_by_default(world: World) -> None:
    text = await prompt_to_office(world, PROMPT_DAY)
    assert "gửi báo cáo Quý III/2026 về Thanh tra tỉnh An Giang trước ngày 30/09/2026" in text
    assert "thành phố" not in text


async def test_the_reminder_names_the_recipients_the_profile_gives(world: World) -> None:
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, services.commune_id)
        assert commune is not None
        value = parse_value("anti_corruption_recipients", ["Thanh tra tỉnh Đồng Tháp; Lưu: VT"])
        await set_value(
            session, commune, "anti_corruption_recipients", value, actor=CLI, now=PROMPT_DAY
        )
    text = await prompt_to_office(world, PROMPT_DAY)
    # The office's own copy is not someone the report is sent to.
    assert "về Thanh tra tỉnh Đồng Tháp trước ngày 30/09/2026" in text
