"""Server-rendered SVG charts: geometry computed in Python, no script, no external request.

Every chart has a <title> and <desc>, distinguishes its series by pattern as well as
colour (readable in grey scale), labels its values in text, and is shown next to a
table holding the same numbers.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cluster_portal.fiscal import format_million_yen

# Three series told apart by fill pattern as well as colour.
PATTERNS = SafeString(
    "<defs>"
    '<pattern id="pattern-solid" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" class="chart-fill chart-fill--1"/></pattern>'
    '<pattern id="pattern-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" class="chart-fill chart-fill--2"/>'
    '<line x1="0" y1="0" x2="0" y2="6" class="chart-stroke"/></pattern>'
    '<pattern id="pattern-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" class="chart-fill chart-fill--3"/>'
    '<circle cx="3" cy="3" r="1.3" class="chart-dot"/></pattern>'
    '<pattern id="pattern-loss" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">'
    '<rect width="8" height="8" class="chart-fill chart-fill--loss"/>'
    '<line x1="0" y1="0" x2="0" y2="8" class="chart-stroke chart-stroke--loss"/></pattern>'
    "</defs>"
)
SERIES_PATTERNS = ("pattern-solid", "pattern-hatch", "pattern-dots")


def _svg(*, width, height, title, desc, body, css_class="chart", chart_id="chart") -> SafeString:
    return format_html(
        # width and height: the drawing's own size in CSS px, where its 13 px labels are drawn at 13 px
        # (a phone keeps it inside a scrolling container; wider screens scale it to the column)
        '<svg class="{}" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-labelledby="{}-title {}-desc" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}</svg>',
        css_class,
        width,
        height,
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
        PATTERNS,
        body,
    )


def _fiscal_label(year) -> str:
    from cluster_portal.fiscal import fiscal_year_label

    return fiscal_year_label(year).split("（")[0]


def _axis_top(top: int) -> int:
    """A round top for the value axis, in yen: 1, 2 or 5 × a power of ten million yen, at least ``top``."""
    step = 10_000_000
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor:
                return step * factor
        step *= 10


def funding_bars(rows, *, chart_id="funding-chart") -> SafeString:
    """Grouped bars per fiscal year: granted, allocated, executed (rows from ``stats.funding_table``).

    Labelled axes: fiscal years along the bottom, 百万円 up the side with three gridlines.
    """
    if not rows:
        return SafeString("")
    series = [("granted", _("交付決定額")), ("allocated", _("配分額")), ("executed", _("執行額"))]
    top = _axis_top(max(max(row.granted, row.allocated, row.executed) for row in rows) or 1)
    bar, gap, left, base, plot = 16, 18, 64, 250, 190
    group = bar * len(series) + gap
    width = left + 8 + group * len(rows)
    parts = []
    for tick in range(3):  # 0, half and the top of the value axis
        value = top * tick // 2
        y = round(base - plot * tick / 2, 1)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-grid"/>'
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
                left,
                y,
                width - 8,
                y,
                left - 6,
                y + 4,
                f"{value // 1_000_000:,}",  # the unit is in the axis label
            )
        )
    for index, row in enumerate(rows):
        x0 = left + gap / 2 + index * group
        for offset, (key, label) in enumerate(series):
            value = getattr(row, key)
            height = round(plot * value / top, 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#{})" class="chart-bar">'
                    "<title>{} {}: {}</title></rect>",
                    x0 + offset * bar,
                    round(base - height, 1),
                    bar - 2,
                    height,
                    SERIES_PATTERNS[offset],
                    _fiscal_label(row.fiscal_year),
                    label,
                    format_million_yen(value),
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
                x0 + (bar * len(series)) / 2,
                base + 16,
                _fiscal_label(row.fiscal_year),
            )
        )
    legend = format_html_join(
        "",
        '<rect x="{}" y="4" width="14" height="14" fill="url(#{})" class="chart-bar"/>'
        '<text x="{}" y="16" class="chart-label">{}</text>',
        ((left + i * 120, SERIES_PATTERNS[i], left + i * 120 + 18, label) for i, (_key, label) in enumerate(series)),
    )
    axes = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"/>'
        '<text x="{}" y="{}" class="chart-label chart-label--axis">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" class="chart-label chart-label--axis">{}</text>',
        left,
        base,
        width - 8,
        base,
        left,
        base,
        left,
        base - plot,
        4,
        base - plot - 12,
        _("金額（百万円）"),
        left + (width - 8 - left) / 2,
        base + 36,
        _("年度"),
    )
    return _svg(
        width=max(width, 420),
        height=base + 44,
        title=_("年度別の交付決定額・配分額・執行額"),
        desc=_(
            "年度ごとに交付決定額（塗りつぶし）、配分額（斜線）、執行額（点）の棒を並べています。"
            "横軸は年度、縦軸は金額（百万円）です。数値は下の表にあります。"
        ),
        body=mark_safe(legend + "".join(parts) + axes),  # noqa: S308 (every part built with format_html)
        chart_id=chart_id,
    )


# --- Sankey-style funding flow -------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    amount: int


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    amount: int
    x: float
    y: float
    height: float
    is_loss: bool = False
    #: an amount that enters a stage without a record in the stage before (e.g. a grant with no recorded selection)
    is_unrecorded: bool = False


def sankey_layout(stages: list[Stage], *, width=960, height=340, node_width=22, gap_below=24):
    """Node rectangles and link polygons for a chain of stages, each flowing into the next.

    The part of a stage that does not reach the next one (not selected, not allocated,
    not executed) leaves as a drop-off node below. The part of a stage larger than the
    stage before (a grant with no recorded selection, say) is never drawn as a band that
    grows: it enters from an "unrecorded" node below, so every band narrows or keeps its
    width. Heights are proportional to yen.
    Returns ``(nodes, links)``; links are ``(source, target, amount, points)``.
    """
    top = max((stage.amount for stage in stages), default=0) or 1
    usable = height * 0.62
    scale = usable / top
    step = (width - node_width) / max(len(stages) - 1, 1)
    nodes, links = [], []
    for index, stage in enumerate(stages):
        nodes.append(
            Node(stage.key, stage.label, stage.amount, round(index * step, 1), 30.0, max(stage.amount * scale, 1.5))
        )
    for index in range(len(stages) - 1):
        source, target = nodes[index], nodes[index + 1]
        flow = min(source.amount, target.amount)
        thickness = flow * scale
        x1, x2 = source.x + node_width, target.x
        links.append((source, target, flow, _band(x1, source.y, x2, target.y, thickness)))
        loss, excess = source.amount - flow, target.amount - flow  # at most one of them is positive
        side = loss or excess
        if side <= 0:
            continue
        side_height = max(side * scale, 1.5)
        # below the bands, as low as the drawing allows (its labels go under it, in the margin below)
        side_y = round(max(30 + thickness + gap_below, min(30 + usable + gap_below, height - side_height)), 1)
        if loss > 0:
            node = Node(
                f"{source.key}-loss", "", loss, round(source.x + step / 2, 1), side_y, side_height, is_loss=True
            )
            nodes.append(node)
            links.append((source, node, loss, _band(x1, source.y + thickness, node.x, side_y, loss * scale)))
        else:
            x = round(source.x + step / 2 - node_width, 1)
            node = Node(f"{target.key}-unrecorded", "", excess, x, side_y, side_height, is_unrecorded=True)
            nodes.append(node)
            links.append(
                (node, target, excess, _band(x + node_width, side_y, x2, target.y + thickness, excess * scale))
            )
    return nodes, links


def _band(x1, y1, x2, y2, thickness) -> str:
    """A smooth band (cubic Bézier edges) from (x1, y1) to (x2, y2), ``thickness`` tall."""
    middle = (x1 + x2) / 2
    return (
        f"M{x1:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} {x2:.1f},{y2:.1f} "
        f"L{x2:.1f},{y2 + thickness:.1f} C{middle:.1f},{y2 + thickness:.1f} {middle:.1f},{y1 + thickness:.1f} "
        f"{x1:.1f},{y1 + thickness:.1f} Z"
    )


LOSS_LABELS = {
    "requested": lambda: _("不採択"),
    "selected": lambda: _("採択額と交付額の差"),
    "granted": lambda: _("未配分"),
    "allocated": lambda: _("未執行"),
}


UNRECORDED_LABELS = {
    "selected": lambda: _("要求の記録がない採択"),
    "granted": lambda: _("選考の記録がない交付決定"),
    "allocated": lambda: _("交付決定を超える配分"),
    "executed": lambda: _("配分を超える執行（理由記録あり）"),
}


def _node_label(node) -> str:
    if node.is_loss:
        return LOSS_LABELS[node.key.removesuffix("-loss")]()
    if node.is_unrecorded:
        return UNRECORDED_LABELS[node.key.removesuffix("-unrecorded")]()
    return node.label


def sankey(flow, *, results_label: tuple[str, str]) -> SafeString:
    """The flow requested → selected → granted → allocated → executed, with results counted at the end."""
    stages = [
        Stage("requested", _("要求額"), flow.requested),
        Stage("selected", _("採択"), flow.selected),
        Stage("granted", _("交付決定額"), flow.granted),
        Stage("allocated", _("配分額"), flow.allocated),
        Stage("executed", _("執行額"), flow.executed),
    ]
    width, height, node_width = 1080, 360, 22
    nodes, links = sankey_layout(stages, width=width - 220, height=height - 40, node_width=node_width)
    parts = []
    for source, target, amount, points in links:
        hatched = target.is_loss or source.is_unrecorded
        parts.append(
            format_html(
                '<path d="{}" fill="url(#{})" class="sankey-link{}"><title>{} → {}: {}</title></path>',
                points,
                "pattern-loss" if hatched else "pattern-solid",
                " sankey-link--loss" if hatched else "",
                _node_label(source),
                LOSS_LABELS[source.key]() if target.is_loss else target.label,
                format_million_yen(amount),
            )
        )
    for node in nodes:
        label = _node_label(node)
        below = node.is_loss or node.is_unrecorded
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="sankey-node{}"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" class="chart-label chart-label--strong">{}</text>'
                '<text x="{}" y="{}" class="chart-label">{}</text>',
                node.x,
                node.y,
                node_width,
                round(node.height, 1),
                " sankey-node--loss" if below else "",
                label,
                format_million_yen(node.amount),
                node.x,
                node.y + node.height + 14 if below else node.y - 16,
                label,
                node.x,
                node.y + node.height + 28 if below else node.y - 3,
                format_million_yen(node.amount),
            )
        )
    results_x = width - 180
    arrow_y = 30 + min(nodes[4].height, 80) / 2
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis chart-arrow"/>'
            '<text x="{}" y="{}" class="chart-label chart-label--strong">{}</text>'
            '<text x="{}" y="{}" class="chart-label">{}</text>'
            '<text x="{}" y="{}" class="chart-label">{}</text>',
            nodes[4].x + node_width + 4,
            round(arrow_y, 1),
            results_x - 6,
            round(arrow_y, 1),
            results_x,
            round(arrow_y - 14, 1),
            _("成果"),
            results_x,
            round(arrow_y + 4, 1),
            results_label[0],
            results_x,
            round(arrow_y + 22, 1),
            results_label[1],
        )
    )
    return _svg(
        width=width,
        height=height + 40,
        title=_("資金の流れ（要求から成果まで）"),
        desc=_(
            "要求額、採択、交付決定、配分、執行の順に、金額に比例した太さの帯で資金の流れを示します。"
            "次の段階に進まなかった額は斜線の帯で下に分かれます。前の段階に記録がない額（選考の記録がない交付決定など）は"
            "斜線の帯で下から加わり、帯が太くなるようには描きません。同じ数値を下の表に示しています。"
        ),
        body=mark_safe("".join(parts)),  # noqa: S308 (every part built with format_html)
        css_class="chart chart--sankey",
        chart_id="sankey",
    )
