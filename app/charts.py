"""Charts without script: bar and line charts drawn on the server as SVG, always beside a table of
the same figures.

One `Chart` describes the data (categories, series, values and the words for each value); the
`_chart.html` macro renders both the SVG and the GOV.UK table from it, so the two cannot disagree.
The SVG uses presentation attributes only (fill, stroke, x, y, font-size): the Content Security
Policy forbids inline styles, so there is no `style` attribute and no `<style>` element. Colour is
never the only cue: the second series is hatched (bars) or dashed with square markers (lines),
every value is written beside its bar or point, and a legend names each series.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import count

from markupsafe import Markup

# GOV.UK Frontend 5 palette: blue, dark grey, green, purple; each at least 4.5:1 on white.
COLOURS = ("#1d70b8", "#505a5f", "#00703c", "#4c2c92")
TEXT, AXIS, GRID = "#0b0c0c", "#505a5f", "#b1b4b6"
FONT = "arial, sans-serif"

WIDTH = 360  # viewBox units; the SVG scales to its container (width 100%), text with it
PAD = 8
LABEL_SIZE, VALUE_SIZE, SMALL_SIZE = 16, 14, 13
LINE = 20  # height of one line of 16-unit text
BAR, BAR_GAP, GROUP_GAP = 20, 4, 14
CHAR = 0.56  # a character's width in em, near enough for Arial, for wrapping and placing text

_ids = count(1)
# Characters XML 1.0 does not allow at all: hostile or pasted text must not break the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: object) -> str:
    """Text for SVG: characters XML cannot hold removed, and markup escaped."""
    text = _NOT_XML.sub("", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _width_of(text: str, size: int) -> float:
    return len(text) * size * CHAR


def wrap(text: str, size: int, width: float) -> list[str]:
    """Words into lines no wider than `width`; a word longer than a line is cut into pieces."""
    per_line = max(1, int(width / (size * CHAR)))
    lines: list[str] = []
    current = ""
    for word in str(text).split():
        while len(word) > per_line:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= per_line:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    # The words for each value ("Strong standard"); without them, the number itself.
    labels: tuple[str | None, ...] | None = None

    def label(self, index: int, missing: str) -> str:
        value = self.values[index]
        if value is None:
            return missing
        if self.labels is not None and self.labels[index]:
            return str(self.labels[index])
        return _num(value)


@dataclass(frozen=True)
class Chart:
    """What a chart and its table show. `kind` is "bar" (horizontal bars, one group per category,
    which keeps long category names readable on a small screen) or "line" (categories along the
    bottom, such as years)."""

    title: str  # the table's caption and the SVG's <title>
    category_heading: str  # the table's first column: "Evaluation area"
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"
    description: str = ""  # the SVG's <desc>; by default, every figure in words
    value_axis: str = ""  # what the values are: "Grade (a longer bar is a stronger grade)"
    minimum: float | None = None  # the value axis' ends; by default from the data (and zero)
    maximum: float | None = None
    ticks: tuple[tuple[float, str], ...] | None = None  # gridlines and their labels
    missing: str = "No value"
    id: str = field(default_factory=lambda: f"gt-chart-{next(_ids)}")

    def __post_init__(self) -> None:
        if self.kind not in ("bar", "line"):
            raise ValueError(f"unknown chart kind {self.kind!r}")
        for series in self.series:
            if len(series.values) != len(self.categories) or (series.labels is not None and len(series.labels) != len(self.categories)):
                raise ValueError(f"series {series.name!r} has not one value per category")

    @property
    def empty(self) -> bool:
        return not self.categories or all(value is None for series in self.series for value in series.values)

    # --- the table ---------------------------------------------------------------------------

    def table(self) -> dict:
        """Parameters for govukTable: a caption, one column per series, one row per category."""
        return {
            "caption": self.title,
            "captionClasses": "govuk-table__caption--s",
            "classes": "gt-chart-table",
            "firstCellIsHeader": True,
            "head": [{"text": self.category_heading}] + [{"text": series.name} for series in self.series],
            "rows": [
                [{"text": category}] + [{"text": series.label(index, self.missing)} for series in self.series]
                for index, category in enumerate(self.categories)
            ],
        }

    def described(self) -> str:
        if self.description:
            return self.description
        parts = [
            f"{category}: " + "; ".join(f"{series.name} {series.label(index, self.missing)}" for series in self.series)
            for index, category in enumerate(self.categories)
        ]
        return ". ".join(parts) + "." if parts else "No figures."

    # --- the SVG -----------------------------------------------------------------------------

    def _range(self) -> tuple[float, float]:
        values = [value for series in self.series for value in series.values if value is not None]
        values += [tick for tick, _ in self.ticks or ()]
        low = min([0.0, *values]) if self.minimum is None else self.minimum
        high = max([0.0, *values]) if self.maximum is None else self.maximum
        if high == low:
            high = low + 1
        return low, high

    def _ticks(self, low: float, high: float) -> tuple[tuple[float, str], ...]:
        if self.ticks is not None:
            return self.ticks
        step = 10 ** math.floor(math.log10((high - low) / 4 or 1))
        for factor in (1, 2, 5, 10):
            if (high - low) / (step * factor) <= 5:
                step *= factor
                break
        first = math.ceil(low / step) * step
        return tuple((first + n * step, _num(first + n * step)) for n in range(int((high - first) / step + 1e-9) + 1))

    def svg(self) -> Markup:
        body, height = (self._bars() if self.kind == "bar" else self._lines()) if not self.empty else ([], 0)
        height = max(height, LINE)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="gt-chart__svg" width="100%" viewBox="0 0 {WIDTH} {_num(height)}"'
            f' role="img" aria-labelledby="{self.id}-title" aria-describedby="{self.id}-desc" font-family="{FONT}" fill="{TEXT}">',
            f'<title id="{self.id}-title">{_text(self.title)}</title>',
            f'<desc id="{self.id}-desc">{_text(self.described())}</desc>',
            "<defs>",
            *(self._pattern(index) for index in range(len(self.series))),
            "</defs>",
            *body,
            "</svg>",
        ]
        return Markup("".join(parts))

    def _pattern(self, index: int) -> str:
        """Every series after the first is hatched in its colour, so print and colour blindness
        still tell them apart."""
        colour = COLOURS[index % len(COLOURS)]
        if index == 0:
            return ""
        return (
            f'<pattern id="{self.id}-hatch-{index}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate({45 * index})">'
            f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{colour}"/></pattern>'
        )

    def _fill(self, index: int) -> str:
        return COLOURS[0] if index == 0 else f"url(#{self.id}-hatch-{index})"

    def _legend(self, y: float) -> tuple[list[str], float]:
        parts = []
        for index, series in enumerate(self.series):
            colour = COLOURS[index % len(COLOURS)]
            if self.kind == "bar":
                parts.append(f'<rect x="{PAD}" y="{_num(y + 2)}" width="16" height="16" fill="{self._fill(index)}" stroke="{colour}" stroke-width="1.5"/>')
            else:
                parts.append(f'<line x1="{PAD}" y1="{_num(y + 10)}" x2="{PAD + 24}" y2="{_num(y + 10)}" stroke="{colour}" stroke-width="2.5"{self._dash(index)}/>')
                parts.append(self._marker(index, PAD + 12, y + 10))
            lines = wrap(series.name, VALUE_SIZE, WIDTH - 2 * PAD - 32)
            parts.append(self._text_lines(lines, PAD + 32, y + 15, VALUE_SIZE))
            y += LINE * len(lines) + 4
        return parts, y + 6

    @staticmethod
    def _text_lines(lines: list[str], x: float, y: float, size: int, **attributes: str) -> str:
        extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attributes.items())
        spans = "".join(f'<tspan x="{_num(x)}" dy="{0 if n == 0 else LINE}">{_text(line)}</tspan>' for n, line in enumerate(lines))
        return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}"{extra}>{spans}</text>'

    def _bars(self) -> tuple[list[str], float]:
        low, high = self._range()
        values = [(series.label(i, self.missing), series.values[i]) for series in self.series for i in range(len(self.categories))]
        # Room beside the bars for the words of each value, on the side the bars grow towards.
        label_room = max((_width_of(text, VALUE_SIZE) for text, _ in values), default=0) + 6
        right_room = label_room if high > 0 else 0
        left_room = label_room if low < 0 else 0
        track_start, track_end = PAD + left_room, WIDTH - PAD - right_room
        if track_end - track_start < 60:  # words too long to leave room: the bars keep a minimum
            track_start, track_end = PAD, WIDTH - PAD
        scale = (track_end - track_start) / (high - low)

        def x_of(value: float) -> float:
            return track_start + (value - low) * scale

        legend, y = self._legend(PAD)
        parts: list[str] = []
        ticks = self._ticks(low, high)
        zero = x_of(min(max(0.0, low), high))
        for index, category in enumerate(self.categories):
            lines = wrap(category, LABEL_SIZE, WIDTH - 2 * PAD)
            parts.append(self._text_lines(lines, PAD, y + 15, LABEL_SIZE, font_weight="bold"))
            y += LINE * len(lines) + 4
            top, bottom = y - 2, y + len(self.series) * (BAR + BAR_GAP) - BAR_GAP + 2
            # Gridlines and the zero line span each group's bars only, never its label; the
            # gridlines come first so the bars sit on them, the zero line last so it is their base.
            for tick, _ in ticks:
                parts.append(f'<line x1="{_num(x_of(tick))}" y1="{_num(top)}" x2="{_num(x_of(tick))}" y2="{_num(bottom)}" stroke="{GRID}" stroke-width="1"/>')
            for number, series in enumerate(self.series):
                value = series.values[index]
                text = series.label(index, self.missing)
                middle = y + BAR / 2 + VALUE_SIZE * 0.35
                if value is None:
                    # Said in words beside the base line, on whichever side has room for them.
                    words = f"{series.name}: {text}"
                    room = _width_of(words, VALUE_SIZE)
                    if zero + 4 + room <= WIDTH - PAD:
                        where = f'x="{_num(zero + 4)}"'
                    elif zero - 4 - room >= PAD:
                        where = f'x="{_num(zero - 4)}" text-anchor="end"'
                    else:
                        where = f'x="{PAD}"'
                    parts.append(f'<text {where} y="{_num(middle)}" font-size="{VALUE_SIZE}" fill="{AXIS}">{_text(words)}</text>')
                else:
                    end = x_of(min(max(value, low), high))
                    left, width = min(zero, end), abs(end - zero)
                    colour = COLOURS[number % len(COLOURS)]
                    parts.append(
                        f'<rect class="gt-chart__bar" data-value="{_num(value)}" x="{_num(left)}" y="{_num(y)}" width="{_num(width)}" height="{BAR}"'
                        f' fill="{self._fill(number)}" stroke="{colour}" stroke-width="1.5"/>'
                    )
                    if value < 0:
                        parts.append(f'<text x="{_num(left - 4)}" y="{_num(middle)}" font-size="{VALUE_SIZE}" text-anchor="end">{_text(text)}</text>')
                    else:
                        parts.append(f'<text x="{_num(left + width + 4)}" y="{_num(middle)}" font-size="{VALUE_SIZE}">{_text(text)}</text>')
                y += BAR + BAR_GAP
            parts.append(f'<line x1="{_num(zero)}" y1="{_num(top)}" x2="{_num(zero)}" y2="{_num(bottom)}" stroke="{TEXT}" stroke-width="1.5"/>')
            y += GROUP_GAP
        y -= GROUP_GAP
        labelled = [(tick, label) for tick, label in ticks if label]
        for tick, label in labelled:
            parts.append(f'<text x="{_num(x_of(tick))}" y="{_num(y + 16)}" font-size="{SMALL_SIZE}" text-anchor="middle" fill="{AXIS}">{_text(label)}</text>')
        y += LINE + 4 if labelled else 6
        if self.value_axis:
            lines = wrap(self.value_axis, SMALL_SIZE, WIDTH - 2 * PAD)
            parts.append(self._text_lines(lines, PAD, y + 12, SMALL_SIZE, fill=AXIS))
            y += LINE * len(lines)
        return legend + parts, y + PAD

    @staticmethod
    def _dash(index: int) -> str:
        return "" if index == 0 else ' stroke-dasharray="6 4"'

    def _marker(self, index: int, x: float, y: float, extra: str = "") -> str:
        """A filled circle for the first series, an open square for the second, and so on."""
        colour = COLOURS[index % len(COLOURS)]
        if index % 2 == 0:
            return f'<circle{extra} cx="{_num(x)}" cy="{_num(y)}" r="5" fill="{colour}"/>'
        return f'<rect{extra} x="{_num(x - 5)}" y="{_num(y - 5)}" width="10" height="10" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'

    def _lines(self) -> tuple[list[str], float]:
        low, high = self._range()
        parts, top = self._legend(PAD)
        top += 8
        plot_height = 200
        ticks = self._ticks(low, high)
        axis_room = max((_width_of(label, SMALL_SIZE) for _, label in ticks), default=0) + 8
        left, right = PAD + axis_room, WIDTH - PAD - 16
        step = (right - left) / max(1, len(self.categories))

        def y_of(value: float) -> float:
            return top + plot_height - (value - low) * plot_height / (high - low)

        def x_of(index: int) -> float:
            return left + step * (index + 0.5)

        for tick, label in ticks:
            y = y_of(tick)
            parts.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>')
            parts.append(f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" font-size="{SMALL_SIZE}" text-anchor="end" fill="{AXIS}">{_text(label)}</text>')
        base = y_of(min(max(0.0, low), high))
        parts.append(f'<line x1="{_num(left)}" y1="{_num(base)}" x2="{_num(right)}" y2="{_num(base)}" stroke="{TEXT}" stroke-width="1.5"/>')
        for number, series in enumerate(self.series):
            colour = COLOURS[number % len(COLOURS)]
            # A missing value breaks the line: joining its neighbours would draw a figure nobody gave.
            runs: list[list[tuple[float, float]]] = [[]]
            for i, value in enumerate(series.values):
                if value is None:
                    runs.append([])
                else:
                    runs[-1].append((x_of(i), y_of(value)))
            for run in runs:
                if len(run) > 1:
                    path = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
                    parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{self._dash(number)}/>')
            for i, value in enumerate(series.values):
                if value is None:
                    continue
                x, y = x_of(i), y_of(value)
                parts.append(self._marker(number, x, y, f' class="gt-chart__point" data-value="{_num(value)}"'))
                # The highest point of a category is labelled above it, the others below, so two
                # series' labels do not sit on each other.
                others = [other.values[i] for other in self.series if other is not series and other.values[i] is not None]
                below = bool(others) and (value < max(others) or (value == max(others) and number > 0))
                parts.append(
                    f'<text x="{_num(x)}" y="{_num(y + 20 if below else y - 9)}" font-size="{SMALL_SIZE}" text-anchor="middle">{_text(series.label(i, self.missing))}</text>'
                )
        bottom = top + plot_height + 8
        tallest = 1
        for index, category in enumerate(self.categories):
            lines = wrap(category, SMALL_SIZE, step - 4)
            tallest = max(tallest, len(lines))
            parts.append(self._text_lines(lines, x_of(index), bottom + 14, SMALL_SIZE, text_anchor="middle"))
        y = bottom + LINE * tallest + 4
        if self.value_axis:
            lines = wrap(self.value_axis, SMALL_SIZE, WIDTH - 2 * PAD)
            parts.append(self._text_lines(lines, PAD, y + 12, SMALL_SIZE, fill=AXIS))
            y += LINE * len(lines)
        return parts, y + PAD
