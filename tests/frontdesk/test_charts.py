"""Bar charts as geometry: bars scale to the largest row, percentages to 100."""

from frontdesk.charts import BAR_SPACE, LABEL_WIDTH, bar_chart


def test_stacked_bars_scale_to_the_largest_row_and_keep_their_order():
    chart = bar_chart(
        key="weekly",
        title="Sessions per week",
        rows=[("1 Jun", [2, 1, 0, 1]), ("8 Jun", [1, 0, 0, 0])],
        series=["Attended", "No-shows", "Cancelled late", "Not marked"],
    )
    first, second = chart.rows
    assert [s.series for s in first.segments] == [0, 1, 3]
    assert first.segments[0].x == LABEL_WIDTH
    assert sum(s.width for s in first.segments) == BAR_SPACE
    assert second.segments[0].width == BAR_SPACE / 4
    assert (first.total, second.total) == ("4", "1")
    assert second.y > first.y


def test_percentages_scale_to_a_hundred_and_long_names_are_shortened():
    chart = bar_chart(
        key="utilisation",
        title="Utilisation",
        rows=[("Alexandra Montgomery", [50])],
        series=["Utilisation"],
        unit="%",
    )
    row = chart.rows[0]
    assert row.segments[0].width == BAR_SPACE / 2
    assert row.total == "50%"
    assert row.label == "Alexandra Mo…"


def test_an_empty_chart_has_no_bars():
    chart = bar_chart(key="x", title="x", rows=[("1 Jun", [0])], series=["New clients"])
    assert chart.rows[0].segments == []
