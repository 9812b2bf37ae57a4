"""A plan file too big to take is refused, clearly, before anything large is read; one just
small enough is read in bounded memory. Nothing is ever cut short.

The files are crafted at the byte level (a template saved by python-docx or openpyxl, its
main part replaced), so that files of tens of thousands of rows are quick to make.
"""

import base64
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

from models.plan_file import (
    MAX_FILE_BYTES,
    MAX_PLAN_TASKS,
    MAX_STYLE_ELEMENTS,
    MAX_TABLE_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_XML_ELEMENTS,
    PlanImportError,
)
from models.plan_import import ImportCatalogue, catalogue_for, read_plan_table

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
HEADER = (
    "TT",
    "Lĩnh vực/Nhiệm vụ",
    "Kết quả",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
)
AREA = ("1", "Tham gia của người dân ở cấp cơ sở")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def task(number: int) -> tuple[str, ...]:
    return ("", f"Nhiệm vụ {number}", "Kế hoạch", "Văn phòng UBND xã", "", "Năm 2026")


def plan_rows(tasks: int) -> Iterator[Sequence[str]]:
    yield HEADER
    yield AREA
    for number in range(1, tasks + 1):
        yield task(number)


@pytest.fixture(scope="module")
def catalogue() -> ImportCatalogue:
    return catalogue_for()


def read(content: bytes, name: str, catalogue: ImportCatalogue) -> Any:
    return read_plan_table(content, name, catalogue, commune="Mỹ Hòa Hưng", year=2026)


# -- crafting files ---------------------------------------------------------------------------


def _replace_parts(template: bytes, parts: dict[str, bytes], level: int = 6) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for info in source.infolist():
            package.writestr(info.filename, parts.pop(info.filename, source.read(info.filename)))
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def _xlsx_template() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Kế hoạch"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_xml(rows: Iterator[Sequence[str]], merges: Sequence[str] = (), tail: str = "") -> bytes:
    """A worksheet of inline strings; ``tail`` is raw XML after the rows (e.g. empty rows)."""
    chunks = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>']
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{get_column_letter(column)}{number}" t="inlineStr"><is><t>{escape(text)}'
            "</t></is></c>"
            for column, text in enumerate(row, start=1)
            if text
        )
        chunks.append(f'<row r="{number}">{cells}</row>')
    chunks.append(tail + "</sheetData>")
    if merges:
        chunks.append(f'<mergeCells count="{len(merges)}">')
        chunks.extend(f'<mergeCell ref="{ref}"/>' for ref in merges)
        chunks.append("</mergeCells>")
    chunks.append("</worksheet>")
    return "".join(chunks).encode()


def make_xlsx(
    rows: Iterator[Sequence[str]],
    merges: Sequence[str] = (),
    tail: str = "",
    parts: dict[str, bytes] | None = None,
) -> bytes:
    return _replace_parts(
        _xlsx_template(),
        {"xl/worksheets/sheet1.xml": sheet_xml(rows, merges, tail), **(parts or {})},
    )


def _docx_template() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def document_xml(rows: Iterator[Sequence[str]], filler: bytes = b"") -> bytes:
    """A Word body: one table of ``rows``, then ``filler`` (raw XML)."""
    chunks = [f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{WORD_NS}"><w:body>']
    chunks.append("<w:tbl>")
    for row in rows:
        cells = "".join(
            f"<w:tc><w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:tc>" for text in row
        )
        chunks.append(f"<w:tr>{cells}</w:tr>")
    chunks.append("</w:tbl>")
    return "".join(chunks).encode() + filler + b"</w:body></w:document>"


def make_docx(rows: Iterator[Sequence[str]], filler: bytes = b"", **parts: bytes) -> bytes:
    return _replace_parts(
        _docx_template(), {"word/document.xml": document_xml(rows, filler), **parts}
    )


def docx_with_media(media: dict[str, tuple[int, bytes]], level: int = 6) -> bytes:
    """A small plan with pictures: name -> (declared size, a chunk repeated to fill it),
    each referenced from the document so that python-docx loads it.
    """
    template = make_docx(plan_rows(3))
    source = zipfile.ZipFile(io.BytesIO(template))
    rels = source.read("word/_rels/document.xml.rels").decode()
    types = source.read("[Content_Types].xml").decode()
    links = "".join(
        f'<Relationship Id="rIdMedia{index}" Target="media/{name}" Type="http://schemas'
        '.openxmlformats.org/officeDocument/2006/relationships/image"/>'
        for index, name in enumerate(media)
    )
    rels = rels.replace("</Relationships>", links + "</Relationships>")
    types = types.replace("</Types>", '<Default Extension="png" ContentType="image/png"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/_rels/document.xml.rels":
                data = rels.encode()
            elif info.filename == "[Content_Types].xml":
                data = types.encode()
            package.writestr(info.filename, data)
        for name, (size, chunk) in media.items():
            with package.open(f"word/media/{name}", "w", force_zip64=True) as part:
                left = size
                while left > 0:
                    part.write(chunk[:left])
                    left -= len(chunk)
    return out.getvalue()


# -- the zip container ------------------------------------------------------------------------


def never(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("a file over a limit must be refused before it is parsed")


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx, "Document", never)
    monkeypatch.setattr(openpyxl, "load_workbook", never)


def test_every_member_counts_towards_the_unpacked_limit(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = docx_with_media({"image1.png": (MAX_UNPACKED_BYTES, bytes(MB))})
    assert len(content) < MAX_FILE_BYTES
    forbid_parsing(monkeypatch)
    with pytest.raises(PlanImportError) as caught:
        read(content, "anh.docx", catalogue)
    assert caught.value.reason == "too_large"
    assert f"{MAX_UNPACKED_BYTES // MB} MB" in str(caught.value), str(caught.value)


def test_a_member_that_claims_a_gigabyte_is_refused_unread(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = docx_with_media({"image1.png": (1024 * MB, bytes(8 * MB))}, level=1)
    assert len(content) < MAX_FILE_BYTES
    forbid_parsing(monkeypatch)
    started = time.perf_counter()
    with pytest.raises(PlanImportError) as caught:
        read(content, "bom.docx", catalogue)
    assert caught.value.reason == "too_large"
    assert time.perf_counter() - started < 0.5  # the header is read, not the gigabyte


def test_other_containers_are_refused(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = make_xlsx(plan_rows(2))
    source = zipfile.ZipFile(io.BytesIO(plain))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as package:
        for info in source.infolist():
            package.writestr(info.filename, source.read(info.filename))
    many = _replace_parts(plain, {f"xl/media/a{n}.png": b"x" for n in range(2001)})
    forbid_parsing(monkeypatch)
    with pytest.raises(PlanImportError) as caught:
        read(out.getvalue(), "bzip.xlsx", catalogue)
    assert caught.value.reason == "corrupt"
    with pytest.raises(PlanImportError) as caught:
        read(b"TT;Nhiem vu\n1;Mot\n", "ke-hoach.xlsx", catalogue)
    assert caught.value.reason == "corrupt"
    with pytest.raises(PlanImportError) as caught:
        read(many, "nhieu.xlsx", catalogue)
    assert caught.value.reason == "too_large"


def test_xml_with_too_many_elements_is_refused_before_parsing(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_docx(plan_rows(3), filler=b"<w:p/>" * (MAX_XML_ELEMENTS + 1))
    styles = zipfile.ZipFile(io.BytesIO(_xlsx_template())).read("xl/styles.xml")
    fonts = b'<font><b/><sz val="11"/></font>' * (MAX_STYLE_ELEMENTS // 3 + 1)
    styles = re.sub(rb'<fonts count="\d+">', b'<fonts count="1">' + fonts, styles)
    workbook = make_xlsx(plan_rows(3), parts={"xl/styles.xml": styles})
    forbid_parsing(monkeypatch)
    with pytest.raises(PlanImportError) as caught:
        read(content, "phuc-tap.docx", catalogue)
    assert caught.value.reason == "too_large" and "quá phức tạp" in str(caught.value)
    with pytest.raises(PlanImportError) as caught:
        read(workbook, "kieu.xlsx", catalogue)
    assert caught.value.reason == "too_large"


# -- rows and tasks: refused, never cut short -------------------------------------------------


def test_a_sheet_of_100_000_rows_is_refused_reading_just_past_the_limit(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl.worksheet._read_only import (  # type: ignore[import-untyped, unused-ignore]
        ReadOnlyWorksheet,
    )

    content = make_xlsx(plan_rows(100_000))
    assert len(content) < MAX_FILE_BYTES
    seen = 0
    iter_rows = ReadOnlyWorksheet.iter_rows

    def counted(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        nonlocal seen
        for row in iter_rows(self, *args, **kwargs):
            seen += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counted)
    with pytest.raises(PlanImportError) as caught:
        read(content, "dai.xlsx", catalogue)
    assert caught.value.reason == "too_many_rows"
    assert "hơn 2.000 dòng" in str(caught.value) and "«Kế hoạch»" in str(caught.value)
    assert seen == MAX_TABLE_ROWS + 1


def test_a_word_table_over_the_row_limit_is_refused_before_parsing(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_docx(plan_rows(MAX_TABLE_ROWS))
    forbid_parsing(monkeypatch)
    with pytest.raises(PlanImportError) as caught:
        read(content, "dai.docx", catalogue)
    assert caught.value.reason == "too_many_rows"
    assert "hơn 2.000 dòng" in str(caught.value)


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_a_plan_over_the_task_limit_is_refused_and_one_at_it_is_read(
    catalogue: ImportCatalogue, kind: str
) -> None:
    make = make_docx if kind == "docx" else make_xlsx
    spec = read(make(plan_rows(MAX_PLAN_TASKS)), f"du.{kind}", catalogue)
    assert len(spec.tasks) == MAX_PLAN_TASKS
    with pytest.raises(PlanImportError) as caught:
        read(make(plan_rows(MAX_PLAN_TASKS + 1)), f"qua.{kind}", catalogue)
    assert caught.value.reason == "too_many_tasks"
    assert f"hơn {MAX_PLAN_TASKS} nhiệm vụ" in str(caught.value)


def test_empty_formatted_rows_down_to_the_last_row_cost_nothing(
    catalogue: ImportCatalogue,
) -> None:
    far = '<row r="1048576" s="1" customFormat="1"><c r="A1048576" s="1"/></row>'
    started = time.perf_counter()
    spec = read(make_xlsx(plan_rows(3), tail=far), "dinh-dang.xlsx", catalogue)
    assert len(spec.tasks) == 3
    assert time.perf_counter() - started < 5


def test_merged_cells_still_read_as_excel_shows_them(catalogue: ImportCatalogue) -> None:
    # The area's name merged across the row; a lead unit merged down two task rows.
    rows = [HEADER, AREA, task(1), ("", "Nhiệm vụ 2", "Kế hoạch", "", "", "Năm 2026")]
    spec = read(make_xlsx(iter(rows), merges=["B2:F2", "D3:D4"]), "gop.xlsx", catalogue)
    assert [t.lead_units for t in spec.tasks] == [("Văn phòng UBND xã",)] * 2
    assert spec.areas[0].name == AREA[1]
    # A lead merged down past the row limit fills every row it spans: too many rows.
    with pytest.raises(PlanImportError) as caught:
        read(make_xlsx(iter(rows), merges=["D3:D9999"]), "gop-dai.xlsx", catalogue)
    assert caught.value.reason == "too_many_rows"


# -- peak memory, measured in a fresh process -------------------------------------------------

MEASURE = """
import resource, sys
from pathlib import Path
from models.plan_import import PlanImportError, catalogue_for, read_plan_table
path = Path(sys.argv[1])
catalogue = catalogue_for()
try:
    spec = read_plan_table(
        path.read_bytes(), path.name, catalogue, commune="Mỹ Hòa Hưng", year=2026
    )
    outcome = f"ok:{len(spec.tasks)}"
except PlanImportError as error:
    outcome = error.reason
# The peak of this process's own memory. ru_maxrss would also do, but on Linux a child
# started by a large parent (pytest) inherits the parent's peak across exec; VmHWM does not.
status = Path("/proc/self/status")
if status.exists():
    line = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
    kilobytes = int(line.split()[1])
else:
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(outcome, kilobytes // 1024)
"""
PEAK_MB = 200


def peak(path: Path) -> tuple[str, int]:
    """Read ``path`` in a new process: the outcome and the peak resident memory in MB."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    outcome, megabytes = done.stdout.split()
    print(f"{path.name}: {outcome}, peak {megabytes} MB")  # shown with pytest -s
    return outcome, int(megabytes)


def biggest_sheet() -> bytes:
    """A ~10 MB workbook at the row limit: the plan, then rows of random text in columns the
    plan does not use (read and kept, as any cell, up to the 50th column).
    """
    noise = base64.b64encode(os.urandom(9 * MB)).decode()
    per_row = len(noise) // MAX_TABLE_ROWS
    width = 40

    def rows() -> Iterator[Sequence[str]]:
        for number, row in enumerate(plan_rows(MAX_PLAN_TASKS - 1)):
            text = noise[number * per_row : (number + 1) * per_row]
            yield (*row, *([""] * (6 - len(row))), *(text[i::width] for i in range(width)))
        for number in range(MAX_PLAN_TASKS + 2, MAX_TABLE_ROWS + 1):
            text = noise[number * per_row : (number + 1) * per_row]
            yield ("", "", "", "", "", "", *(text[i::width] for i in range(width)))

    return make_xlsx(rows())


def biggest_media() -> bytes:
    """A plan with 9 MB of pictures that do not compress and one that unpacks to just under
    the limit.
    """
    random = os.urandom(8 * MB)
    zeros = MAX_UNPACKED_BYTES - len(random) - MB  # the template's XML is under 1 MB
    return docx_with_media({"a.png": (len(random), random), "b.png": (zeros, bytes(MB))})


def most_elements() -> bytes:
    """A Word plan whose XML has just under the element limit (python-docx's worst case;
    the template's own parts have about 20 000).
    """
    return make_docx(plan_rows(40), filler=b"<w:p/>" * (MAX_XML_ELEMENTS - 25_000))


def most_styles() -> bytes:
    """A workbook whose stylesheet has just under its element limit (openpyxl's worst case:
    an object per font), and shared strings up to the element limit.
    """
    styles = zipfile.ZipFile(io.BytesIO(_xlsx_template())).read("xl/styles.xml")
    fonts = b'<font><b/><sz val="11"/></font>' * (MAX_STYLE_ELEMENTS // 3 - 200)
    styles = re.sub(rb'<fonts count="\d+">', b'<fonts count="1">' + fonts, styles)
    strings = (MAX_XML_ELEMENTS - MAX_STYLE_ELEMENTS) // 2 - 5000
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{strings}" '
        f'uniqueCount="{strings}">'
        + "".join(f"<si><t>{n}</t></si>" for n in range(strings))
        + "</sst>"
    ).encode()
    return make_xlsx(
        plan_rows(20), parts={"xl/styles.xml": styles, "xl/sharedStrings.xml": shared}
    )


def test_peak_memory_stays_bounded(tmp_path: Path) -> None:
    cases = {
        "bang-lon.xlsx": (biggest_sheet, "ok:499"),
        "anh-lon.docx": (biggest_media, "ok:3"),
        "nhieu-phan-tu.docx": (most_elements, "ok:40"),
        "nhieu-kieu.xlsx": (most_styles, "ok:20"),
        "gigabyte.docx": (
            lambda: docx_with_media({"a.png": (1024 * MB, bytes(8 * MB))}, level=1),
            "too_large",
        ),
    }
    for name, (make, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(make())
        assert path.stat().st_size <= MAX_FILE_BYTES, name
        outcome, megabytes = peak(path)
        assert outcome == expected, name
        assert megabytes < PEAK_MB, f"{name}: {megabytes} MB"
    assert (tmp_path / "bang-lon.xlsx").stat().st_size > 8 * MB
