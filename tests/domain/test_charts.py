"""The report pictures as SVG: well-formed, accessible, escaped, deterministic, with values in the right places."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from app.domain.charts import (
    BAR,
    HEAT_STEPS,
    HEAT_TEXT,
    MUTED_TEXT,
    TEXT,
    WIDTH,
    Bar,
    ChartText,
    axis_ticks,
    bar_chart,
    column_chart,
    contrast_ratio,
    distribution_chart,
    fit_lines,
    heat_map,
    heat_step,
    no_data_picture,
    percent_text,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"
WORDS = ChartText(title="Bookings per month", description="Bookings starting in each month.", no_data="Nothing yet.")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(element: ET.Element) -> list[str]:
    return [e.text or "" for e in element.iter(f"{SVG}text")]


def grouped(root: ET.Element, group: str, tag: str) -> list[ET.Element]:
    [g] = by_class(root, group)
    return list(g.iter(f"{SVG}{tag}"))


def heat(values, *, rows=("a", "b"), columns=("x", "y", "z")) -> str:
    return heat_map(
        chart_id="heat",
        text=WORDS,
        row_labels=list(rows),
        column_labels=list(columns),
        values=values,
        legend_title="Share booked",
        none_label="not in the period",
    )


def columns(*values: float) -> str:
    return column_chart(chart_id="months", text=WORDS, columns=[Bar(f"m{n}", v) for n, v in enumerate(values)])


PICTURES = {
    "heat map": lambda: heat([[0.0, 0.5, None], [1.0, 0.05, 0.3]]),
    "bars": lambda: bar_chart(chart_id="units", text=WORDS, bars=[Bar("东坝社区", 12.5), Bar("U-1", 3)]),
    "columns": lambda: columns(3, 0, 7),
    "distribution": lambda: distribution_chart(
        chart_id="ratings", text=WORDS, counts={5: 3, 4: 1}, score_labels={s: f"{s}★" for s in range(1, 6)}
    ),
    "no data": lambda: no_data_picture("empty", WORDS),
}


# --- every picture ------------------------------------------------------------------------------------


@pytest.mark.parametrize("draw", PICTURES.values(), ids=PICTURES.keys())
def test_every_picture_is_an_accessible_svg_image_that_scales_to_a_phone(draw):
    root = parse(draw())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    chart_id = root.get("id")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.text, desc.text) == (WORDS.title, WORDS.description)
    assert root.get("aria-labelledby") == title.get("id") == f"{chart_id}-title"
    assert root.get("aria-describedby") == desc.get("id") == f"{chart_id}-desc"
    x, y, width, height = (float(n) for n in root.get("viewBox").split())
    assert (x, y, width) == (0, 0, WIDTH) and height > 0
    assert root.get("width") == "100%" and root.get("height") is None


@pytest.mark.parametrize("draw", PICTURES.values(), ids=PICTURES.keys())
def test_no_picture_uses_styles_a_strict_content_security_policy_would_block(draw):
    svg = draw()
    assert "style=" not in svg and "<style" not in svg


@pytest.mark.parametrize("draw", PICTURES.values(), ids=PICTURES.keys())
def test_the_same_figures_draw_the_same_bytes(draw):
    assert draw() == draw()


@pytest.mark.parametrize("draw", PICTURES.values(), ids=PICTURES.keys())
def test_text_is_big_enough_to_read_on_a_phone(draw):
    root = parse(draw())
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert min(sizes) >= 13  # viewBox units: a 390-unit-wide picture on a 360-px-wide screen, about 12 px


def test_labels_and_words_are_escaped():
    nasty = ChartText(title='a < b & "c"', description="<script>alert(1)</script>", no_data="x")
    svg = bar_chart(chart_id="units", text=nasty, bars=[Bar("<b>&amp;</b>", 2, "2 > 1")])
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == 'a < b & "c"'
    assert root.find(f"{SVG}desc").text == "<script>alert(1)</script>"
    assert "<b>&amp;</b>" in texts(root) and "2 > 1" in texts(root)


def test_characters_xml_cannot_carry_are_dropped_rather_than_breaking_the_page():
    root = parse(bar_chart(chart_id="units", text=WORDS, bars=[Bar("单位\x00\x1b名称", 1)]))
    assert "单位名称" in texts(root)


@pytest.mark.parametrize("chart_id", ["", "1st", "a b", 'x"y', "a" * 65])
def test_a_chart_id_that_could_break_the_page_is_refused(chart_id):
    with pytest.raises(ValueError):
        no_data_picture(chart_id, WORDS)


def test_the_no_data_picture_is_a_framed_box_with_the_words_and_nothing_else():
    svg = no_data_picture("empty", WORDS)
    assert svg == (
        '<svg xmlns="http://www.w3.org/2000/svg" id="empty" class="chart-picture" role="img" viewBox="0 0 390 96"'
        ' width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="empty-title"'
        ' aria-describedby="empty-desc" font-family="system-ui, -apple-system, \'PingFang SC\','
        " 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif\" font-size=\"14\""
        ' fill="#1f2328">\n'
        '<title id="empty-title">Bookings per month</title>\n'
        '<desc id="empty-desc">Bookings starting in each month.</desc>\n'
        '<rect class="background" x="0" y="0" width="390" height="96" fill="#ffffff"/>\n'
        '<rect class="no-data" x="8" y="8" width="374" height="80" fill="none" stroke="#d0d7de"'
        ' stroke-width="1.5" stroke-dasharray="6 4" rx="6"/>\n'
        '<text x="195" y="52.67" text-anchor="middle" fill="#57606a" class="no-data-text">Nothing yet.</text>\n'
        "</svg>\n"
    )


@pytest.mark.parametrize(
    ("draw", "reason"),
    [
        (lambda: heat([], rows=(), columns=()), "a heat map without rows"),
        (lambda: heat([[None, None, None], [None, None, None]]), "a heat map where nothing was offered"),
        (lambda: bar_chart(chart_id="units", text=WORDS, bars=[]), "bars without any bar"),
        (lambda: bar_chart(chart_id="units", text=WORDS, bars=[Bar("a", 0)]), "bars all of zero"),
        (lambda: columns(), "columns without any column"),
        (lambda: columns(0, 0, 0), "months without a booking"),
        (
            lambda: distribution_chart(chart_id="ratings", text=WORDS, counts={}, score_labels={}),
            "a distribution without answers",
        ),
    ],
)
def test_empty_data_draws_the_no_data_picture(draw, reason):
    root = parse(draw())
    assert by_class(root, "no-data"), reason
    assert texts(root) == ["Nothing yet."], reason


def test_empty_heat_map_rows_must_still_match_their_labels():
    with pytest.raises(ValueError):
        heat([[0.5]], rows=("a", "b"))


# --- colours ------------------------------------------------------------------------------------------


def test_text_and_marks_have_aa_contrast_on_white():
    assert contrast_ratio(TEXT, "#ffffff") >= 4.5
    assert contrast_ratio(MUTED_TEXT, "#ffffff") >= 4.5
    assert contrast_ratio(BAR, "#ffffff") >= 3  # a graphical object


@pytest.mark.parametrize("step", range(len(HEAT_STEPS)))
def test_each_heat_step_prints_its_values_with_aa_contrast(step):
    assert contrast_ratio(HEAT_TEXT[step], HEAT_STEPS[step][1]) >= 4.5


def test_neighbouring_heat_steps_are_told_apart_by_lightness_alone():
    fills = [fill for _bound, fill, _label in HEAT_STEPS]
    for lighter, darker in itertools.pairwise(fills):
        assert contrast_ratio(lighter, darker) >= 1.3, (lighter, darker)


@pytest.mark.parametrize(
    ("share", "step", "printed"),
    [
        (0.0, 0, "0"),
        (0.004, 1, "<1"),
        (0.099, 1, "10"),
        (0.10, 2, "10"),
        (0.25, 3, "25"),
        (0.5, 4, "50"),
        (0.75, 5, "75"),
        (1.0, 5, "100"),
        (1.4, 5, "140"),
    ],
)
def test_a_share_falls_in_its_step_and_prints_as_a_whole_percentage(share, step, printed):
    assert (heat_step(share), percent_text(share)) == (step, printed)


# --- the heat map -----------------------------------------------------------------------------------


def test_heat_map_cells_take_their_steps_colour_and_print_their_percentage():
    root = parse(heat([[0.0, 0.5, None], [1.0, 0.05, 0.3]]))
    cells = grouped(root, "cells", "rect")
    fills = [c.get("fill") for c in cells]
    steps = [HEAT_STEPS[n][1] for n in (0, 4)] + ["#ffffff"] + [HEAT_STEPS[n][1] for n in (5, 1, 3)]
    assert fills == steps
    assert texts(by_class(root, "cell-values")[0]) == ["0", "50", "–", "100", "5", "30"]
    assert texts(by_class(root, "row-labels")[0]) == ["a", "b"]
    assert texts(by_class(root, "column-labels")[0]) == ["x", "y", "z"]


def test_heat_map_cells_are_placed_row_by_row_in_a_grid():
    root = parse(heat([[0.0, 0.5, None], [1.0, 0.05, 0.3]]))
    cells = grouped(root, "cells", "rect")
    xs = sorted({float(c.get("x")) for c in cells})
    ys = sorted({float(c.get("y")) for c in cells})
    assert len(xs) == 3 and len(ys) == 2
    assert [(float(c.get("x")), float(c.get("y"))) for c in cells] == [(x, y) for y in ys for x in xs]
    assert all(float(c.get("x")) + float(c.get("width")) <= WIDTH for c in cells)


def test_heat_map_of_a_week_by_hour_prints_every_value_inside_its_cell():
    values = [[(h * 7 + d) / 168 for d in range(7)] for h in range(24)]
    root = parse(
        heat_map(
            chart_id="week",
            text=WORDS,
            row_labels=[f"{h:02d}:00" for h in range(24)],
            column_labels=["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            values=values,
            legend_title="占用率",
            none_label="无",
        )
    )
    cells = grouped(root, "cells", "rect")
    printed = grouped(root, "cell-values", "text")
    assert len(cells) == len(printed) == 168
    for cell, value in zip(cells, printed, strict=True):
        x, width = float(cell.get("x")), float(cell.get("width"))
        assert x < float(value.get("x")) < x + width
        assert text_width(value.text, 13) <= width


def test_heat_map_too_wide_to_print_values_still_draws_every_cell():
    values = [[0.3] * 24 for _ in range(7)]
    root = parse(
        heat_map(
            chart_id="wide",
            text=WORDS,
            row_labels=list("1234567"),
            column_labels=[str(h) for h in range(24)],
            values=values,
            legend_title="Share",
            none_label="none",
        )
    )
    assert len(grouped(root, "cells", "rect")) == 168
    assert not by_class(root, "cell-values")


def test_heat_map_has_a_legend_of_every_step_and_of_hours_not_in_the_period():
    root = parse(heat([[0.0, 0.5, None], [1.0, 0.05, 0.3]]))
    labels = [e.text for e in by_class(root, "legend-label")]
    assert labels == [label for _bound, _fill, label in HEAT_STEPS] + ["– not in the period"]
    assert [e.get("fill") for e in by_class(root, "legend-swatch")] == [f for _b, f, _l in HEAT_STEPS] + ["#ffffff"]
    assert [e.text for e in by_class(root, "legend-title")] == ["Share booked"]


# --- horizontal bars ------------------------------------------------------------------------------------


def test_bars_are_as_long_as_their_values_and_print_them_at_their_end():
    root = parse(bar_chart(chart_id="units", text=WORDS, bars=[Bar("a", 10, "10 h"), Bar("b", 5, "5 h"), Bar("c", 0)]))
    bars = by_class(root, "bar")
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[2] == 0
    assert float(bars[0].get("x")) + widths[0] < WIDTH
    values = by_class(root, "value")
    assert [v.text for v in values] == ["10 h", "5 h", "0"]
    for bar, value in zip(bars, values, strict=True):
        assert float(value.get("x")) > float(bar.get("x")) + float(bar.get("width"))
        assert float(value.get("x")) + text_width(value.text, 13) <= WIDTH
    assert [e.text for e in by_class(root, "bar-label")] == ["a", "b", "c"]
    ys = [float(b.get("y")) for b in bars]
    assert ys == sorted(ys)  # one under another, in the order given


def test_a_long_chinese_label_takes_two_lines_at_most_and_ends_with_an_ellipsis():
    name = "广元市利州区东坝街道东坝社区党群服务中心多功能活动室与老年人日间照料中心联合体" * 2
    root = parse(bar_chart(chart_id="units", text=WORDS, bars=[Bar(name, 3)]))
    lines = [e.text for e in by_class(root, "bar-label")]
    assert len(lines) == 2 and lines[1].endswith("…")
    assert "".join(lines).rstrip("…") == name[: len("".join(lines)) - 1]
    assert all(text_width(line, 14) <= WIDTH - 16 for line in lines)
    [row] = by_class(root, "bar-row")
    assert row.find(f"{SVG}title").text == f"{name}: 3"  # the whole name where it is cut


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("short", ["short"]),
        ("one two three four", ["one two", "three f…"]),
        ("one two three", ["one two", "three"]),
        ("一二三四五六七八", ["一二三四五", "六七八"]),
        ("一二三四五六七八九十一二三四五", ["一二三四五", "六七八九…"]),
    ],
)
def test_fit_lines(text, lines):
    assert fit_lines(text, 70, 14) == lines


# --- columns ------------------------------------------------------------------------------------------


def test_columns_stand_on_one_baseline_as_tall_as_their_values_in_order():
    root = parse(columns(3, 0, 7))
    rects = by_class(root, "column")
    heights = [float(r.get("height")) for r in rects]
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 2) for r in rects}
    assert len(bottoms) == 1
    assert heights[1] == 0 and heights[0] / heights[2] == pytest.approx(3 / 7)
    xs = [float(r.get("x")) for r in rects]
    assert xs == sorted(xs)
    assert [e.text for e in by_class(root, "column-label")] == ["m0", "m1", "m2"]
    assert [e.text for e in by_class(root, "value")] == ["3", "0", "7"]


def test_the_axis_is_marked_in_round_steps_from_zero_past_the_tallest_column():
    root = parse(columns(4160, 2502, 4496))
    assert [e.text for e in by_class(root, "tick")] == ["0", "1,000", "2,000", "3,000", "4,000", "5,000"]
    tallest = max(float(r.get("height")) for r in by_class(root, "column"))
    assert tallest == pytest.approx(200 * 4496 / 5000)


@pytest.mark.parametrize(
    ("top", "whole", "ticks"),
    [
        (2134, True, [0, 500, 1000, 1500, 2000, 2500]),
        (5, True, [0, 1, 2, 3, 4, 5]),
        (1, True, [0, 1]),
        (7, True, [0, 2, 4, 6, 8]),
        (12.5, False, [0, 2.5, 5, 7.5, 10, 12.5]),
        (0.4, False, [0, 0.1, 0.2, 0.3, 0.4]),
    ],
)
def test_axis_ticks(top, whole, ticks):
    assert axis_ticks(top, whole=whole) == ticks


def test_values_too_wide_for_their_column_are_turned_upright_above_it():
    root = parse(columns(*[123456 + n for n in range(12)]))
    values = by_class(root, "value")
    assert all(re.fullmatch(r"rotate\(-90 [\d.]+ [\d.]+\)", v.get("transform")) for v in values)
    assert all(float(v.get("y")) > 0 for v in values)


def test_labels_too_wide_for_their_column_are_slanted():
    root = parse(column_chart(chart_id="m", text=WORDS, columns=[Bar("2025年12月", 1)] * 12))
    assert all(e.get("transform", "").startswith("rotate(-45") for e in by_class(root, "column-label"))


# --- the ratings' distribution -------------------------------------------------------------------------


def test_the_distribution_has_every_score_with_its_count_and_share():
    svg = distribution_chart(
        chart_id="ratings", text=WORDS, counts={5: 3, 4: 1}, score_labels={s: f"{s}★" for s in range(1, 6)}
    )
    root = parse(svg)
    assert [e.text for e in by_class(root, "column-label")] == ["1★", "2★", "3★", "4★", "5★"]
    assert [e.text for e in by_class(root, "value")] == ["0 (0%)", "0 (0%)", "0 (0%)", "1 (25%)", "3 (75%)"]
    heights = [float(r.get("height")) for r in by_class(root, "column")]
    assert heights[:3] == [0, 0, 0] and heights[4] == pytest.approx(3 * heights[3], abs=0.05)


@pytest.mark.parametrize("counts", [{0: 1}, {6: 2}, {3: -1}], ids=["score 0", "score 6", "negative count"])
def test_the_distribution_refuses_what_is_not_a_count_of_scores_1_to_5(counts):
    with pytest.raises(ValueError):
        distribution_chart(chart_id="ratings", text=WORDS, counts=counts, score_labels={})
