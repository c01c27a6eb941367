"""Dating a pregnancy: due date, gestational age on a date, trimester (ACOG), entry checks."""

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

PREGNANCY_DAYS = 280  # Naegele's rule: the due date is 40w0d after the last period began.
TERM_DAYS = 37 * 7
DUE_DAYS = 40 * 7
POST_TERM_DAYS = 42 * 7
SECOND_TRIMESTER_DAYS = 14 * 7
THIRD_TRIMESTER_DAYS = 28 * 7

# Entry checks of the rule table: further ahead than a whole pregnancy, or long enough
# past the date that she has almost certainly given birth, is a typing error.
MAX_DUE_DATE_AHEAD = dt.timedelta(weeks=42)
MAX_DUE_DATE_PAST = dt.timedelta(weeks=2)


class Trimester(IntEnum):
    FIRST = 1
    SECOND = 2
    THIRD = 3

    @property
    def label(self) -> str:
        return {1: "first", 2: "second", 3: "third"}[self.value] + " trimester"


@dataclass(frozen=True, order=True)
class GestationalAge:
    """Completed days of pregnancy, shown the clinical way as weeks+days (e.g. 27w6d)."""

    total_days: int

    def __post_init__(self):
        if self.total_days < 0:
            raise ValueError("A gestational age cannot be negative.")

    @classmethod
    def of(cls, weeks: int, days: int = 0) -> "GestationalAge":
        if not 0 <= days < 7:
            raise ValueError("Days must be between 0 and 6.")
        return cls(weeks * 7 + days)

    @property
    def weeks(self) -> int:
        return self.total_days // 7

    @property
    def days(self) -> int:
        return self.total_days % 7

    @property
    def trimester(self) -> Trimester:
        if self.total_days < SECOND_TRIMESTER_DAYS:
            return Trimester.FIRST
        if self.total_days < THIRD_TRIMESTER_DAYS:
            return Trimester.SECOND
        return Trimester.THIRD

    @property
    def is_term(self) -> bool:
        return self.total_days >= TERM_DAYS

    @property
    def is_past_due_date(self) -> bool:
        return self.total_days >= DUE_DAYS

    @property
    def is_post_term(self) -> bool:
        return self.total_days >= POST_TERM_DAYS

    def __str__(self) -> str:
        return f"{self.weeks}w{self.days}d"

    @property
    def weeks_and_days(self) -> str:
        """ "22 weeks and 1 day", "1 week", "0 weeks and 3 days"."""
        return weeks_and_days(self.total_days)

    @property
    def in_words(self) -> str:
        """For people rather than charts: "27 weeks and 6 days pregnant"."""
        return f"{self.weeks_and_days} pregnant"


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def weeks_and_days(total_days: int) -> str:
    """A span of days as people say it, singular where it is one: "2 weeks and 1 day"."""
    weeks, days = divmod(total_days, 7)
    if not days:
        return _counted(weeks, "week")
    return f"{_counted(weeks, 'week')} and {_counted(days, 'day')}"


def date_at_week(due_date: dt.date, weeks: int) -> dt.date:
    """The day she reaches ``weeks``+0 days of pregnancy (week 14 starts the second trimester)."""
    return due_date - dt.timedelta(days=PREGNANCY_DAYS - weeks * 7)


def due_date_from_last_period(lmp: dt.date) -> dt.date:
    """Naegele's rule: the first day of the last menstrual period plus 280 days."""
    return lmp + dt.timedelta(days=PREGNANCY_DAYS)


def gestational_age_or_none(due_date: dt.date, on: dt.date) -> GestationalAge | None:
    """Gestational age on ``on``, or ``None`` for a date before the pregnancy began.

    For showing: a session booked before she moved her due date later may fall before 0w0d.
    """
    try:
        return gestational_age_on(due_date, on)
    except ValueError:
        return None


def gestational_age_on(due_date: dt.date, on: dt.date) -> GestationalAge:
    """Gestational age on ``on``; a date before the pregnancy began (0w0d) is a ``ValueError``."""
    total_days = PREGNANCY_DAYS - (due_date - on).days
    if total_days < 0:
        raise ValueError(
            f"{on.isoformat()} is before this pregnancy began "
            f"(due date {due_date.isoformat()} means 0w0d on "
            f"{(due_date - dt.timedelta(days=PREGNANCY_DAYS)).isoformat()})."
        )
    return GestationalAge(total_days)


def due_date_entry_problem(due_date: dt.date, *, today: dt.date) -> str | None:
    """A plain-words reason a due date typed in today cannot be right, or ``None`` if plausible."""
    if due_date > today + MAX_DUE_DATE_AHEAD:
        return (
            "That due date is more than 42 weeks away, which is longer than a pregnancy. "
            "Please check the date."
        )
    if due_date < today - MAX_DUE_DATE_PAST:
        return (
            "That due date is more than 2 weeks ago. Please check the date; if your baby has "
            "arrived, congratulations — we can't book pregnancy sessions any more."
        )
    return None
