"""The slot picker: a therapist, a 14-day strip and one day's free times, a page of therapists
at a time, in a fixed number of queries whatever the clinic's size."""

import datetime as dt

from django.core.paginator import Paginator
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from booking import queries
from clinics.models import Clinic, Therapist
from common.urls import url_for_each

STRIP_DAYS = 14
# A large clinic's day would list hundreds of times; the picker offers them a page of
# therapists at a time, with a link to the next page.
THERAPISTS_PER_PAGE = 20


def parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def picker_context(
    *,
    clinic: Clinic,
    therapist_slug: str,
    day_param: str | None,
    picker_url: str,
    page_param: str | None = None,
) -> dict:
    """Everything the slot picker at ``picker_url`` shows, in two queries after the
    clinic's: the therapists with their next free times, then the strip's free days with the
    day's free slots."""
    therapists = queries.public_therapists(clinic=clinic)
    therapist = next((t for t in therapists if t.slug == therapist_slug), None)
    page = Paginator(therapists, THERAPISTS_PER_PAGE).get_page(page_param)
    page_therapists = list(page.object_list)
    offered = [therapist] if therapist is not None else page_therapists
    offered_ids = [t.pk for t in offered]
    next_free = min((t.next_free for t in offered if t.next_free), default=None)
    today = clinic.today()
    next_free_day = clinic.local_date(next_free) if next_free else None
    day = chosen_day(parse_day(day_param), today=today, clinic=clinic, next_free_day=next_free_day)
    days_with_free, rows = queries.free_days_and_day_slots(
        clinic=clinic, therapist_ids=offered_ids, start=today, days=STRIP_DAYS, day=day
    )
    slots = slot_rows(rows, clinic=clinic, therapists=offered)
    page_query = f"&amp;page={page.number}" if page.number > 1 and therapist is None else ""
    therapist_param = therapist.slug if therapist else ""
    strip = day_strip(today=today, day=day, days_with_free=days_with_free)
    day_href = f"{escape(picker_url)}?therapist={escape(therapist_param)}{page_query}&amp;day="
    return {
        "picker_url": picker_url,
        "therapists": therapists,
        "page_therapists": page_therapists,
        "therapist_page": page,
        "therapist": therapist,
        "therapist_param": therapist_param,
        "therapist_options": therapist_options(therapists, chosen=therapist),
        "page_query": page_query,
        "strip": strip,
        "strip_links": strip_links(strip, day_href=day_href),
        "day": day,
        "day_iso": day.isoformat(),
        "slots": slots,
        "slot_links": slot_links(slots, with_names=therapist is None),
        "next_free": next_free,
        "next_free_day": next_free_day,
        "today": today,
    }


def therapist_options(therapists: list[Therapist], *, chosen: Therapist | None) -> SafeString:
    """The therapist menu's options, built as one string: a large clinic lists hundreds."""
    options = [f'<option value=""{"" if chosen else " selected"}>Any therapist</option>']
    options += [
        f'<option value="{escape(t.slug)}"{" selected" if t is chosen else ""}>'
        f"{escape(t.display_name)}</option>"
        for t in therapists
    ]
    return mark_safe("".join(options))  # every value in it is escaped above


THERAPIST_ITEM = '<li class="mb-2"><a href="{url}">{name}</a>{next_free}</li>'
NO_THERAPISTS = mark_safe("<li>No therapists are taking bookings yet.</li>")


def therapist_list(therapists: list[Therapist], *, clinic: Clinic) -> SafeString:
    """The clinic page's list of therapists, each with her next free time, as one string:
    one reverse() for all the links and the times formatted here, not per row."""
    if not therapists:
        return NO_THERAPISTS
    profile_url = url_for_each("booking:therapist", key="therapist_slug", slug=clinic.slug)
    items = []
    for therapist in therapists:
        next_free = ""
        if therapist.next_free:
            when = f"{therapist.next_free.astimezone(clinic.tz):%a %-d %b, %H:%M}"
            next_free = f'<br><span class="text-body-secondary">Next free: {when}</span>'
        items.append(
            THERAPIST_ITEM.format(
                url=escape(profile_url(therapist.slug)),
                name=escape(therapist.display_name),
                next_free=next_free,
            )
        )
    return mark_safe("".join(items))  # names and links escaped above; the times are ours


def chosen_day(
    day: dt.date | None, *, today: dt.date, clinic: Clinic, next_free_day: dt.date | None
) -> dt.date:
    """The asked-for day inside the booking horizon, else the next free day when the strip
    shows it (it has free time by definition), else today."""
    last_day = today + dt.timedelta(weeks=clinic.booking_horizon_weeks)
    if day is not None and today <= day <= last_day:
        return day
    in_strip = next_free_day and next_free_day < today + dt.timedelta(days=STRIP_DAYS)
    return next_free_day if in_strip else today


def day_strip(*, today: dt.date, day: dt.date, days_with_free: set[dt.date]) -> list[dict]:
    # Labels are formatted here once: fourteen days of template date filters cost more.
    return [
        {
            "iso": date.isoformat(),
            "weekday": f"{date:%a}",
            "label": f"{date.day} {date:%b}",
            "has_free": date in days_with_free,
            "selected": date == day,
        }
        for date in (today + dt.timedelta(days=offset) for offset in range(STRIP_DAYS))
    ]


FREE_DAY_LINK = (
    '<a class="btn {style} day-chip flex-column lh-sm px-2" href="{day_href}{iso}#times"{current}>'
    '<span class="small">{weekday}</span><span class="fw-semibold">{label}</span></a>'
)
DAY_WITHOUT_TIMES = (
    '<span class="btn btn-light disabled day-chip flex-column lh-sm px-2{border}" '
    'aria-disabled="true"><span class="small">{weekday}</span>'
    '<span class="fw-semibold">{label}</span><span class="small">No times</span></span>'
)


def strip_links(strip: list[dict], *, day_href: str) -> SafeString:
    """The strip's fourteen days as one string: a link to each day with free times (the
    chosen one marked), a greyed box for the others. ``day_href`` is escaped already; the
    days' words are our own."""
    chips = []
    for entry in strip:
        if entry["has_free"]:
            chips.append(
                FREE_DAY_LINK.format(
                    style="btn-primary" if entry["selected"] else "btn-outline-primary",
                    day_href=day_href,
                    current=' aria-current="date"' if entry["selected"] else "",
                    **entry,
                )
            )
        else:
            border = " border-primary" if entry["selected"] else ""
            chips.append(DAY_WITHOUT_TIMES.format(border=border, **entry))
    return mark_safe("".join(chips))


def slot_rows(rows, *, clinic: Clinic, therapists: list[Therapist]) -> list[dict]:
    """The day's slots for the template, with the time, the therapist's name (escaped once per
    therapist, not once per time) and a ready link, ordered by time and then by name."""
    position = {t.pk: index for index, t in enumerate(therapists)}
    names = {t.pk: escape(t.display_name) for t in therapists}
    slot_url = url_for_each("booking:slot", key="slot_id")
    tz = clinic.tz
    ordered = sorted(rows, key=lambda row: (row[1], position[row[2]]))
    return [
        {
            "id": slot_id,
            "starts_at": starts_at,
            "local_time": f"{starts_at.astimezone(tz):%H:%M}",
            "therapist_name": names[therapist_id],
            "url": slot_url(slot_id),
        }
        for slot_id, starts_at, therapist_id in ordered
    ]


SLOT_LINK = (
    '<li class="col"><a class="btn btn-outline-primary w-100 slot-button flex-column lh-sm" '
    'href="{url}"><strong>{local_time}</strong>{name}</a></li>'
)


def slot_links(slots: list[dict], *, with_names: bool) -> SafeString:
    """The day's times as links, built as one string: a busy day lists a hundred, and
    rendering each through the template cost about as much as the rest of the page."""
    return mark_safe(  # the names are escaped in slot_rows; times and links are our own
        "".join(
            SLOT_LINK.format(
                url=slot["url"],
                local_time=slot["local_time"],
                name=f'<span class="small">{slot["therapist_name"]}</span>' if with_names else "",
            )
            for slot in slots
        )
    )
