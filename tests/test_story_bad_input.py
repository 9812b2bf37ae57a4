"""What people get wrong, and what the bot must then do: say so kindly, in Vietnamese, and
change nothing. Bad numbers, media where text is expected, stickers, unknown commands, very
long texts, a difficulty without a note, huge files, stale buttons, a double save, and an
error inside a handler (an id, never a traceback)."""

import asyncio
import logging
import re
import time

import pytest
from telegram import Update

from bot.app import build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.phone import BotMessage, Phone
from bot.settings import Settings
from models.tables import Role
from tests.helpers import World, all_reports, callback_answers, draft_of, task_id

pytestmark = pytest.mark.e2e

HEALTH = "Trạm Y tế xã"
BAD_PERCENT = "Phần trăm phải là một số từ 0 đến 100"


# --- What the database holds ----------------------------------------------------------------


async def draft_state(world: World, phone: Phone) -> tuple[object, ...]:
    """What a report in progress holds, to compare before and after a bad answer."""
    draft = await draft_of(world, phone)
    assert draft is not None
    return (
        draft.step,
        draft.task_id,
        draft.status,
        draft.percent,
        draft.note,
        draft.evidence_kind,
        draft.evidence_file_id,
    )


def one(said: list[BotMessage]) -> str:
    assert len(said) == 1, said
    assert "mã lỗi" not in said[0].text, said
    return said[0].text


async def officer_at(world: World, step: str, status: str = "2") -> Phone:
    """An officer of the health station whose report on 6.1 waits at ``step``."""
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    answers = {"task": [], "status": ["6.1"], "percent": ["6.1", status]}
    answers["note"] = [*answers["percent"], "50"]
    answers["evidence"] = [*answers["note"], "Đã khám cho 80 trẻ"]
    answers["confirm"] = [*answers["evidence"], "bo qua"]
    await officer.send("bao cao")
    for answer in answers[step]:
        said = await officer.send(answer)
        assert "mã lỗi" not in said[0].text
    draft = await draft_of(world, officer)
    assert draft is not None and draft.step == step
    return officer


# --- Numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["250", "abc", "101", "-5", "75.5", "nửa", "9999", "½"])
async def test_a_bad_percent_is_asked_again_and_changes_nothing(world: World, typed: str) -> None:
    officer = await officer_at(world, "percent")
    before = await draft_state(world, officer)

    said = await officer.send(typed)
    assert BAD_PERCENT in one(said)
    assert await draft_state(world, officer) == before
    assert before[0] == "percent"

    # A good answer is still taken.
    said = await officer.send("75")
    assert "ghi chú" in said[0].text
    assert (await draft_state(world, officer))[:4] == ("note", before[1], "in_progress", 75)


async def test_a_forged_percent_button_is_refused(world: World) -> None:
    officer = await officer_at(world, "percent")
    before = await draft_state(world, officer)
    for data in ("rp:pct:250", "rp:pct:-1", "rp:pct:abc", "rp:pct:"):
        said = await officer.press(data)
        assert all("mã lỗi" not in message.text for message in said), said
        assert await draft_state(world, officer) == before, data


@pytest.mark.parametrize(
    "line", ["/baocao 6.1 250", "/baocao 6.1 250 xong vượt mức", "/baocao 6.1 101"]
)
async def test_a_one_line_report_over_100_percent_saves_nothing(world: World, line: str) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)

    said = await officer.send(line)
    text = one(said)
    assert BAD_PERCENT in text
    assert "Đã lưu" not in text
    assert await all_reports(world) == []
    assert await draft_of(world, officer) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/baocao 6.1 abc", "Báo cáo nhanh"),
        ("/baocao 6.1 99999", "Báo cáo nhanh"),
        ("/baocao sáu 75", "Báo cáo nhanh"),
        ("/baocao 9.9 75", "Không có nhiệm vụ <b>9.9</b>"),
        ("/baocao 6.1 khó khăn", "cần ghi rõ vướng mắc"),
    ],
)
async def test_other_bad_one_line_reports_save_nothing(
    world: World, line: str, expected: str
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    said = await officer.send(line)
    assert expected in one(said)
    assert await all_reports(world) == []


# --- The wrong kind of message --------------------------------------------------------------


async def test_a_photo_at_the_status_step_is_kept_and_the_question_stands(
    world: World,
) -> None:
    """Evidence sent early is not refused (issue 10, point 5): it waits for the evidence
    step, which is then not asked; the status question is still the one to answer.
    """
    officer = await officer_at(world, "status")
    before = await draft_state(world, officer)

    said = await officer.send_photo(b"\xff\xd8 not now")
    assert "Đã nhận ảnh làm minh chứng" in one(said) and "trả lời tiếp" in one(said)
    said = await officer.send_document(b"%PDF-1.4", "bao-cao.pdf")
    assert "1 ảnh, 1 tệp" in one(said)
    after = await draft_state(world, officer)
    assert after[:5] == before[:5]  # still at the status step, nothing else answered
    assert after[5] == "photo"
    await officer.send("2")
    await officer.send("50")
    said = await officer.send("Đã khám cho 80 trẻ")
    assert "Kiểm tra lại báo cáo" in one(said) and "1 ảnh, 1 tệp" in one(said)


async def test_a_sticker_gets_a_friendly_answer(world: World) -> None:
    officer = await officer_at(world, "note")
    before = await draft_state(world, officer)

    said = await officer.send_sticker()
    text = one(said)
    assert "Tôi chỉ đọc được tin nhắn chữ, ảnh, tệp và vị trí" in text
    assert await draft_state(world, officer) == before

    # Without a report in progress, too.
    await officer.send("/huy")
    said = await officer.send_sticker()
    assert "Tôi chỉ đọc được" in one(said)


async def test_an_unknown_command_is_named_and_changes_nothing(world: World) -> None:
    officer = await officer_at(world, "percent")
    before = await draft_state(world, officer)

    said = await officer.send("/xyz")
    assert "Tôi chưa hiểu lệnh /xyz" in one(said)
    said = await officer.send("/xyz<b>" + "a" * 100)
    text = one(said)
    assert "chưa hiểu lệnh" in text and "<b>" not in text
    assert await draft_state(world, officer) == before


async def test_a_very_long_text_is_refused(world: World) -> None:
    officer = await officer_at(world, "note")
    before = await draft_state(world, officer)

    said = await officer.send("a" * 5000)
    assert "dài quá" in one(said)
    assert await draft_state(world, officer) == before

    # Also when no report is in progress.
    await officer.send("/huy")
    said = await officer.send("b" * 5000)
    assert "dài quá" in one(said)


async def test_a_note_of_1500_characters_is_refused(world: World) -> None:
    officer = await officer_at(world, "note")
    before = await draft_state(world, officer)

    said = await officer.send("x" * 1500)
    text = one(said)
    assert "Ghi chú dài quá (1500 ký tự)" in text and "dưới 1000" in text
    assert await draft_state(world, officer) == before
    assert before[4] is None

    said = await officer.send("Ghi chú vừa phải")
    assert "minh chứng" in said[0].text


async def test_a_one_line_report_with_a_1500_character_note_saves_nothing(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    said = await officer.send("/baocao 6.1 50 " + "x" * 1500)
    assert "Ghi chú dài quá" in one(said)
    assert await all_reports(world) == []


async def test_a_difficulty_needs_a_note(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    await officer.send("/baocao")
    await officer.tap("6.1")
    said = await officer.tap("Gặp khó khăn")
    assert "bao nhiêu phần trăm" in said[0].text
    said = await officer.tap("25%")
    assert "cho biết khó khăn" in said[0].text
    assert "Bỏ qua" not in said[0].button_labels
    before = await draft_state(world, officer)
    assert before[:4] == ("note", await task_id(world, "6.1"), "blocked", 25)

    for skip in ("bỏ qua", "bo qua", "không", "k"):
        said = await officer.send(skip)
        assert "cần ghi rõ vướng mắc" in one(said), skip
        assert await draft_state(world, officer) == before, skip
    # A forged "skip" button is refused the same way.
    said = await officer.press("rp:skip")
    assert "cần ghi rõ vướng mắc" in one(said)
    assert await draft_state(world, officer) == before

    said = await officer.send("Thiếu thuốc kháng sinh")
    assert "minh chứng" in said[0].text
    assert await all_reports(world) == []


async def test_a_file_of_50_mb_is_refused_at_the_evidence_step(world: World) -> None:
    officer = await officer_at(world, "evidence")
    before = await draft_state(world, officer)

    said = await officer.send_document(b"%PDF-1.4 small", "bien-ban.pdf", size=50 * 1024 * 1024)
    assert "Tệp lớn quá" in one(said)
    assert await draft_state(world, officer) == before
    assert not any(call.method == "getFile" for call in world.api.calls)

    said = await officer.send_document(b"%PDF-1.4 small", "bien-ban.pdf")
    assert "Kiểm tra lại báo cáo" in said[0].text and "1 tệp" in said[0].text


async def test_text_at_the_evidence_step_is_not_taken_as_evidence(world: World) -> None:
    officer = await officer_at(world, "evidence")
    before = await draft_state(world, officer)
    said = await officer.send("ảnh đây")
    assert "gửi ảnh, tệp hoặc vị trí" in one(said)
    assert await draft_state(world, officer) == before


async def edit_message(world: World, phone: Phone, text: str) -> list[str]:
    """The person edits a message they sent earlier to read ``text``; return what the bot
    sent to their chat in answer."""
    now = int(time.time())
    edited = {
        "message_id": world.api.next_message_id(),
        "date": now - 60,
        "edit_date": now,
        "chat": {"id": phone.user_id, "type": "private", "first_name": phone.first_name},
        "from": {"id": phone.user_id, "is_bot": False, "first_name": phone.first_name},
        "text": text,
    }
    before = len(world.api.calls)
    update = Update.de_json(
        {"update_id": 900_000 + now % 1000, "edited_message": edited}, world.app.bot
    )
    await world.app.process_update(update)
    return [
        str(call.params.get("text") or "")
        for call in world.api.calls[before:]
        if call.method == "sendMessage" and int(call.params["chat_id"]) == phone.user_id
    ]


async def test_editing_an_earlier_answer_does_not_answer_the_current_step(world: World) -> None:
    # At the percent step the officer types "5", then corrects that message to "50". By then
    # the bot asks for a note: the edit must not become the note (nor change the percent
    # silently).
    officer = await officer_at(world, "percent")
    said = await officer.send("5")
    assert "ghi chú" in said[0].text
    before = await draft_state(world, officer)
    assert before[:4] == ("note", before[1], "in_progress", 5)

    answers = await edit_message(world, officer, "50")
    assert all("mã lỗi" not in text for text in answers), answers
    assert all("minh chứng" not in text for text in answers), answers
    assert await draft_state(world, officer) == before

    # An edit to "lưu" at the confirm step does not save either.
    for answer in ("Ghi chú", "bo qua"):
        await officer.send(answer)
    answers = await edit_message(world, officer, "luu")
    assert all("Đã lưu" not in text for text in answers), answers
    assert await all_reports(world) == []


# --- Stale buttons and double saves ---------------------------------------------------------


async def test_a_button_of_a_step_already_answered_changes_nothing(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH)
    said = await officer.send("/baocao")
    task_list = said[0]
    said = await officer.tap("6.1")
    status_prompt = said[0]
    buttons = {label: data for row in status_prompt.buttons for label, data in row}
    old_status_data = buttons["Hoàn thành"]
    said = await officer.tap("Đang thực hiện")
    assert "bao nhiêu phần trăm" in said[0].text
    before = await draft_state(world, officer)

    # The answered prompts lost their buttons.
    with pytest.raises(LookupError):
        await officer.tap("Hoàn thành")
    with pytest.raises(LookupError):
        await officer.tap("6.2")

    # A tap that still arrives (an old client, a double tap) is told the step is over.
    since = len(world.api.calls)
    said = await officer.press(old_status_data, status_prompt.message_id)
    assert said == []
    said = await officer.press(f"rp:task:{await task_id(world, '6.2')}", task_list.message_id)
    assert said == []
    said = await officer.press("rp:save", status_prompt.message_id)
    assert said == []
    assert callback_answers(world, since) == ["Bước này đã qua."] * 3
    assert await draft_state(world, officer) == before
    assert await all_reports(world) == []


async def test_tapping_save_twice_saves_one_report(world: World) -> None:
    officer = await officer_at(world, "confirm")
    said = await officer.tap("✅ Lưu")
    assert "(lần 1)" in one(said)
    confirm_id = max(
        int(call.result["message_id"])
        for call in world.api.sent(officer.user_id)
        if "Kiểm tra lại báo cáo" in str(call.params.get("text"))
    )

    since = len(world.api.calls)
    said = await officer.press("rp:save", confirm_id)
    assert all("Đã lưu" not in message.text for message in said), said
    assert "Phiên báo cáo này đã kết thúc" in " ".join(callback_answers(world, since))
    said = await officer.send("luu")
    assert "Đã lưu" not in one(said)
    (report,) = await all_reports(world)
    assert report.version == 1

    # Even with a new report in progress, the old save button does not save it.
    await officer.send("bao cao")
    await officer.send("6.2")
    since = len(world.api.calls)
    said = await officer.press("rp:save", confirm_id)
    assert said == []
    assert callback_answers(world, since) == ["Bước này đã qua."]
    assert len(await all_reports(world)) == 1


async def test_two_instances_saving_one_draft_at_once_save_one_report(
    world: World, settings: Settings
) -> None:
    # Webhook mode runs several instances behind a load balancer: a double tap on "Lưu" can
    # reach two of them at once. The draft is saved once, never twice.
    officer = await officer_at(world, "confirm")
    api = OfflineBotAPI()
    second = build_application(settings, request=api, clock=world.clock)
    await start_application(second)
    try:
        same_person = Phone(second, api, officer.user_id, officer.first_name)
        first_said, second_said = await asyncio.gather(
            officer.send("luu"), same_person.send("luu")
        )
    finally:
        await stop_application(second)

    reports = await all_reports(world)
    assert [r.version for r in reports] == [1], reports
    saved = [m for m in [*first_said, *second_said] if "Đã lưu" in m.text]
    assert len(saved) == 1, (first_said, second_said)
    assert await draft_of(world, officer) is None


# --- Errors inside a handler ----------------------------------------------------------------


async def test_an_error_in_a_handler_gives_an_id_never_a_traceback(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret database detail /srv/hamlet.sqlite3")

    monkeypatch.setattr("handlers.overview.summarise", boom)
    with caplog.at_level(logging.ERROR):
        said = await chairman.send("/tonghop")
    assert len(said) == 1, said
    text = said[0].text
    match = re.search(r"mã lỗi ([0-9A-Z]{4,})", text)
    assert match is not None, text
    for leak in ("Traceback", "RuntimeError", "secret", "sqlite3", ".py", "line "):
        assert leak not in text, leak
    # The same id is in the log, with the traceback, for whoever investigates.
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None

    # Typed words go the same way; each error gets its own id.
    said = await chairman.send("tong hop")
    second = re.search(r"mã lỗi ([0-9A-Z]{4,})", said[0].text)
    assert second is not None and second.group(1) != match.group(1)

    monkeypatch.undo()
    said = await chairman.send("/tonghop")
    assert any("Kế hoạch 965/KH-UBND" in m.text for m in said)


async def test_an_error_while_saving_keeps_the_draft_and_saves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = await officer_at(world, "confirm")
    before = await draft_state(world, officer)

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("handlers.reporting.record_report", boom)
    said = await officer.send("luu")
    assert len(said) == 1 and "mã lỗi" in said[0].text, said
    assert "disk on fire" not in said[0].text
    assert await all_reports(world) == []
    assert await draft_state(world, officer) == before

    monkeypatch.undo()
    said = await officer.send("luu")
    assert "Đã lưu báo cáo nhiệm vụ <b>6.1</b> (lần 1)" in said[0].text
    assert len(await all_reports(world)) == 1
