"""Domain errors. Each carries a machine-readable ``reason`` that the chat layer turns into
a Vietnamese message; the domain itself never speaks to users.
"""


class DomainError(Exception):
    """Something a person asked for cannot be done; nothing was changed."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
