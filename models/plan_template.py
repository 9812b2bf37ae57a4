"""The empty plan an office fills in when its plan has no task table (a plan written as
prose): the workbook's "Kế hoạch" sheet as an export lays it out, the eight PAPI areas as
its headings, and a sheet of instructions. Filled in, it imports as any plan file does.
"""

from models.export_xlsx import plan_template_xlsx
from models.plan_numbering import PAPI_AREAS

TEMPLATE_FILE_NAME = "mau-ke-hoach.xlsx"
GUIDE = (
    "MẪU BẢNG NHIỆM VỤ KẾ HOẠCH",
    "1. Điền các nhiệm vụ vào trang tính «Kế hoạch», rồi gửi lại tệp cho bot (hoặc dùng "
    "lệnh hamlet-bot plan import).",
    "2. Mỗi nhiệm vụ một dòng, đặt dưới dòng lĩnh vực của nó. Cột TT của dòng nhiệm vụ để "
    "trống: bot tự đánh mã 1.1, 1.2…",
    "3. Bắt buộc có nội dung nhiệm vụ và cơ quan chủ trì; các cột khác có thể để trống.",
    "4. Nhiều đơn vị trong một ô: cách nhau bằng dấu chấm phẩy (;). Ví dụ: Văn phòng UBND xã; "
    "Công an xã.",
    "5. Thời gian thực hiện, ví dụ: Thường xuyên; Hằng quý; Quý I/2025; Trước ngày 30/6/2025; "
    "Tháng 6 và tháng 12. Để trống: hạn là cuối năm.",
    "6. Lĩnh vực không có nhiệm vụ thì để nguyên hoặc xóa dòng đó.",
)


def plan_template() -> bytes:
    """The empty plan workbook (.xlsx)."""
    return plan_template_xlsx(sorted(PAPI_AREAS.items()), GUIDE)
