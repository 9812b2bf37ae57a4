"""/tonghop says how many tasks are late by their own deadlines (issue 11: the summaries
follow each task's deadline, not only 20/12), the same count /trehan lists, and says
nothing of lateness while nothing is late.
"""

import re

import pytest

from models.plan_data import read_plan_file
from models.tables import Role
from tests.helpers import World, vn
from tests.test_story_task_deadlines import import_for_2026, with_timeframe

pytestmark = pytest.mark.e2e


async def test_the_summary_counts_what_is_late_as_trehan_does(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    await world.member(Role.OFFICER, "Trần Thị Bình", "Văn phòng UBND xã")
    await import_for_2026(
        world, with_timeframe(read_plan_file(), "1.1", "Trước ngày 31/3"), dry_run=False
    )

    world.clock.now = vn(2026, 3, 20, 10)  # the first quarter: nothing is late yet
    said = await chairman.send("/tonghop")
    assert not any("quá hạn" in message.text for message in said)

    world.clock.now = vn(2026, 4, 2, 10)  # 1.1 is past its day, and Q1 went unreported
    said = await chairman.send("/tonghop")
    [late] = [message.text for message in said if message.text.startswith("⏰")]
    listed = (await chairman.send("/trehan"))[0].text
    assert "<b>1.1</b>" in listed
    count = re.search(r"⏰ (\d+) nhiệm vụ đã quá hạn", late)
    assert count is not None and f"trễ hạn</b> ({count.group(1)})" in listed
    assert late.endswith("Xem chi tiết: /trehan")
