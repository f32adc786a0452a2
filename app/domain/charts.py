"""Report pictures as SVG text: a heat map, horizontal bars, columns by month and a 1..5 distribution.

Plain string building, no chart library: the same input always gives the same bytes. Every
picture is drawn in a viewBox a phone's width wide (390 units), so on a phone one unit is about
one CSS pixel and the smallest text stays readable; on a wider screen it scales up. Pictures say
what they show in <title> and <desc> (text the caller passes, in the page's language), and never
by colour alone: values are printed where they fit, the heat map's steps are far apart in
lightness, and the page puts the numbers in a table beside each picture.

Only presentation attributes are used (no style attribute, no <style>), so a page with a strict
Content-Security-Policy shows them as drawn.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 390  # a phone's CSS width: one viewBox unit is about one pixel there
PAD = 8
FONT_SIZE = 14  # labels
SMALL_FONT_SIZE = 13  # ticks, values and the legend: about 12 px on a 360-px-wide phone
LINE = 18  # the height of a line of label text
FONT_FAMILY = (
    "system-ui, -apple-system, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
)

# Colours with WCAG AA contrast on white: text 4.5:1 or more, bars and axes 3:1 or more.
TEXT = "#1f2328"
MUTED_TEXT = "#57606a"
BAR = "#8c1c13"
GRID = "#d0d7de"
BACKGROUND = "#ffffff"
WHITE, BLACK = "#ffffff", "#000000"

# The heat map's steps: (lower bound, fill, legend label). A value takes the last step whose bound
# it reaches; 0 exactly is its own step so "nothing booked" never looks like "a little booked".
HEAT_STEPS: tuple[tuple[float, str, str], ...] = (
    (0.0, "#f6f8fa", "0%"),
    (1e-9, "#fbd0ad", "<10%"),
    (0.10, "#f5a571", "10–25%"),
    (0.25, "#e2703f", "25–50%"),
    (0.50, "#a8361b", "50–75%"),
    (0.75, "#5e140b", "≥75%"),
)
NO_VALUE_FILL = "#ffffff"  # nothing was offered: no share to show (drawn with a dash)

_CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# Characters XML 1.0 does not allow at all: dropped rather than breaking the page.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class ChartText:
    """The words of one picture, in the page's language."""

    title: str  # what it is, e.g. "Bookings per month"
    description: str  # what it shows, e.g. "Bookings starting in each month, December 2025 to November 2026."
    no_data: str  # shown instead of the picture's marks when there is nothing to draw


@dataclass(frozen=True)
class Bar:
    """One bar or column: its label, its value (not negative) and how to print the value."""

    label: str
    value: float
    value_label: str | None = None  # None: the value as a plain number

    @property
    def printed(self) -> str:
        return self.value_label if self.value_label is not None else number(self.value)


# --- small helpers --------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text safe inside an element or a double-quoted attribute."""
    text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def number(value: float) -> str:
    """A value as printed: whole numbers with thousands separators, else one decimal."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def text_width(text: str, size: float) -> float:
    """About how wide `text` is drawn at `size`: Chinese characters a full em, others about 0.6."""
    return sum(size if _is_wide(char) else 0.6 * size for char in text)


def fit_lines(text: str, width: float, size: float, max_lines: int = 2) -> list[str]:
    """`text` broken into lines no wider than `width` (at `size`), at most `max_lines`; what does not
    fit ends the last line with an ellipsis. Breaks fall between words, or anywhere in Chinese."""
    lines: list[str] = []
    rest = text.strip()
    while rest and len(lines) < max_lines:
        if text_width(rest, size) <= width:
            lines.append(rest)
            return lines
        last = len(lines) == max_lines - 1
        room = width - (text_width("…", size) if last else 0)
        cut = 0
        while cut < len(rest) and text_width(rest[: cut + 1], size) <= room:
            cut += 1
        cut = max(cut, 1)
        if not last:
            space = rest.rfind(" ", 0, cut + 1)
            if space > 0 and not _is_wide(rest[cut - 1]):
                cut = space
        lines.append(rest[:cut].rstrip() + ("…" if last else ""))
        rest = rest[cut:].lstrip()
    return lines


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill`."""
    return BLACK if contrast_ratio(BLACK, fill) >= contrast_ratio(WHITE, fill) else WHITE


# The text printed on each step (computed once: the page draws hundreds of cells).
HEAT_TEXT = tuple(text_colour_on(fill) for _bound, fill, _label in HEAT_STEPS)


def heat_step(value: float) -> int:
    """The index of the heat map step a share (0..1) falls in."""
    step = 0
    for index, (bound, _fill, _label) in enumerate(HEAT_STEPS):
        if value >= bound:
            step = index
    return step


def percent_text(value: float) -> str:
    """A share as a whole percentage for a cell ("37"); a share above 0 that rounds to 0 is "<1"."""
    whole = round(value * 100)
    return "<1" if whole == 0 and value > 0 else str(whole)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover  (the loop always returns)


def axis_ticks(top: float, *, whole: bool) -> list[float]:
    """Ticks from 0 up to at least `top`, 3 to 6 of them a round step apart (whole numbers only,
    for counts, when `whole`)."""
    step = nice_ceiling(top / 5)
    if whole:
        step = max(1.0, math.ceil(step))
    count = max(1, math.ceil(top / step - 1e-9))
    return [round(step * n, 9) for n in range(count + 1)]


# --- the frame every picture shares ------------------------------------------------------------


def _check_id(chart_id: str) -> None:
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r}: a letter, then letters, digits, '-' or '_'")


def _svg(chart_id: str, text: ChartText, height: float, body: Sequence[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart-picture" role="img"'
        f' viewBox="0 0 {WIDTH} {_n(height)}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f' aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc"'
        f' font-family="{escape(FONT_FAMILY)}" font-size="{FONT_SIZE}" fill="{TEXT}">'
    )
    parts = [
        head,
        f'<title id="{chart_id}-title">{escape(text.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(text.description)}</desc>',
        f'<rect class="background" x="0" y="0" width="{WIDTH}" height="{_n(height)}" fill="{BACKGROUND}"/>',
        *body,
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _text(x: float, y: float, content: str, *, size: int = FONT_SIZE, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in attrs.items())
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    size_attr = f' font-size="{size}"' if size != FONT_SIZE else ""
    return f'<text x="{_n(x)}" y="{_n(y)}"{anchor_attr}{size_attr}{extra}>{escape(content)}</text>'


def no_data_picture(chart_id: str, text: ChartText) -> str:
    """The picture when there is nothing to draw: a framed box that says so."""
    _check_id(chart_id)
    height = 96
    lines = fit_lines(text.no_data, WIDTH - 4 * PAD, FONT_SIZE, max_lines=3)
    top = height / 2 - (len(lines) - 1) * LINE / 2 + FONT_SIZE / 3
    body = [
        f'<rect class="no-data" x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{height - 2 * PAD}"'
        f' fill="none" stroke="{GRID}" stroke-width="1.5" stroke-dasharray="6 4" rx="6"/>',
        *(
            _text(WIDTH / 2, top + n * LINE, line, anchor="middle", fill=MUTED_TEXT, class_="no-data-text")
            for n, line in enumerate(lines)
        ),
    ]
    return _svg(chart_id, text, height, body)


# --- the heat map ----------------------------------------------------------------------------------


def heat_map(
    *,
    chart_id: str,
    text: ChartText,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    legend_title: str,
    none_label: str,
) -> str:
    """Rows × columns of shares (0..1; None where nothing was offered), coloured in six steps far
    apart in lightness, with each cell's percentage printed where cells are wide enough, and a
    legend of the steps under it. All None (or no cells) is the no-data picture."""
    _check_id(chart_id)
    if len(values) != len(row_labels) or any(len(row) != len(column_labels) for row in values):
        raise ValueError("values must have one row per row label and one value per column label")
    if not any(v is not None for row in values for v in row):
        return no_data_picture(chart_id, text)
    label_width = max(text_width(label, SMALL_FONT_SIZE) for label in row_labels) + 6
    left, top = PAD + label_width, PAD + LINE
    cell_w = (WIDTH - PAD - left) / len(column_labels)
    cell_h = 22.0
    prints = text_width("100", SMALL_FONT_SIZE) + 4 <= cell_w
    body = [f'<g class="column-labels" font-size="{SMALL_FONT_SIZE}" text-anchor="middle">']
    body += [_text(left + (c + 0.5) * cell_w, top - 6, label) for c, label in enumerate(column_labels)]
    body.append(f'</g><g class="row-labels" font-size="{SMALL_FONT_SIZE}" text-anchor="end">')
    body += [_text(left - 6, top + (r + 0.5) * cell_h + 4.5, label) for r, label in enumerate(row_labels)]
    # Cells and their values in groups that carry what they share: a page draws hundreds of them.
    body.append(f'</g><g class="cells" stroke="{BACKGROUND}" stroke-width="1">')
    printed: list[str] = []
    for r, row in enumerate(values):
        y = top + r * cell_h
        for c, value in enumerate(row):
            x = left + c * cell_w
            step = None if value is None else heat_step(value)
            fill = NO_VALUE_FILL if step is None else HEAT_STEPS[step][1]
            body.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(cell_w)}" height="{_n(cell_h)}" fill="{fill}"/>')
            if prints and value is not None and step is not None:
                printed.append(_text(x + cell_w / 2, y + cell_h / 2 + 4.5, percent_text(value), fill=HEAT_TEXT[step]))
            elif prints:
                printed.append(_text(x + cell_w / 2, y + cell_h / 2 + 4.5, "–", fill=MUTED_TEXT))
    body.append("</g>")
    body.append(
        f'<rect class="grid-outline" x="{_n(left)}" y="{_n(top)}" width="{_n(cell_w * len(column_labels))}"'
        f' height="{_n(cell_h * len(row_labels))}" fill="none" stroke="{GRID}" stroke-width="1"/>'
    )
    if printed:
        body += [f'<g class="cell-values" font-size="{SMALL_FONT_SIZE}" text-anchor="middle">', *printed, "</g>"]
    y = top + len(row_labels) * cell_h + LINE + 4
    body.append(_text(PAD, y, legend_title, size=SMALL_FONT_SIZE, class_="legend-title"))
    items = [(fill, label) for _bound, fill, label in HEAT_STEPS] + [(NO_VALUE_FILL, f"– {none_label}")]
    x, y = PAD, y + 8
    for fill, label in items:
        item_width = 16 + 4 + text_width(label, SMALL_FONT_SIZE) + 12
        if x + item_width > WIDTH - PAD and x > PAD:
            x, y = PAD, y + LINE + 4
        body.append(
            f'<rect class="legend-swatch" x="{_n(x)}" y="{_n(y)}" width="16" height="16" fill="{fill}"'
            f' stroke="{MUTED_TEXT}" stroke-width="1"/>'
        )
        body.append(_text(x + 20, y + 12.5, label, size=SMALL_FONT_SIZE, class_="legend-label"))
        x += item_width
    return _svg(chart_id, text, y + 16 + PAD, body)


# --- horizontal bars -----------------------------------------------------------------------------


def bar_chart(*, chart_id: str, text: ChartText, bars: Sequence[Bar]) -> str:
    """Horizontal bars, one under another, each with its label on the line above it (a long
    Chinese name takes the full width and up to two lines) and its value printed at its end.
    No bars, or all of zero, is the no-data picture."""
    _check_id(chart_id)
    if not bars or all(bar.value <= 0 for bar in bars):
        return no_data_picture(chart_id, text)
    inner = WIDTH - 2 * PAD
    reserve = max(text_width(bar.printed, SMALL_FONT_SIZE) for bar in bars) + 8
    top_value = max(bar.value for bar in bars)
    scale = (inner - reserve) / top_value
    bar_h = 18.0
    body = []
    y = float(PAD)
    for bar in bars:
        lines = fit_lines(bar.label, inner, FONT_SIZE)
        body.append(f'<g class="bar-row"><title>{escape(bar.label)}: {escape(bar.printed)}</title>')
        for line in lines:
            y += LINE
            body.append(_text(PAD, y - 4, line, class_="bar-label"))
        y += 2
        width = max(0.0, bar.value) * scale
        body.append(f'<rect class="bar" x="{PAD}" y="{_n(y)}" width="{_n(width)}" height="{_n(bar_h)}" fill="{BAR}"/>')
        body.append(_text(PAD + width + 6, y + bar_h / 2 + 4.5, bar.printed, size=SMALL_FONT_SIZE, class_="value"))
        body.append("</g>")
        y += bar_h + 10
    return _svg(chart_id, text, y + PAD, body)


# --- columns -------------------------------------------------------------------------------------


def column_chart(*, chart_id: str, text: ChartText, columns: Sequence[Bar]) -> str:
    """Vertical columns left to right (months in order, or the scores 1..5) over a y axis from 0,
    each with its value printed above it (turned upright when the column is too narrow for it)
    and its label under it (slanted when too long). No columns, or all of zero, is the no-data
    picture."""
    _check_id(chart_id)
    if not columns or all(column.value <= 0 for column in columns):
        return no_data_picture(chart_id, text)
    ticks = axis_ticks(max(c.value for c in columns), whole=all(float(c.value).is_integer() for c in columns))
    top_value = ticks[-1]
    axis_width = max(text_width(number(t), SMALL_FONT_SIZE) for t in ticks) + 8
    left, right = PAD + axis_width, WIDTH - PAD
    slot = (right - left) / len(columns)
    column_w = min(slot * 0.7, 48.0)
    upright = any(text_width(c.printed, SMALL_FONT_SIZE) > slot - 2 for c in columns)
    headroom = (max(text_width(c.printed, SMALL_FONT_SIZE) for c in columns) if upright else SMALL_FONT_SIZE) + 8
    plot_top, plot_h = PAD + headroom, 200.0
    baseline = plot_top + plot_h
    slanted = any(text_width(c.label, SMALL_FONT_SIZE) > slot - 2 for c in columns)
    label_depth = max(text_width(c.label, SMALL_FONT_SIZE) for c in columns) * 0.71 + LINE if slanted else LINE + 2
    body = []
    for tick in ticks:
        y = baseline - tick / top_value * plot_h
        body.append(
            f'<line class="grid" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4.5, number(tick), size=SMALL_FONT_SIZE, anchor="end", class_="tick"))
    for n, column in enumerate(columns):
        centre = left + (n + 0.5) * slot
        height = max(0.0, column.value) / top_value * plot_h
        y = baseline - height
        body.append(f'<g class="column-group"><title>{escape(column.label)}: {escape(column.printed)}</title>')
        body.append(
            f'<rect class="column" x="{_n(centre - column_w / 2)}" y="{_n(y)}" width="{_n(column_w)}"'
            f' height="{_n(height)}" fill="{BAR}"/>'
        )
        if upright:
            body.append(
                _text(
                    centre + 4.5,
                    y - 4,
                    column.printed,
                    size=SMALL_FONT_SIZE,
                    transform=f"rotate(-90 {_n(centre + 4.5)} {_n(y - 4)})",
                    class_="value",
                )
            )
        else:
            body.append(_text(centre, y - 5, column.printed, size=SMALL_FONT_SIZE, anchor="middle", class_="value"))
        label_y = baseline + LINE
        if slanted:
            body.append(
                _text(
                    centre + 4,
                    label_y - 4,
                    column.label,
                    size=SMALL_FONT_SIZE,
                    anchor="end",
                    transform=f"rotate(-45 {_n(centre + 4)} {_n(label_y - 4)})",
                    class_="column-label",
                )
            )
        else:
            body.append(
                _text(centre, label_y, column.label, size=SMALL_FONT_SIZE, anchor="middle", class_="column-label")
            )
        body.append("</g>")
    body.append(
        f'<line class="axis" x1="{_n(left)}" y1="{_n(baseline)}" x2="{_n(right)}" y2="{_n(baseline)}"'
        f' stroke="{MUTED_TEXT}" stroke-width="1.5"/>'
    )
    return _svg(chart_id, text, baseline + label_depth + PAD, body)


def distribution_chart(
    *, chart_id: str, text: ChartText, counts: Mapping[int, int], score_labels: Mapping[int, str]
) -> str:
    """How many answers gave each score 1..5 (scores missing from `counts` had none), as five
    columns each printed with its count and share ("12 (40%)"). No answers is the no-data picture."""
    scores = range(1, 6)
    if any(counts.get(s, 0) < 0 for s in scores) or set(counts) - set(scores):
        raise ValueError("counts are of the scores 1..5 and not negative")
    total = sum(counts.get(s, 0) for s in scores)
    if total == 0:
        _check_id(chart_id)
        return no_data_picture(chart_id, text)
    columns = [
        Bar(
            score_labels.get(s, str(s)),
            counts.get(s, 0),
            f"{number(counts.get(s, 0))} ({round(100 * counts.get(s, 0) / total)}%)",
        )
        for s in scores
    ]
    return column_chart(chart_id=chart_id, text=text, columns=columns)
