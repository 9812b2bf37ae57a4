"""What the bot answers before any handler: private chats only.

A group or channel gets one short note to write to the bot privately, and nothing else: no
command runs there, so no commune data can be posted to a group and no group is stored as
a member's chat.
"""

import logging

from bot import texts
from handlers.turn import Turn
from models.chat import ChannelError

log = logging.getLogger(__name__)


async def outside_private_chat(turn: Turn) -> bool:
    """Whether the turn came from a group (answered with one note a day, and stopped)."""
    incoming = turn.incoming
    if incoming.private:
        return False
    services = turn.services
    try:
        if turn.tap is not None:  # a tap is always answered, or it spins
            await turn.tap.answer(texts.GROUP_NOT_SUPPORTED_SHORT)
        key = f"{incoming.channel}:{incoming.chat_id}"
        if incoming.user_id and services.groups.may_answer(key, services.now()):
            await turn.channel.send_text(incoming.chat_id, texts.GROUP_NOT_SUPPORTED)
    except ChannelError as error:
        log.info("could not leave the private-chat note in a group: %s", error)
    return True
