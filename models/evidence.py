"""Keeping a copy of the evidence a reporter sends, named by its content hash."""

import hashlib
import os
from pathlib import Path


def store_evidence(data: bytes, directory: Path, suffix: str) -> tuple[Path, str]:
    """Write ``data`` under ``directory`` as ``<sha256><suffix>``; return the path and hash.

    The same file sent twice is kept once. The write goes through a temporary file and a
    rename, so a crash never leaves a half-written copy under the final name.
    """
    digest = hashlib.sha256(data).hexdigest()
    # Photos of people's papers: readable by the bot's own user only.
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if directory.stat().st_mode & 0o077:
        directory.chmod(0o700)
    path = directory / f"{digest}{suffix}"
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    return path, digest
