"""Her pain before and after each session as an SVG line chart, laid out on the server.

Plain geometry for a template: no JavaScript, readable on a phone (a long plan scrolls inside
its figure, never the page), with the numbers also in a table for screen readers.
"""

from dataclasses import dataclass

from care.queries import ProgressPoint

STEP = 34  # px between sessions: room for a "27w" label under each point
LEFT = 34  # room for the 0–10 axis labels
RIGHT = 16
TOP = 12
PLOT_HEIGHT = 150
BOTTOM = 40  # the week labels and the date under them
MIN_WIDTH = 300
# A "16/12" date at 12 px is about as wide as STEP, so neighbouring dates ran into each other
# on a phone: every other session carries its date (the table below has them all).
DATE_LABEL_WIDTH = 40
DATE_EVERY = -(-DATE_LABEL_WIDTH // STEP)


AFTER_MARK = 10  # the "after" square's side


@dataclass(frozen=True)
class ChartPoint:
    x: int
    before_y: float | None
    after_y: float | None
    point: ProgressPoint
    show_date: bool

    # Corners worked out here, not with template filters: a long plan has many points.
    @property
    def after_left(self) -> int:
        return self.x - AFTER_MARK // 2

    @property
    def after_top(self) -> float | None:
        return None if self.after_y is None else self.after_y - AFTER_MARK / 2


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: int
    grid: list[tuple[int, float]]
    points: list[ChartPoint]
    before_line: str
    after_line: str

    @property
    def axis_label_x(self) -> int:
        return self.plot_left - 6

    @property
    def week_label_y(self) -> int:
        return self.plot_bottom + 18

    @property
    def date_label_y(self) -> int:
        return self.plot_bottom + 34

    @property
    def has_data(self) -> bool:
        return any(p.before_y is not None or p.after_y is not None for p in self.points)


def _y(pain: int | None) -> float | None:
    return None if pain is None else TOP + PLOT_HEIGHT * (10 - pain) / 10


def _line(coords: list[tuple[int, float | None]]) -> str:
    """An SVG polyline through the known values (a missing one is skipped, not zero)."""
    return " ".join(f"{x},{y:g}" for x, y in coords if y is not None)


def progress_chart(points: list[ProgressPoint]) -> Chart:
    width = max(MIN_WIDTH, LEFT + RIGHT + STEP * max(len(points), 1))
    laid_out = [
        ChartPoint(
            x=LEFT + STEP // 2 + STEP * index,
            before_y=_y(point.pain_before),
            after_y=_y(point.pain_after),
            point=point,
            show_date=index % DATE_EVERY == 0,
        )
        for index, point in enumerate(points)
    ]
    return Chart(
        width=width,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        plot_left=LEFT,
        plot_right=width - RIGHT,
        plot_bottom=TOP + PLOT_HEIGHT,
        grid=[(level, _y(level)) for level in range(0, 11, 2)],
        points=laid_out,
        before_line=_line([(p.x, p.before_y) for p in laid_out]),
        after_line=_line([(p.x, p.after_y) for p in laid_out]),
    )
