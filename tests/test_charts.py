"""Charts without script: the SVG is well-formed, has no inline style, names itself, draws one bar per
value in proportion, and its table holds the same figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string

from app.charts import Chart, Series, wrap

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg()))


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "gt-chart__bar"]


def texts(root: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def grades(**fields) -> Chart:
    values = dict(
        title="Grades by area",
        category_heading="Area",
        categories=("Inclusion", "Achievement", "Early years"),
        series=(
            Series("2026/27", (5, 2, None), ("Exceptional", "Needs attention", None)),
            Series("2025/26", (3, 4, 1), ("Expected standard", "Strong standard", "Urgent improvement")),
        ),
        minimum=0,
        maximum=5,
        missing="Not graded",
    )
    values.update(fields)
    return Chart(**values)


def assert_clean(root: ET.Element) -> None:
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    title_id, desc_id = root.get("aria-labelledby"), root.get("aria-describedby")
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}desc").get("id") == desc_id
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag != f"{SVG}style"
        assert not any(name.startswith("on") for name in element.attrib), element.attrib


def test_the_svg_is_well_formed_named_and_has_no_inline_style():
    root = parse(grades())
    assert_clean(root)
    assert "".join(root.find(f"{SVG}title").itertext()) == "Grades by area"
    description = "".join(root.find(f"{SVG}desc").itertext())
    assert "Inclusion: 2026/27 Exceptional; 2025/26 Expected standard" in description
    assert "Early years: 2026/27 Not graded; 2025/26 Urgent improvement" in description


def test_one_bar_per_value_with_lengths_in_proportion():
    chart = grades()
    found = bars(parse(chart))
    # Six values, one missing: five bars, grouped by category.
    assert [float(bar.get("data-value")) for bar in found] == [5, 3, 2, 4, 1]
    lengths = [float(bar.get("width")) for bar in found]
    unit = lengths[0] / 5
    for bar, length in zip(found, lengths):
        assert length == pytest.approx(float(bar.get("data-value")) * unit, abs=0.02)
    # Every bar starts on the same base line, and every bar has the same thickness.
    assert len({bar.get("x") for bar in found}) == 1 and len({bar.get("height") for bar in found}) == 1


def test_values_are_written_beside_their_bars_and_the_missing_one_says_so():
    words = texts(parse(grades()))
    for label in ("Exceptional", "Needs attention", "Expected standard", "Strong standard", "Urgent improvement"):
        assert label in words
    assert "2026/27: Not graded" in words
    # The legend names both series.
    assert "2026/27" in words and "2025/26" in words


def test_colour_is_not_the_only_cue_the_second_series_is_hatched():
    root = parse(grades())
    fills = {bar.get("fill") for bar in bars(root)}
    assert len(fills) == 2 and any(fill.startswith("url(#") for fill in fills)
    assert root.find(f".//{SVG}pattern") is not None


def test_the_table_holds_the_same_figures():
    chart = grades()
    table = chart.table()
    assert table["caption"] == "Grades by area"
    assert [cell["text"] for cell in table["head"]] == ["Area", "2026/27", "2025/26"]
    assert [[cell["text"] for cell in row] for row in table["rows"]] == [
        ["Inclusion", "Exceptional", "Expected standard"],
        ["Achievement", "Needs attention", "Strong standard"],
        ["Early years", "Not graded", "Urgent improvement"],
    ]
    # The words beside each bar are the words in the table.
    root = parse(chart)
    words = texts(root)
    for row in table["rows"]:
        for cell in row[1:]:
            assert any(cell["text"] in word for word in words)


def test_the_macro_renders_the_chart_and_the_table_together(app):
    with app.test_request_context():
        html = render_template_string('{% from "_chart.html" import chart %}{{ chart(figures) }}', figures=grades())
    assert html.count("<svg") == 1 and 'class="govuk-table gt-chart-table"' in html
    assert '<caption class="govuk-table__caption govuk-table__caption--s">Grades by area</caption>' in html
    assert re.search(r'<th scope="row" class="govuk-table__header">Early years</th>\s*<td class="govuk-table__cell">Not graded</td>', html)


def test_empty_data_draws_an_empty_named_chart_and_an_empty_table():
    for chart in (grades(categories=(), series=()), grades(categories=("A",), series=(Series("Only", (None,)),))):
        root = parse(chart)
        assert_clean(root)
        assert chart.empty and bars(root) == []
    assert grades(categories=(), series=()).table()["rows"] == []


def test_zeros_draw_no_length_and_say_zero():
    chart = Chart(title="Counts", category_heading="Year", categories=("A", "B"), series=(Series("Pupils", (0, 0)),))
    root = parse(chart)
    assert_clean(root)
    assert [float(bar.get("width")) for bar in bars(root)] == [0, 0]
    assert texts(root).count("0") >= 2
    assert [row[1]["text"] for row in chart.table()["rows"]] == ["0", "0"]


def test_negative_values_grow_the_other_way_from_zero():
    chart = Chart(
        title="Progress 8", category_heading="Year", categories=("2024", "2025", "2026"),
        series=(Series("Progress 8", (-0.5, 0.25, 0)),),
    )
    root = parse(chart)
    assert_clean(root)
    negative, positive, zero = bars(root)
    assert float(negative.get("width")) == pytest.approx(2 * float(positive.get("width")), abs=0.02)
    # The negative bar ends where the positive one starts: at zero.
    assert float(negative.get("x")) + float(negative.get("width")) == pytest.approx(float(positive.get("x")), abs=0.02)
    assert float(zero.get("width")) == 0 and zero.get("x") == positive.get("x")
    assert {"-0.5", "0.25", "0"} <= set(texts(root))


def test_long_labels_wrap_inside_the_drawing():
    long_name = "Personal development and well-being, including a very long explanation " * 3
    chart = grades(categories=(long_name, "Achievement", "Supercalifragilisticexpialidocious" * 4))
    root = parse(chart)
    width = float(root.get("viewBox").split()[2])
    for text in root.iter(f"{SVG}text"):
        for span in text.iter(f"{SVG}tspan"):
            assert len(span.text or "") * 16 * 0.56 <= width, span.text
    assert all(len(line) * 16 * 0.56 <= width - 16 for line in wrap(long_name, 16, width - 16))
    assert "".join(root.find(f"{SVG}desc").itertext()).startswith(long_name.strip())


def test_hostile_text_is_escaped_everywhere():
    hostile = '<script>alert("x")</script> & \x00\x1b <b onmouseover="x">'
    chart = grades(
        title=hostile, category_heading=hostile, categories=(hostile, "B", "C"),
        series=(Series(hostile, (1, 2, 3), (hostile, None, None)), Series("Other", (1, None, 2))),
    )
    svg = str(chart.svg())
    assert "<script" not in svg and "<b " not in svg and "\x00" not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert_clean(root)
    assert root.find(f"{SVG}script") is None
    assert any("<script>" in word for word in texts(root))  # shown as text, not run
    assert "".join(root.find(f"{SVG}title").itertext()).startswith("<script>")


def test_a_line_chart_puts_one_point_per_value_in_proportion():
    chart = Chart(
        kind="line", title="Attendance", category_heading="Year", categories=("2023/24", "2024/25", "2025/26"),
        series=(Series("School", (90, 92.5, None)), Series("England", (92, 93, 94))),
        minimum=80, maximum=100,
    )
    root = parse(chart)
    assert_clean(root)
    points = [element for element in root.iter() if element.get("class") == "gt-chart__point"]
    assert [float(point.get("data-value")) for point in points] == [90, 92.5, 92, 93, 94]
    circles = [point for point in points if point.tag == f"{SVG}circle"]
    y90, y925 = (float(point.get("cy")) for point in circles)
    squares = [point for point in points if point.tag == f"{SVG}rect"]
    y92 = float(squares[0].get("y")) + 5
    # 2.5 points up is 1.25 times the rise of 2 points.
    assert (y90 - y925) == pytest.approx(1.25 * (y90 - y92), abs=0.02)
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert [row[1]["text"] for row in chart.table()["rows"]] == ["90", "92.5", "No value"]


def test_a_series_without_one_value_per_category_is_refused():
    with pytest.raises(ValueError):
        Chart(title="T", category_heading="C", categories=("A", "B"), series=(Series("S", (1,)),))


def test_a_missing_value_breaks_the_line_rather_than_joining_its_neighbours():
    chart = Chart(kind="line", title="T", category_heading="Year", categories=("1", "2", "3", "4"), series=(Series("S", (1, None, 3, 4)),))
    lines = [line.get("points") for line in parse(chart).iter(f"{SVG}polyline")]
    assert len(lines) == 1 and len(lines[0].split()) == 2  # 3 and 4 joined; 1 stands alone


def test_words_for_a_missing_value_stay_inside_the_drawing_whichever_side_has_room():
    chart = Chart(
        title="Progress 8", category_heading="Year", categories=("2024",),
        series=(Series("Progress 8", (0.5,)), Series("Disadvantaged pupils", (None,))), minimum=-1, maximum=0.1,
    )
    root = parse(chart)
    width = float(root.get("viewBox").split()[2])
    (missing,) = [text for text in root.iter(f"{SVG}text") if "".join(text.itertext()) == "Disadvantaged pupils: No value"]
    x, length = float(missing.get("x")), len("Disadvantaged pupils: No value") * 14 * 0.56
    start = x - length if missing.get("text-anchor") == "end" else x
    assert 0 <= start and start + length <= width
