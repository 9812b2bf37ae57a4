"""The Zalo Bot Platform transport: a client, an offline API, the webhook check.

Nothing here knows the conversation core; see API.md for what was confirmed of the API.
"""
