"""The commune's profile (issue 11): who it reports to and who signs belong to the commune,
and its Word reports say what its profile says; since 1 July 2025 the defaults name the
province's bodies, not the city's.
"""

import asyncio
import re
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import CLI
from models.commune_profile import (
    SOURCE_CONFIG,
    SOURCE_DEFAULT,
    SOURCE_SET,
    ProfileError,
    apply_config,
    config_value,
    parse_value,
    read_profile,
    recipient_lines,
    set_value,
)
from models.db import alembic_config, create_engine, migrate, session_factory, transaction
from models.export_docx import export_anticorruption_report, export_year_report
from models.exports import ExportRequest, export_job
from models.tables import AuditEntry, Commune, Plan, Role
from tests.test_exports import all_paragraphs, find, gathered, make, open_docx

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TASK = re.compile(r"^\d+\.\d+\. ")


def signature_lines(raw: bytes) -> tuple[list[str], list[str]]:
    """The recipients (left) and the signature block (right), blank lines left out."""
    table = open_docx(raw).tables[-1]
    left, right = table.cell(0, 0).paragraphs, table.cell(0, 1).paragraphs
    return [p.text for p in left], [p.text for p in right if p.text]


def text_of(raw: bytes) -> str:
    return "\n".join(p.text for p in all_paragraphs(open_docx(raw)))


async def set_all(session: AsyncSession, commune: Commune, values: dict[str, list[str]]) -> None:
    for key, given in values.items():
        await set_value(session, commune, key, parse_value(key, given), actor=CLI, now=NOW)


# --- The defaults ---------------------------------------------------------------------------


async def test_the_defaults_are_the_seeds_for_the_two_level_government(
    session: AsyncSession, commune: Commune
) -> None:
    profile = await read_profile(session, commune)
    assert profile.display_name == "xã Mỹ Hòa Hưng"
    assert profile.place_name == "Mỹ Hòa Hưng"
    assert profile.reports_to == "UBND tỉnh An Giang"
    assert recipient_lines(profile.year_report_recipients) == [
        "- UBND tỉnh An Giang;", "- Sở Nội vụ tỉnh An Giang;", "- Lưu: VT.",
    ]  # fmt: skip
    assert profile.anti_corruption_to == "Thanh tra tỉnh An Giang"
    assert profile.signer_title == "Chủ tịch"
    assert profile.signer_name is None and profile.plan_number is None
    assert set(profile.sources.values()) == {SOURCE_DEFAULT}


async def test_the_word_reports_name_no_city_body_by_default(
    session: AsyncSession, commune: Commune
) -> None:
    await make(session, commune, Role.CHAIRMAN, "Võ Văn Chủ", None)
    data = await gathered(session, commune)
    year, pctn = export_year_report(data), export_anticorruption_report(data, "2026Q4")
    for raw in (year, pctn):
        # The plan's own task texts (quoted whole) may name the city: the report's do not.
        text = "\n".join(line for line in text_of(raw).split("\n") if not TASK.match(line))
        assert "thành phố" not in text and "TP;" not in text
        assert signature_lines(raw)[1] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Võ Văn Chủ"]
    assert "Chỉ số PAPI của tỉnh An Giang." in text_of(year)
    assert signature_lines(pctn)[0] == ["Nơi nhận:", "- Thanh tra tỉnh An Giang;", "- Lưu: VT."]


# --- A changed profile ----------------------------------------------------------------------


async def test_a_changed_profile_shows_in_the_word_reports(
    session: AsyncSession, commune: Commune
) -> None:
    await make(session, commune, Role.CHAIRMAN, "Võ Văn Chủ", None)
    await set_all(
        session,
        commune,
        {
            "display_name": ["phường Long Xuyên"],
            "place_name": ["Long Xuyên"],
            "reports_to": ["Ủy ban nhân dân tỉnh Đồng Tháp"],
            "year_report_recipients": ["- UBND tỉnh Đồng Tháp;", "Sở Nội vụ; Lưu: VT, NV."],
            "anti_corruption_recipients": ["Thanh tra tỉnh Đồng Tháp; Đảng ủy phường"],
            "signer_title": ["Phó Chủ tịch"],
            "signer_name": ["Trần Thị Ký"],
            "plan_number": ["12/KH-UBND"],
            "plan_date": ["5/2/2026"],
        },
    )
    data = await gathered(session, commune)
    year = export_year_report(data)
    doc = open_docx(year)
    agency = [p.text for p in doc.tables[0].cell(0, 0).paragraphs[:2]]
    assert agency == ["ỦY BAN NHÂN DÂN", "PHƯỜNG LONG XUYÊN"]
    assert doc.tables[0].cell(1, 1).paragraphs[0].text == "Long Xuyên, ngày 26 tháng 11 năm 2026"
    assert find(doc, "Thực hiện Kế hoạch số").text.startswith(
        "Thực hiện Kế hoạch số 12/KH-UBND ngày 5/2/2026 của Ủy ban nhân dân phường Long Xuyên về"
    )
    text = text_of(year)
    # The plan's title keeps its own words; the report's own say "phường".
    assert "965/KH-UBND" not in text and "Ủy ban nhân dân xã" not in text
    assert "Ủy ban nhân dân phường báo cáo kết quả thực hiện năm 2026" in text
    assert "Chỉ số PAPI của tỉnh Đồng Tháp." in text
    assert "báo cáo kết quả thực hiện Kế hoạch số 12/KH-UBND của Ủy ban nhân dân phường" in text
    recipients, signer = signature_lines(year)
    assert recipients == ["Nơi nhận:", "- UBND tỉnh Đồng Tháp;", "- Sở Nội vụ;", "- Lưu: VT, NV."]
    # A deputy signs for the chairman (ký thay), under the committee's name.
    assert signer == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Thị Ký"]

    pctn = export_anticorruption_report(data, "2026Q4")
    recipients, _ = signature_lines(pctn)
    assert recipients == [
        "Nơi nhận:", "- Thanh tra tỉnh Đồng Tháp;", "- Đảng ủy phường;", "- Lưu: VT.",
    ]  # fmt: skip
    assert "Kế hoạch số 12/KH-UBND ngày 5/2/2026)" in text_of(pctn)


async def test_the_worker_process_export_reads_the_profile(
    session: AsyncSession, commune: Commune, database: str, tmp_path: Path
) -> None:
    await set_all(session, commune, {"anti_corruption_recipients": ["Thanh tra tỉnh Đồng Tháp"]})
    plan = (await session.exec(select(Plan))).one()
    await session.commit()
    request = ExportRequest("pctn", "bao-cao-pctn-2026Q4.docx", "2026Q4")
    # export_job is what runs in the worker: it reads the database on its own connection
    # and writes the file where it is told.
    written = tmp_path / "pctn.docx"
    await asyncio.to_thread(
        export_job, database, commune.id or 0, plan.id or 0, request, NOW, str(written)
    )
    assert "- Thanh tra tỉnh Đồng Tháp;" in signature_lines(written.read_bytes())[0]


async def test_clearing_a_value_goes_back_to_the_config_then_the_default(
    session: AsyncSession, commune: Commune
) -> None:
    await apply_config(session, commune, {"reports_to": "UBND tỉnh Cà Mau"}, now=NOW)
    profile = await read_profile(session, commune)
    assert profile.reports_to == "UBND tỉnh Cà Mau"
    assert profile.anti_corruption_to == "Thanh tra tỉnh Cà Mau"  # the default follows
    assert profile.sources["reports_to"] == SOURCE_CONFIG
    await set_value(session, commune, "reports_to", "UBND tỉnh An Giang", actor=CLI, now=NOW)
    assert (await read_profile(session, commune)).sources["reports_to"] == SOURCE_SET
    await set_value(session, commune, "reports_to", None, actor=CLI, now=NOW)
    assert (await read_profile(session, commune)).reports_to == "UBND tỉnh Cà Mau"
    await apply_config(session, commune, {}, now=NOW)  # the key taken out of the config
    assert (await read_profile(session, commune)).reports_to == "UBND tỉnh An Giang"
    actions = [
        e.action for e in await session.exec(select(AuditEntry).order_by(col(AuditEntry.seq)))
    ]
    assert actions == [
        "commune_profile.config", "commune_profile.set", "commune_profile.set",
        "commune_profile.config",
    ]  # fmt: skip
    # The same config again changes nothing and writes no entry.
    assert not await apply_config(session, commune, {}, now=NOW)


@pytest.mark.parametrize(
    ("key", "given"),
    [
        ("plan_date", ["31/02/2026"]),
        ("plan_date", ["2026-02-05"]),
        ("year_report_recipients", [";;"]),
        ("signer_name", ["x" * 201]),
        ("display_name", ["Mỹ Hòa Hưng"]),
        ("nguoi_ky", ["Trần Thị Ký"]),
    ],
)
def test_a_bad_key_or_value_is_refused(key: str, given: list[str]) -> None:
    with pytest.raises(ProfileError) as raised:
        parse_value(key, given)
    if key == "nguoi_ky":
        assert raised.value.reason == "unknown_key" and "signer_name" in str(raised.value)
    else:
        assert raised.value.reason == "bad_value" and key in str(raised.value)


def test_config_values_take_toml_lists_and_dates() -> None:
    assert config_value("plan_date", date(2023, 6, 30)) == "2023-06-30"
    assert config_value("year_report_recipients", ["UBND tỉnh An Giang", "Lưu: VT."]) == [
        "UBND tỉnh An Giang", "Lưu: VT",
    ]  # fmt: skip
    with pytest.raises(ProfileError):
        config_value("signer_name", 12)
    with pytest.raises(ProfileError):
        config_value("reports_to", " ")


# --- The migration --------------------------------------------------------------------------


def test_the_migration_adds_the_profile_to_an_existing_database(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    command.upgrade(alembic_config(url), "0012")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO commune (name, timezone) VALUES ('Mỹ Hòa Hưng', 'Asia/Ho_Chi_Minh')"
        )
    migrate(url)

    async def profile_after() -> str:
        engine = create_engine(url)
        try:
            async with transaction(session_factory(engine)) as session:
                commune = (await session.exec(select(Commune))).one()
                before = await read_profile(session, commune)
                await set_value(session, commune, "signer_name", "Trần Thị Ký", actor=CLI, now=NOW)
                after = await read_profile(session, commune)
                assert before.reports_to == "UBND tỉnh An Giang"
                return after.signer_name or ""
        finally:
            await engine.dispose()

    assert asyncio.run(profile_after()) == "Trần Thị Ký"
    command.downgrade(alembic_config(url), "0012")
    with sqlite3.connect(path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert "communeprofile" not in tables and "commune" in tables
