"""De-duplication of Zalo updates.

getUpdates has no offset and Zalo's updates no update_id, so an update may be handed out
again (after a crash, a retried webhook): the message id is what identifies it. The key is
for the table Telegram's updates already use, ``models.updates.claim_update(session,
CHANNEL, update_key(message), now)``, claimed in the transaction of the update's work.
"""

from bot.zalo.types import ZaloMessage

CHANNEL = "zalo"


def update_key(message: ZaloMessage) -> str:
    """The key that marks ``message`` as handled: ``"zalo:"`` and its message id."""
    return f"zalo:{message.message_id}"
