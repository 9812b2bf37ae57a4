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
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{digest}{suffix}"
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return path, digest
