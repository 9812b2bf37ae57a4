"""The domain: tables, the database, and the operations on them. Knows nothing of Telegram."""
