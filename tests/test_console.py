"""The offline console as a newcomer uses it: files go both ways for real."""

import io
from pathlib import Path

import pytest

from bot.console import Console
from bot.settings import Settings

pytestmark = pytest.mark.e2e


async def console_for(settings: Settings, tmp_path: Path) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(settings, out, files_dir=tmp_path / "received")
    await console.start()
    return console, out


async def test_the_file_command_sends_the_real_file(settings: Settings, tmp_path: Path) -> None:
    plan = tmp_path / "ke-hoach.pdf"
    plan.write_bytes(b"%PDF-1.4 the real plan")
    console, out = await console_for(settings, tmp_path)
    try:
        await console.handle(f"/file {plan}")
    finally:
        await console.stop()

    assert b"%PDF-1.4 the real plan" in console.api.files.values()
    assert "Đã nhận tệp" in out.getvalue()


async def test_the_file_command_names_a_missing_file(settings: Settings, tmp_path: Path) -> None:
    console, out = await console_for(settings, tmp_path)
    try:
        calls = len(console.api.calls)
        await console.handle(f"/file {tmp_path / 'khong-co.docx'}")
        await console.handle("/file")
    finally:
        await console.stop()

    text = out.getvalue()
    assert "Không tìm thấy tệp" in text and "khong-co.docx" in text
    assert "/file ĐƯỜNG-DẪN" in text
    assert not console.api.files and len(console.api.calls) == calls


async def test_a_file_from_the_bot_says_what_came_and_where_it_is(
    settings: Settings, tmp_path: Path
) -> None:
    console, out = await console_for(settings, tmp_path)
    try:
        await console.handle("/as Bình")
        await console.handle("/xuat")
    finally:
        await console.stop()

    saved = tmp_path / "received" / "ke-hoach-965-2026.xlsx"
    assert saved.exists()
    assert f"📎 Bot gửi tệp ke-hoach-965-2026.xlsx, đã lưu tại {saved}" in out.getvalue()
