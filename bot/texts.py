"""Every Vietnamese text the bot says, in one place.

Short, polite (anh/chị), one idea per message. Texts are HTML (the bot's default parse
mode): anything that comes from a person or the data goes through ``esc``.
"""

from html import escape as esc

from models.tables import Role, Status
from models.wording import STATUS_LABELS

ROLE_LABELS = {
    Role.CHAIRMAN: "Lãnh đạo UBND xã",
    Role.OFFICE: "Văn phòng UBND xã",
    Role.OFFICER: "Cán bộ phụ trách",
    Role.HAMLET_HEAD: "Trưởng ấp",
}

STATUS_ICONS = {
    Status.NOT_STARTED: "⬜",
    Status.IN_PROGRESS: "🔄",
    Status.DONE: "✅",
    Status.BLOCKED: "⚠️",
}
NOT_REPORTED_ICON = "▫️"
RETURNED_ICON = "↩️"

# --- Access -------------------------------------------------------------------------------
UNKNOWN_USER = (
    "Xin chào! Anh/chị chưa được đăng ký dùng bot này.\n"
    "Vui lòng liên hệ Văn phòng UBND xã để nhận đường link mời, rồi bấm vào link đó."
)
NOT_ALLOWED = (
    "Chức năng này không dành cho vai trò của anh/chị. Gõ /help để xem các việc anh/chị làm được."
)
SUMMARY_NOT_ALLOWED = "Chức năng tổng hợp dành cho lãnh đạo và Văn phòng UBND xã."
ERROR = (
    "Xin lỗi, đã có lỗi ngoài ý muốn (mã lỗi {error_id}).\n"
    "Anh/chị vui lòng thử lại sau. Nếu vẫn lỗi, xin báo mã này cho Văn phòng UBND xã."
)
NO_PLAN = "Xã chưa có kế hoạch nào trên hệ thống. Văn phòng UBND xã cần nạp kế hoạch trước."

# --- Onboarding ---------------------------------------------------------------------------
WELCOME = "Chào anh/chị <b>{name}</b>!\nAnh/chị đã được đăng ký với vai trò <b>{role}</b>{unit}."
WELCOME_NEXT = "Gõ /help để xem các việc anh/chị có thể làm."
WELCOME_BACK = "Chào anh/chị {name}! Gõ /help để xem các việc anh/chị có thể làm."
INVITE_ERRORS = {
    "invite_invalid": (
        "Mã mời không đúng. Anh/chị vui lòng kiểm tra lại đường link, "
        "hoặc xin mã mới từ Văn phòng UBND xã."
    ),
    "invite_expired": "Mã mời đã hết hạn. Anh/chị vui lòng xin mã mới từ Văn phòng UBND xã.",
    "invite_used": (
        "Mã mời này đã được dùng rồi. Mỗi mã chỉ dùng được một lần; "
        "anh/chị vui lòng xin mã mới từ Văn phòng UBND xã."
    ),
    "account_linked": "Tài khoản Telegram này đã được đăng ký cho {detail}.",
    "already_linked": "Chào anh/chị {detail}! Gõ /help để xem các việc anh/chị có thể làm.",
    "invite_replaced": (
        "Mã mời này đã được thay bằng mã mới. "
        "Anh/chị vui lòng dùng đường link mới nhất từ Văn phòng UBND xã."
    ),
    "relink_pending": ("Yêu cầu kết nối với tên {detail} đang chờ Văn phòng UBND xã xác nhận."),
}

# --- Help, per role -----------------------------------------------------------------------
HELP_HEADER = "<b>Anh/chị có thể dùng các lệnh sau:</b>"
HELP_LINES = {
    "report": "/baocao — báo cáo tiến độ một nhiệm vụ",
    "quick": "/baocao 6.3 75 ghi chú — báo cáo nhanh trong một dòng",
    "tasks": "/nhiemvu — các nhiệm vụ của anh/chị và tình trạng",
    "summary": "/tonghop — tổng hợp kèm biểu đồ (lọc: q2, 2026, ấp 3, 6)",
    "summary_text": "/tonghop — tổng hợp tiến độ (lọc: q2, 2026, ấp 3, 6)",
    "invite": "/moi — mời thêm thành viên",
    "members": "/thanhvien — danh sách thành viên",
    "units": "/donvi — danh sách đơn vị; đổi tên, gộp, thêm tên khác",
    "cancel": "/huy — hủy việc đang làm dở",
    "remind": "/nhacnho — nhắc ngay những người chưa báo cáo",
    "review": "/duyet — xem xét báo cáo mới (chấp nhận hoặc trả lại)",
    "proxy": "/baothay Ấp 3 — ghi báo cáo thay người báo qua điện thoại",
    "overdue": "/trehan — nhiệm vụ trễ hạn",
    "missing": "/chuabaocao — ai chưa báo cáo quý này",
    "export": (
        "/xuat — tải báo cáo Excel; /xuat word — báo cáo Word; "
        "/xuat pctn — báo cáo quý phòng, chống tham nhũng (thêm quý nếu cần: /xuat pctn q3)"
    ),
    "plan_file": "📎 Gửi tệp kế hoạch (Word hoặc Excel) vào đây để nạp hoặc cập nhật kế hoạch",
    "mute": "/tamdung 7 — tạm dừng nhắc nhở thường kỳ 7 ngày",
    "help": "/help — xem hướng dẫn này",
}
HELP_FOOTER = "Gõ lệnh có dấu hay không dấu, có hay không có dấu / đều được."
HELP_FILES_ELSEWHERE = (
    "Tệp Excel và Word: anh/chị mở trên Telegram (lệnh /xuat) hoặc nhờ Văn phòng UBND xã gửi."
)
EXPORTS_ELSEWHERE = (
    "Zalo chưa gửi được tệp Excel, Word. Anh/chị dùng lệnh /xuat trên Telegram, "
    "hoặc nhờ Văn phòng UBND xã gửi tệp."
)
COMMAND_DESCRIPTIONS = {
    "baocao": "Báo cáo tiến độ",
    "nhiemvu": "Nhiệm vụ của tôi",
    "tonghop": "Tổng hợp kế hoạch",
    "moi": "Mời thành viên",
    "thanhvien": "Danh sách thành viên",
    "donvi": "Đơn vị của xã",
    "huy": "Hủy việc đang làm",
    "nhacnho": "Nhắc người chưa báo cáo",
    "duyet": "Xem xét báo cáo mới",
    "baothay": "Ghi báo cáo thay",
    "trehan": "Nhiệm vụ trễ hạn",
    "chuabaocao": "Ai chưa báo cáo",
    "xuat": "Tải báo cáo Excel/Word",
    "tamdung": "Tạm dừng nhắc nhở",
    "help": "Hướng dẫn",
    "start": "Bắt đầu",
}

# --- Reporting ----------------------------------------------------------------------------
NO_TASKS = "Anh/chị chưa được giao nhiệm vụ nào trong kế hoạch để báo cáo."
NO_TASKS_LEADER = "Anh/chị không trực tiếp báo cáo nhiệm vụ. Gõ /tonghop để xem toàn bộ kế hoạch."
PICK_TASK = (
    "Chọn nhiệm vụ cần báo cáo (trang {page}/{pages}).\n"
    "Chọn bên dưới, hoặc gõ mã nhiệm vụ, ví dụ <b>{example}</b>."
)
PICK_TASK_HINT_PAGES = "Gõ <b>sau</b> hoặc <b>trước</b> để sang trang."
PICK_TASK_HINT_REPORTED = "✅ là nhiệm vụ đã báo cáo quý này."
BUTTON_NEXT_TASK = "➡️ Báo cáo tiếp {code} · {title}"
ASK_STATUS = "Nhiệm vụ <b>{code}</b>: {title}\n\nTình trạng hiện nay thế nào?"
ASK_PERCENT = "Đã thực hiện được bao nhiêu phần trăm?\nChọn bên dưới, hoặc gõ một số từ 0 đến 100."
ASK_NOTE = "Anh/chị ghi chú ngắn về kết quả (gõ tin nhắn), hoặc chọn <b>Bỏ qua</b>."
ASK_NOTE_BLOCKED = "Anh/chị cho biết khó khăn, vướng mắc là gì (gõ tin nhắn)."
ASK_EVIDENCE = "Gửi ảnh, tệp hoặc vị trí làm minh chứng, hoặc chọn <b>Bỏ qua</b>."
ASK_EVIDENCE_PHOTO = "Gửi ảnh làm minh chứng, hoặc chọn <b>Bỏ qua</b>."
CONFIRM = (
    "<b>Kiểm tra lại báo cáo:</b>\n"
    "Nhiệm vụ: <b>{code}</b> {title}\n"
    "Tình trạng: {status} — {percent}%\n"
    "Ghi chú: {note}\n"
    "Minh chứng: {evidence}\n\n"
    "Chọn <b>Lưu</b> để gửi, hoặc gõ <b>lưu</b> / <b>hủy</b>."
)
NO_NOTE = "(không có)"
EVIDENCE_LABELS = {"photo": "1 ảnh", "document": "1 tệp", "location": "vị trí", "": "(không có)"}
SAVED = "✅ Đã lưu báo cáo nhiệm vụ <b>{code}</b> (lần {version}), lúc {time}.\nCảm ơn anh/chị!"
SAVED_QUICK = (
    "✅ Đã lưu: nhiệm vụ <b>{code}</b> — {status}, {percent}% (lần {version}), lúc {time}."
)
CANCELLED = "Đã hủy. Chưa có gì được lưu."
NOTHING_TO_CANCEL = "Không có việc gì đang làm dở."
STEP_PASSED = "Bước này đã qua."
SESSION_OVER = "Phiên báo cáo này đã kết thúc. Gõ /baocao để bắt đầu lại."
OUT_OF_SCOPE = (
    "Nhiệm vụ {code} không thuộc phạm vi báo cáo của anh/chị. "
    "Gõ /nhiemvu để xem các nhiệm vụ của anh/chị."
)
UNKNOWN_TASK = "Không có nhiệm vụ <b>{code}</b> trong kế hoạch. Mã nhiệm vụ có dạng 6.3."
BAD_TASK_ANSWER = "Anh/chị vui lòng chọn một mục, hoặc gõ mã nhiệm vụ, ví dụ <b>{example}</b>."
BAD_STATUS = "Anh/chị vui lòng chọn một mục, hoặc gõ số từ 1 đến 4 (ví dụ: 2 = Đang thực hiện)."
BAD_PERCENT = "Phần trăm phải là một số từ 0 đến 100, ví dụ 75. Anh/chị vui lòng gõ lại."
# A task in progress or blocked is not finished: its percent is below 100.
BLOCKED_AT_100 = (
    "Gặp khó khăn thì nhiệm vụ chưa xong. Anh/chị chọn hoặc gõ tiến độ hiện nay, "
    "dưới 100%, ví dụ 60."
)
ASK_PERCENT_NOW = (
    "Nhiệm vụ <b>{code}</b> lần trước báo {percent}%. Nay {status}: "
    "tiến độ hiện nay được bao nhiêu phần trăm? Chọn bên dưới, hoặc gõ một số dưới 100."
)
DONE_AT_100 = "Đạt 100% là đã hoàn thành: báo cáo ghi «Hoàn thành»."
UNFINISHED_AT_100 = (
    "Nhiệm vụ đang thực hiện hoặc gặp khó khăn thì chưa đạt 100%. "
    "Anh/chị gõ lại với tiến độ dưới 100%, hoặc báo «hoàn thành»."
)
NOTE_TOO_LONG = "Ghi chú dài quá ({length} ký tự). Anh/chị vui lòng rút gọn dưới {limit} ký tự."
NOTE_REQUIRED = "Khi gặp khó khăn, anh/chị cần ghi rõ vướng mắc để xã hỗ trợ. Vui lòng gõ vài chữ."
BAD_EVIDENCE = "Anh/chị vui lòng gửi ảnh, tệp hoặc vị trí; hoặc gõ <b>bỏ qua</b>."
BAD_CONFIRM = "Anh/chị vui lòng chọn <b>Lưu</b> hoặc <b>Hủy</b> (hoặc gõ lưu / hủy)."
EVIDENCE_NOUNS = {"photo": "ảnh", "document": "tệp", "location": "vị trí"}
EVIDENCE_ADDED = "Đã nhận thêm. Minh chứng hiện có: {what}. Chọn <b>Lưu</b> khi xong."
EVIDENCE_KEPT = "Đã nhận {what} làm minh chứng. Anh/chị trả lời tiếp câu hỏi trên."
EVIDENCE_FULL = "Mỗi báo cáo giữ tối đa {limit} minh chứng; phần gửi thêm không được lưu."
EVIDENCE_FIRST = "Đã nhận {what}. Đây là minh chứng cho nhiệm vụ nào?"
SAVED_EVIDENCE = "Minh chứng: {what}."
FILE_TOO_BIG = "Tệp lớn quá (tối đa 20 MB). Anh/chị vui lòng gửi tệp nhỏ hơn, hoặc chụp ảnh."
TEXT_EXPECTED = "Ở bước này anh/chị vui lòng gõ chữ hoặc chọn bên dưới."
QUICK_USAGE = (
    "Báo cáo nhanh: <b>/baocao mã phần-trăm ghi-chú</b>\n"
    "Ví dụ: /baocao 6.3 75 đã nâng cấp đường ấp 2\n"
    "Thay phần trăm bằng chữ <b>khó khăn</b> nếu gặp vướng mắc."
)

BUTTON_PREV = "◀ Trước"
BUTTON_NEXT = "Sau ▶"
BUTTON_CANCEL = "✖ Hủy"
BUTTON_SKIP = "Bỏ qua"
BUTTON_SAVE = "✅ Lưu"

# --- Task list ----------------------------------------------------------------------------
TASKS_HEADER = "<b>Nhiệm vụ của {unit}</b> ({count}):"
TASKS_LEGEND = "✅ xong · 🔄 đang làm · ⚠️ vướng · ⬜ chưa làm · ▫️ chưa báo cáo · ↩️ bị trả lại"

# --- Summary ------------------------------------------------------------------------------
SUMMARY_TITLE = "📊 <b>Kế hoạch {number} — năm {year}</b>\n{quarter} · {time}"
SUMMARY_UPDATED = "cập nhật {time}"
SUMMARY_AS_OF_END = "tính đến hết ngày {date}"
SUMMARY_OVERALL = (
    "Hoàn thành chung: <b>{percent}%</b> ({done}/{total} nhiệm vụ xong)\n"
    "<i>{percent}% là tiến độ trung bình của {total} nhiệm vụ, "
    "tính cả phần đã làm của nhiệm vụ chưa xong.</i>"
)
SUMMARY_AREA = "<b>{number}. {name}</b> — {total} nhiệm vụ\n{counts}"
SUMMARY_LEGEND = "✅ xong · 🔄 đang làm · ⚠️ vướng · ⬜ chưa làm · ▫️ chưa báo cáo"
SUMMARY_MISSING_TITLE = "📭 <b>Chưa báo cáo đủ {quarter}</b> (đã báo cáo/số nhiệm vụ)"
SUMMARY_MISSING_UNITS = "<b>Đơn vị ({count}):</b>"
SUMMARY_MISSING_HAMLETS = "<b>Ấp ({count}):</b> {names}"
SUMMARY_ALL_REPORTED = "📬 Tất cả đơn vị và ấp đã báo cáo {quarter}."
SUMMARY_BLOCKED_TITLE = "⚠️ <b>Nhiệm vụ gặp khó khăn ({count})</b>"
SUMMARY_BLOCKED_ITEM = "• <b>{code}</b> ({unit}): {note}"

# --- Invites and members ------------------------------------------------------------------
INVITE_USAGE = (
    "Mời thành viên: <b>/moi vai-trò; họ tên; đơn vị hoặc ấp</b>\n"
    "Vai trò: trưởng ấp, cán bộ, văn phòng, lãnh đạo.\n"
    "Ví dụ: /moi trưởng ấp; Trần Văn Bình; Ấp 3"
)
INVITE_CREATED = (
    "Đã tạo thành viên <b>{name}</b> ({role}{unit}).\n"
    "Gửi đường link này cho anh/chị ấy (dùng một lần, hết hạn {expires}):\n{link}\n"
    "Mã mời: <code>{code}</code>"
)
INVITE_RENEWED = (
    "<b>{name}</b> ({role}{unit}) đã có trong danh sách: đây là đường link mời mới "
    "(dùng một lần, hết hạn {expires}):\n{link}\n"
    "Mã mời: <code>{code}</code>"
)
INVITE_ERRORS_OFFICE = {
    "unknown_role": "Không rõ vai trò «{detail}». Dùng: trưởng ấp, cán bộ, văn phòng, lãnh đạo.",
    "unknown_unit": "Không tìm thấy đơn vị hoặc ấp này.{hint}",
    "unit_required": (
        "Cán bộ phụ trách cần có đơn vị, ví dụ: /moi cán bộ; Lê Thị Hoa; Trạm Y tế xã"
    ),
    "hamlet_required": "Trưởng ấp cần có tên ấp, ví dụ: /moi trưởng ấp; Trần Văn Bình; Ấp 3",
    "hamlet_not_allowed": "Chỉ trưởng ấp mới gắn với một ấp.",
    "bad_name": "Họ tên không hợp lệ (cần từ 1 đến 80 ký tự).",
}
UNKNOWN_UNIT_HINT = " Có phải anh/chị muốn nói «{nearest}»?"
UNKNOWN_UNIT_LIST = "\nCác đơn vị và ấp của xã: {names}."
MEMBERS_HEADER = "<b>Thành viên ({count}):</b>"
MEMBER_LINE = "{icon} {name} — {role}{unit}"

# --- Units (/donvi) -----------------------------------------------------------------------
UNITS_HEADER = "<b>Đơn vị ({count}):</b>"
UNITS_HAMLETS = "<b>Ấp ({count}):</b> {names}"
UNIT_LINE = "{number}. {name}{members}"
UNIT_MEMBERS = " · {count} thành viên"
UNITS_USAGE = (
    "Sửa danh sách đơn vị:\n"
    "/donvi doiten Tên cũ | Tên mới — đổi tên\n"
    "/donvi gop Đơn vị A | Đơn vị B (hoặc: A vào B) — gộp A vào B: thành viên, nhiệm vụ, "
    "báo cáo chuyển sang B\n"
    "/donvi tenkhac Tên | Tên khác — thêm tên khác mà tệp kế hoạch có thể dùng"
)
UNIT_RENAMED = (
    "✅ Đã đổi tên «{old}» thành «{new}». Tệp kế hoạch ghi tên cũ vẫn được hiểu là đơn vị này."
)
UNIT_ALIAS_ADDED = "✅ «{alias}» nay là tên khác của «{name}»."
UNITS_MERGED = (
    "✅ Đã gộp «{source}» vào «{target}»: chuyển {members} thành viên, {tasks} nhiệm vụ, "
    "{reports} báo cáo. «{source}» nay là tên khác của «{target}»."
)
UNIT_ERRORS = {
    "unknown_unit": "Không tìm thấy đơn vị hoặc ấp «{name}».{hint}",
    "bad_unit_name": "Tên đơn vị cần từ 1 đến 120 ký tự.",
    "name_taken": "«{name}» đã là tên của «{detail}». Chưa thay đổi gì.",
    "same_name": "Đơn vị đã mang tên «{detail}».",
    "same_unit": "Hai tên này cùng chỉ một đơn vị: «{detail}».",
    "kinds_differ": "Không gộp được ấp với đơn vị: «{detail}» khác loại.",
    "hamlet_in_settings": (
        "«{detail}» là ấp trong cấu hình của xã ([commune] hamlets trong config.toml): "
        "đổi tên ấp ở đó rồi khởi động lại bot."
    ),
    "both_reported": (
        "Không gộp được: cả hai đơn vị đã báo cáo nhiệm vụ {detail}, báo cáo của hai bên "
        "không ghép được làm một. Chưa thay đổi gì."
    ),
}

# --- Anything else ------------------------------------------------------------------------
UNKNOWN_COMMAND = "Tôi chưa hiểu lệnh {command}. Gõ /help để xem các lệnh."
NOT_UNDERSTOOD = "Tôi chưa hiểu ý anh/chị. Gõ /help để xem các lệnh, hoặc /baocao để báo cáo."
UNSUPPORTED_MESSAGE = (
    "Tôi chỉ đọc được tin nhắn chữ, ảnh, tệp và vị trí. Gõ /help để xem hướng dẫn."
)
UNSUPPORTED_MESSAGE_PHOTO = "Tôi chỉ đọc được tin nhắn chữ và ảnh. Gõ /help để xem hướng dẫn."
EDITS_IGNORED = "Bot không đọc tin nhắn đã sửa. Anh/chị vui lòng gửi tin nhắn mới."
MESSAGE_TOO_LONG = "Tin nhắn dài quá (tối đa 2.000 ký tự). Anh/chị vui lòng gửi ngắn gọn hơn."

__all__ = ["STATUS_LABELS", "esc"]
BUSY = "Hệ thống đang bận ghi báo cáo khác. Anh/chị vui lòng thử lại sau ít phút."
BAD_BUTTON = "Nút này không còn hiệu lực. Gõ /baocao để bắt đầu lại."
PHOTO_WITHOUT_REPORT = "Tôi chỉ nhận ảnh, tệp làm minh chứng khi báo cáo nhiệm vụ."

# --- Reminders ----------------------------------------------------------------------------
REMIND_QUARTERLY = (
    "📌 <b>Nhắc báo cáo {quarter}</b>\nAnh/chị còn {count} nhiệm vụ chưa báo cáo trong quý này:"
)
# Tasks due every month ("Hằng tháng"), in the months that do not end a quarter.
REMIND_MONTHLY = (
    "📌 <b>Nhắc báo cáo tháng {month}</b>\n"
    "Anh/chị còn {count} nhiệm vụ hằng tháng chưa báo cáo trong tháng này:"
)
REMIND_DEADLINE = (
    "⏰ <b>Còn {days} ngày đến hạn báo cáo năm</b> ({deadline}).\n"
    "Anh/chị còn {count} nhiệm vụ chưa báo cáo:"
)
REMIND_OVERDUE = (
    "❗ <b>Đã quá hạn báo cáo năm</b> ({deadline}).\n"
    "Anh/chị vui lòng báo cáo ngay {count} nhiệm vụ:"
)
# The same, for tasks due on a day of their own ("Quý I/2026": 31/03/2026).
REMIND_TASK_DEADLINE = (
    "⏰ <b>Còn {days} ngày đến hạn nhiệm vụ</b> ({deadline}).\n"
    "Anh/chị còn {count} nhiệm vụ đến hạn chưa báo cáo:"
)
REMIND_TASK_OVERDUE = (
    "❗ <b>Đã quá hạn nhiệm vụ</b> ({deadline}).\nAnh/chị vui lòng báo cáo ngay {count} nhiệm vụ:"
)
REMIND_MANUAL = (
    "📌 <b>Văn phòng UBND xã nhắc báo cáo</b>\n"
    "Anh/chị còn {count} nhiệm vụ chưa báo cáo trong quý này:"
)
REMIND_TASK_LINE = "• <b>{code}</b> {title}"
REMIND_MORE = "… và {count} nhiệm vụ khác (gõ /nhiemvu để xem)."
REMIND_HOW = "Chọn bên dưới, hoặc gõ /baocao {code}."
REMIND_BUTTON_TASK = "📝 Báo cáo {code}"
REMIND_BUTTON_OTHER = "📋 Nhiệm vụ khác"
ESCALATION = (
    "🚨 <b>Quá hạn báo cáo năm {year}</b> ({deadline})\nCòn {count} đơn vị/ấp chưa báo cáo:"
)
ESCALATION_LINE = "• <b>{unit}</b> ({who}): {codes}"
ESCALATION_NOBODY_LINE = "• <b>Chưa có người phụ trách trên bot</b> ({count}): {names}"
ANTICORRUPTION = (
    "📑 <b>Nhắc báo cáo quý về phòng, chống tham nhũng</b>\n"
    "Anh/chị vui lòng gửi báo cáo {quarter} về {recipient} trước ngày {last_day}.\n"
    "{how}"
)
ANTICORRUPTION_HOW = "Gõ /xuat pctn để nhận bản báo cáo (Word) soạn sẵn từ số liệu trên bot."
ANTICORRUPTION_ASK_OFFICE = (
    "Văn phòng UBND xã gõ /xuat pctn trên bot để lấy bản báo cáo (Word) soạn sẵn; "
    "anh/chị nhờ Văn phòng gửi bản này để hoàn thiện."
)
DIGEST = (
    "📊 <b>Tóm tắt tuần</b> ({date})\n"
    "Hoàn thành chung: <b>{percent}%</b> ({done}/{total} nhiệm vụ xong; "
    "{percent}% là tiến độ trung bình của các nhiệm vụ)\n"
    "Tuần qua: {reports} báo cáo mới, {newly_done} nhiệm vụ hoàn thành.\n"
    "⚠️ Gặp khó khăn: {blocked} · 📭 Chưa báo cáo quý này: {missing} đơn vị/ấp\n"
    "Gõ /tonghop để xem chi tiết."
)
UNREACHABLE_NOTICE = (
    "⚠️ Không gửi được tin cho <b>{name}</b>{unit}: người này đã chặn bot.\n"
    "Bot sẽ ngừng gửi cho họ cho đến khi họ nhắn lại."
)
REMIND_SENT = "Đã gửi nhắc nhở tới {sent} người chưa báo cáo."
REMIND_SENT_PROBLEMS = "Không gửi được cho {failed} người (đã chặn bot hoặc lỗi mạng)."
REMIND_NOBODY = (
    "Không có ai cần nhắc lúc này (mọi người đã báo cáo quý này, "
    "đang tạm dừng nhắc, hoặc không liên lạc được)."
)
REMIND_HELD = "Đang trong giờ nghỉ ({start}–{end}). {count} tin nhắc sẽ được gửi lúc {end}."
MUTE_USAGE = (
    "Tạm dừng nhắc nhở thường kỳ: <b>/tamdung số-ngày</b> (1 đến 90), ví dụ /tamdung 7.\n"
    "Gõ /tamdung 0 để bật lại."
)
MUTED = (
    "Đã tạm dừng nhắc nhở thường kỳ đến hết ngày {until}.\n"
    "Nhắc hạn chót vẫn được gửi. Gõ /tamdung 0 để bật lại."
)
UNMUTED = "Đã bật lại nhắc nhở thường kỳ."

# --- Summary views ------------------------------------------------------------------------
SUMMARY_SCOPE_TITLE = "📊 <b>{scope}</b> — Kế hoạch {number}, năm {year}\n{quarter} · {time}"
SUMMARY_USAGE = (
    "Xem tổng hợp theo: quý (<b>/tonghop q2</b>), năm (<b>/tonghop 2026</b>), "
    "ấp hoặc đơn vị (<b>/tonghop ấp 3</b>), lĩnh vực (<b>/tonghop 6</b>)."
)
SUMMARY_NO_PLAN_YEAR = "Không có kế hoạch năm {year}."
SUMMARY_PLAN_YEARS = "Các năm có kế hoạch: {years}."
SUMMARY_NO_AREA = "Không có lĩnh vực {number}. Kế hoạch có các lĩnh vực từ 1 đến {last}."
SUMMARY_OTHER_UNIT = "Anh/chị chỉ xem được tổng hợp của {unit}."
SUMMARY_CHART_CAPTION = "Biểu đồ tiến độ — {scope}, {quarter}"
SUMMARY_AREA_TASKS = "<b>Các nhiệm vụ:</b>"
OVERDUE_TITLE = "⏰ <b>Nhiệm vụ trễ hạn</b>{scope} ({count})"
OVERDUE_YEAR = "<b>Quá hạn báo cáo năm ({deadline}), chưa hoàn thành:</b>"
OVERDUE_ONGOING = "<b>Thường xuyên, chưa báo cáo {quarter}:</b>"
OVERDUE_DUE = "<b>Quá hạn nhiệm vụ ({deadline}), chưa hoàn thành:</b>"
# After /tonghop: how many tasks are late by their own deadlines, and where to see them.
SUMMARY_OVERDUE = "⏰ {count} nhiệm vụ đã quá hạn mà chưa hoàn thành. Xem chi tiết: /trehan"
OVERDUE_NONE = "✅ Không có nhiệm vụ nào trễ hạn{scope}."
OVERDUE_NOT_YET = "Hạn báo cáo năm là {deadline}: chưa đến hạn."
MISSING_TITLE = "📭 <b>Chưa báo cáo đủ {quarter}</b> (đã báo cáo/số nhiệm vụ)"
MISSING_LINE = "• <b>{name}</b> ({who}): {reported}/{in_scope} nhiệm vụ"
MISSING_NOBODY = "chưa có người phụ trách trên bot"
MISSING_NONE = "📬 Tất cả đơn vị và ấp đã báo cáo {quarter}."
MISSING_OWN = "📭 <b>{unit}</b> còn {count} nhiệm vụ chưa báo cáo {quarter}:"
MISSING_OWN_NONE = "📬 {unit} đã báo cáo đủ các nhiệm vụ trong {quarter}. Cảm ơn anh/chị!"

# --- Reports entered by the office, and review ----------------------------------------------
PROXY_USAGE = (
    "Ghi báo cáo thay (khi trưởng ấp hoặc cán bộ báo qua điện thoại): "
    "<b>/baothay tên ấp, đơn vị hoặc người báo cáo</b>, ví dụ /baothay Ấp 3"
)
PROXY_NOT_FOUND = (
    "Không tìm thấy ấp, đơn vị hay thành viên nào khớp «{text}».\n"
    "Các ấp và đơn vị: {units}.\nAnh/chị gõ lại, ví dụ: /baothay Ấp 3"
)
PROXY_MANY = "Có nhiều ấp, đơn vị hoặc người khớp «{text}». Anh/chị chọn một:"
PROXY_TOO_MANY = (
    "Có quá nhiều ấp, đơn vị hoặc người khớp «{text}». Anh/chị gõ rõ hơn, ví dụ: /baothay Ấp 3"
)
PROXY_NOT_REPORTER = (
    "{name} không phải người báo cáo nhiệm vụ. "
    "Anh/chị gõ /baothay và tên ấp hoặc đơn vị, ví dụ: /baothay Ấp 3"
)
PROXY_NO_TASKS = (
    "{unit} không có nhiệm vụ nào trong kế hoạch năm {year}, nên không có gì để báo cáo thay. "
    "Gõ /tonghop để xem các đơn vị và ấp có nhiệm vụ."
)
PROXY_OWN_REPORT = "Lệnh /baothay dành cho Văn phòng UBND xã. Anh/chị tự báo cáo bằng /baocao."
PROXY_HEADER = "✍️ Báo cáo thay cho <b>{name}</b>. Đơn vị: {unit}."
PROXY_HEADER_UNIT = "✍️ Báo cáo thay cho <b>{unit}</b>."
PROXY_SAVED = "(Ghi thay cho {name}; báo cáo ghi rõ anh/chị là người nhập.)"
PROXY_NOTICE = (
    "✍️ {office} (Văn phòng UBND xã) đã ghi báo cáo nhiệm vụ <b>{code}</b> thay anh/chị: "
    "{status} — {percent}%.\nNếu chưa đúng, gõ /baocao {code} để báo cáo lại."
)
REVIEW_NONE = "✅ Không có báo cáo mới nào chờ xem xét."
REVIEW_CARD = (
    "📝 <b>Báo cáo chờ xem xét</b> ({count} báo cáo)\n"
    "Nhiệm vụ <b>{code}</b>: {title}\n"
    "Đơn vị: {unit} — {who}{entered}\n"
    "Tình trạng: {status} — {percent}%\n"
    "Ghi chú: {note}\n"
    "Minh chứng: {evidence}\n"
    "Lúc: {time} (lần {version})"
)
REVIEW_RETURNED_BEFORE = "↩️ Lần {version} đã bị trả lại với nhận xét: <i>{comment}</i>"
REVIEW_ENTERED_BY = " (do {name} nhập)"
REVIEW_ENTERED_FOR_UNIT = " (nhập thay, đơn vị chưa có ai trên bot)"
REVIEW_ACCEPT = "✅ Chấp nhận"
REVIEW_RETURN = "↩️ Trả lại"
REVIEW_LATER = "⏭ Để sau"
REVIEW_TYPE_HINT = "Hoặc gõ: 1 chấp nhận · 2 trả lại · 3 để sau."
REVIEW_ASK_COMMENT = (
    "Anh/chị ghi rõ <b>tất cả</b> những gì còn thiếu, để người báo cáo bổ sung "
    "một lần là xong (gõ tin nhắn). Gõ /huy để thôi."
)
REVIEW_COMMENT_EMPTY = "Anh/chị vui lòng ghi rõ những gì còn thiếu (ít nhất vài chữ)."
REVIEW_ACCEPTED = "Đã chấp nhận báo cáo {code} của {unit}."
REVIEW_RETURNED = "Đã trả lại báo cáo {code} cho {unit}, kèm nhận xét."
REVIEW_GONE = "Báo cáo này đã được xem xét hoặc đã có bản mới hơn."
REVIEW_TOLD_ACCEPTED = (
    "✅ Văn phòng UBND xã đã chấp nhận báo cáo nhiệm vụ <b>{code}</b> (lần {version})."
)
REVIEW_TOLD_RETURNED = (
    "↩️ Báo cáo nhiệm vụ <b>{code}</b> (lần {version}) được trả lại để bổ sung:\n"
    "<i>{comment}</i>\n\nChọn bên dưới để báo cáo lại, hoặc gõ /baocao {code}."
)
REVIEW_BUTTON_AGAIN = "📝 Báo cáo lại {code}"

# --- Exports ------------------------------------------------------------------------------
EXPORT_USAGE = (
    "Tải báo cáo: <b>/xuat excel</b> (bảng tổng hợp), <b>/xuat word</b> (báo cáo năm), "
    "<b>/xuat pctn</b> (báo cáo quý phòng, chống tham nhũng), <b>/xuat csv</b>, "
    "<b>/xuat mau</b> (bảng kế hoạch trống để điền).\n"
    "Thêm quý nếu cần, ví dụ: /xuat excel 2026Q4"
)
EXPORT_BAD_PERIOD = "Quý «{period}» không đúng. Viết quý như 2026Q4."
EXPORT_CAPTIONS = {
    "xlsx": "📊 Bảng tổng hợp kết quả thực hiện kế hoạch (Excel).",
    "csv": "📄 Tình trạng từng nhiệm vụ (CSV).",
    "docx": "📝 Báo cáo kết quả thực hiện kế hoạch (Word), theo Nghị định 30/2020/NĐ-CP.",
    "pctn": "📝 Báo cáo quý về phòng, chống tham nhũng (Word).",
}
# /xuat mau: the empty plan to fill in (the "Hướng dẫn" sheet says how).
EXPORT_TEMPLATE_CAPTION = (
    "📋 Bảng kế hoạch trống: điền nhiệm vụ vào trang «Kế hoạch» (xem trang «Hướng dẫn»), "
    "rồi gửi lại tệp cho bot."
)

# --- Plan import in chat ------------------------------------------------------------------
IMPORT_READING = "Đang đọc tệp {name}…"
IMPORT_PREVIEW = (
    "📥 <b>Kế hoạch năm {year}</b> từ tệp {name}: {tasks} nhiệm vụ trong {areas} lĩnh vực.\n"
    "Thêm mới: {created} · Sửa: {updated} · Giữ nguyên: {unchanged} · Bỏ: {removed}"
)
IMPORT_NEW_PLAN = "Năm {year} chưa có kế hoạch: sẽ tạo kế hoạch mới."
IMPORT_UPDATED_LINE = "• <b>{code}</b>: sửa {fields}{reports}"
IMPORT_REPORTS_KEPT = " (giữ {count} báo cáo)"
IMPORT_KEPT = "Giữ lại vì đã có báo cáo: {codes}"
IMPORT_SHIFTED = (
    "⚠️ Có dòng được thêm hoặc xóa giữa bảng, nên mã các nhiệm vụ sau đó bị dời: {pairs}. "
    "Báo cáo cũ vẫn gắn với mã cũ; anh/chị kiểm tra kỹ trước khi nhập."
)
IMPORT_CONFIRM = "Chọn <b>Nhập kế hoạch</b> để áp dụng, hoặc <b>Hủy</b>.\nHoặc gõ: 1 (nhập) · hủy."
IMPORT_NOTHING = "Tệp này giống hệt kế hoạch hiện có. Không có gì cần nhập."
IMPORT_DONE = (
    "✅ Đã nhập kế hoạch năm {year}: thêm {created}, sửa {updated}, bỏ {removed}.\n"
    "Mọi báo cáo đều được giữ nguyên."
)
IMPORT_CANCELLED = "Đã hủy nhập kế hoạch. Không có gì thay đổi."
IMPORT_GONE = "Không còn tệp kế hoạch nào đang chờ nhập. Anh/chị gửi lại tệp."
IMPORT_BUTTON_OK = "✅ Nhập kế hoạch"
# After a file with no task table (a plan written as prose): where to get one to fill in.
IMPORT_USE_TEMPLATE = (
    "Anh/chị gõ <b>/xuat mau</b> để nhận bảng kế hoạch mẫu (Excel), chép các nhiệm vụ vào "
    "rồi gửi lại tệp."
)
# What the reading left out or guessed, before the office confirms: one line each.
IMPORT_READING_NOTES = "⚠️ Cần xem lại trước khi nhập:\n{lines}"
IMPORT_READING_LINE = "• {line}"
IMPORT_READING_MORE = "… và {count} điều khác: xem bằng lệnh hamlet-bot plan import --dry-run."
# Each task's deadline as read from the timeframe column (models.plan_data.deadline_lines).
IMPORT_AREAS_TITLE = "📂 Nhiệm vụ theo lĩnh vực PAPI:"
IMPORT_DEADLINES_TITLE = "🗓 Thời hạn từng nhiệm vụ:"
IMPORT_DEADLINES_GUESSED = (
    "⚠️ {count} nhiệm vụ ghi «(đoán)»: chưa đọc được thời hạn, tạm tính đến hạn báo cáo cuối "
    "năm. Anh/chị sửa cột thời gian trong tệp nếu cần."
)
CLI_PLAN_TEMPLATE_HINT = (
    "Tạo bảng kế hoạch mẫu để điền: hamlet-bot plan template -o mau-ke-hoach.xlsx"
)
CLI_PLAN_TEMPLATE_WRITTEN = (
    "Đã ghi bảng kế hoạch trống vào {path}: điền trang «Kế hoạch» rồi nhập bằng "
    "hamlet-bot plan import."
)

# --- Reliability: groups, outages -----------------------------------------------------------
GROUP_NOT_SUPPORTED = (
    "Bot chỉ làm việc trong tin nhắn riêng.\n"
    "Anh/chị vui lòng nhắn riêng cho bot để báo cáo hoặc xem tổng hợp."
)
GROUP_NOT_SUPPORTED_SHORT = "Vui lòng nhắn riêng cho bot."
SYSTEM_BUSY = "Hệ thống đang bận, anh/chị vui lòng thử lại sau ít phút."

# --- A linked member's new code used by another account -----------------------------------
RELINK_WAIT = (
    "Mã mời này dành cho {name}, người đã kết nối bằng một tài khoản khác.\n"
    "Văn phòng UBND xã sẽ xác nhận trước khi chuyển sang tài khoản này."
)
ACCOUNT_ADDED = (
    "Một tài khoản {channel} vừa được liên kết với {name} bằng mã mời mới.\n"
    "Nếu không phải anh/chị, xin báo ngay Văn phòng UBND xã."
)
RELINK_HOLDER_WARNED = (
    "Một tài khoản khác vừa dùng mã mời mới của {name}.\n"
    "Nếu anh/chị không đổi điện thoại, xin báo ngay Văn phòng UBND xã."
)
RELINK_ASK_OFFICE = (
    "Tài khoản «{account}» vừa dùng mã mời mới của <b>{name}</b>, "
    "người đang kết nối bằng tài khoản khác.\n"
    "Chuyển sang tài khoản mới? Gõ /xacnhan {number} để đồng ý, /tuchoi {number} để từ chối."
)
RELINK_ACCEPT = "✅ Đồng ý chuyển"
RELINK_REFUSE = "❌ Từ chối"
RELINK_USAGE = "Vui lòng gõ kèm số yêu cầu, ví dụ: /xacnhan 12"
RELINK_GONE = "Không có yêu cầu số này đang chờ xác nhận."
RELINK_ACCOUNT_TAKEN = "Tài khoản mới đã được đăng ký cho {name}, không chuyển được."
RELINK_DONE_OFFICE = "Đã chuyển {name} sang tài khoản mới."
RELINK_REFUSED_OFFICE = "Đã từ chối. {name} vẫn dùng tài khoản cũ; mã mời mới không còn hiệu lực."
RELINK_DONE_CLAIMANT = (
    "Văn phòng UBND xã đã xác nhận. Chào anh/chị {name}! Gõ /help để xem các lệnh."
)
RELINK_REFUSED_CLAIMANT = "Văn phòng UBND xã không xác nhận việc kết nối tài khoản này."
RELINK_DONE_HOLDER = (
    "Tài khoản của {name} đã được chuyển sang điện thoại mới theo xác nhận của Văn phòng.\n"
    "Nếu không phải anh/chị yêu cầu, xin báo ngay Văn phòng UBND xã."
)
INVITE_LINKED_NOTE = (
    "Người này đã kết nối Telegram. Mã cũ không còn hiệu lực; nếu mã mới được dùng từ "
    "tài khoản khác, anh/chị sẽ được hỏi xác nhận trước khi chuyển."
)
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo"}

# Zalo has no buttons: the options are numbered lines under the message.
ZALO_CHOOSE_NUMBER = "Anh/chị nhắn số để chọn."
ZALO_CHOOSE_WORD = "Anh/chị nhắn một trong các lựa chọn trên."
ZALO_LOCATION = "📍 Vị trí: https://maps.google.com/?q={location}"
