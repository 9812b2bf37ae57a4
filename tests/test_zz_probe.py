import asyncio
from bot.app import build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.phone import Phone
from models.tables import Role, Report
from bot.services import services_of
from models.db import transaction
from sqlmodel import select

async def test_probe(world, settings):
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    for a in ("bao cao", "6.1", "3", "x", "bo qua"):
        await officer.send(a)
    api2 = OfflineBotAPI()
    app2 = build_application(settings, request=api2, clock=world.clock)
    await start_application(app2)
    p2 = Phone(app2, api2, officer.user_id, "x")
    r = await asyncio.gather(officer.send("luu"), p2.send("luu"))
    print(r)
    async with transaction(services_of(world.app).sessions) as s:
        print([(x.version, x.status) for x in await s.exec(select(Report))])
    await stop_application(app2)
