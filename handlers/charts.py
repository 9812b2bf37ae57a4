"""The /tonghop picture: percent done per PAPI area, and how much each hamlet and unit has
reported in the quarter. Sized for a phone screen (portrait, large type).

Drawn with matplotlib's object API only (no pyplot and its global figure list), so that it
can run off the event loop, in a worker process: :func:`draw_summary_chart`.
"""

import io

from models.clock import quarter_label
from models.offload import run_heavy
from models.summary import PlanSummary
from models.wording import shorten

_DONE = "#2e7d32"
_REST = "#e0e0e0"
_PARTLY = "#f9a825"
_NONE = "#c62828"


def summary_chart(summary: PlanSummary) -> bytes:
    """A PNG: one bar per area (percent done), then one bar per hamlet and unit (share of
    its tasks reported this quarter).
    """
    # matplotlib costs about 0.5 s and 40 MB to import: only when a chart is drawn.
    from matplotlib.figure import Figure

    areas = [area for area in summary.areas if area.total]
    people = summary.participation
    rows = len(areas) + len(people)
    figure = Figure(figsize=(6.4, 2.2 + 0.34 * rows), dpi=130)
    heights = [max(len(areas), 1), max(len(people), 1)]
    top, bottom = figure.subplots(2, 1, gridspec_kw={"height_ratios": heights})
    labels = [f"{a.number}. {shorten(a.name, 30)}" for a in areas]
    values = [a.percent for a in areas]
    top.barh(labels, [100] * len(values), color=_REST)
    top.barh(labels, values, color=_DONE)
    for y, value in enumerate(values):
        top.text(min(value, 88) + 1.5, y, f"{value}%", va="center", fontsize=9)
    top.set_xlim(0, 100)
    top.invert_yaxis()
    title = f"Tiến độ theo lĩnh vực — {summary.scope or 'toàn xã'} ({summary.percent}%)"
    top.set_title(title, fontsize=11, loc="left")
    top.tick_params(labelsize=9)
    top.set_xticks([])

    names = [shorten(p.name, 30) for p in people]
    shares = [round(100 * p.reported / p.in_scope) if p.in_scope else 0 for p in people]
    colours = [_DONE if s == 100 else _PARTLY if s else _NONE for s in shares]
    bottom.barh(names, [100] * len(shares), color=_REST)
    bottom.barh(names, shares, color=colours)
    for y, person in enumerate(people):
        label = f"{person.reported}/{person.in_scope}"
        bottom.text(min(shares[y], 85) + 1.5, y, label, va="center", fontsize=9)
    bottom.set_xlim(0, 100)
    bottom.invert_yaxis()
    bottom.set_title(
        f"Đã báo cáo {quarter_label(summary.quarter)} (nhiệm vụ)", fontsize=11, loc="left"
    )
    bottom.tick_params(labelsize=9)
    bottom.set_xticks([])
    for axis in (top, bottom):
        for side in ("top", "right", "bottom"):
            axis.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def draw_summary_chart(summary: PlanSummary) -> bytes:
    """:func:`summary_chart`, drawn in a worker process (it takes a tenth of a second or
    more, mostly in matplotlib's C++, which holds the interpreter): the other members'
    updates are not held meanwhile.
    """
    return await run_heavy(summary_chart, summary)
