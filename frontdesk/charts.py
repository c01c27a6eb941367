"""Horizontal bar charts as plain geometry for an SVG template: readable on a phone.

Rows run down the page (one per week or therapist), so a long range grows the chart's height,
never its width; each bar may stack several series. The numbers come from a report
``Table``, whose rows the page also shows as an accessible data table.
"""

from dataclasses import dataclass

WIDTH = 360
LABEL_WIDTH = 100
VALUE_WIDTH = 40
ROW_HEIGHT = 26
BAR_HEIGHT = 18
TOP = 4
BAR_SPACE = WIDTH - LABEL_WIDTH - VALUE_WIDTH


@dataclass
class Segment:
    series: int
    x: float
    width: float


@dataclass
class ChartRow:
    label: str
    y: float
    text_y: float
    segments: list[Segment]
    total: str
    total_x: float


@dataclass
class Chart:
    key: str
    title: str
    series: list[str]
    rows: list[ChartRow]
    width: int
    height: int
    label_width: int

    @property
    def has_legend(self) -> bool:
        return len(self.series) > 1


def bar_chart(*, key: str, title: str, rows, series: list[str], unit: str = "") -> Chart:
    """``rows`` are (label, [value per series]); bars scale to the largest row total.

    A percentage chart (``unit="%"``) scales to 100 so a half-booked therapist shows half a bar.
    """
    totals = [sum(values) for _, values in rows]
    scale_to = 100 if unit == "%" else max(totals, default=0)
    chart_rows = []
    for index, (label, values) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        x = float(LABEL_WIDTH)
        segments = []
        for series_index, value in enumerate(values):
            width = BAR_SPACE * min(value, scale_to) / scale_to if scale_to else 0
            if width > 0:
                segments.append(Segment(series=series_index, x=round(x, 1), width=round(width, 1)))
            x += width
        chart_rows.append(
            ChartRow(
                label=label if len(label) <= 13 else f"{label[:12]}…",
                y=y,
                text_y=y + BAR_HEIGHT - 5,
                segments=segments,
                total=f"{sum(values):g}{unit}",
                total_x=round(x + 4, 1),
            )
        )
    return Chart(
        key=key,
        title=title,
        series=series,
        rows=chart_rows,
        width=WIDTH,
        height=TOP * 2 + max(len(rows), 1) * ROW_HEIGHT,
        label_width=LABEL_WIDTH - 6,
    )
