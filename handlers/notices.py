"""Messages the bot sends a member on its own about someone else's action (a report
reviewed, a report entered for them): rows in the outbox, recorded with the update's work
and delivered by the one sender once it has committed, or by the scheduler's next tick if
the process stops first. Quiet hours hold them until morning, like reminders.
"""

from datetime import timedelta

from handlers.context import Visit
from handlers.turn import send_later
from models.accounts import accounts_of
from models.tables import Member
from scheduler.delivery import Outgoing, record_in
from scheduler.runner import deliver_now

NOTICE_LIFETIME = timedelta(days=7)


async def notify(
    visit: Visit, member: Member, kind: str, key: str, text: str, task_id: int | None
) -> None:
    """Queue ``text`` for ``member`` (once per ``kind`` and ``key``) and send it after the
    commit.
    """
    if member.id is None or not (await accounts_of(visit.session, [member.id]))[member.id]:
        return  # not linked: nobody to tell
    notice = Outgoing(member.id, kind, key, text, visit.now, visit.now + NOTICE_LIFETIME, task_id)
    await record_in(visit.session, visit.commune.id or 0, [notice], visit.now)
    services, commune_id = visit.services, visit.commune.id

    async def deliver() -> None:
        services.start(deliver_now(services, services.now(), commune_id))

    await send_later(deliver)
