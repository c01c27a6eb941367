"""Reading ids from request data, which may hold anything a visitor typed."""

# The largest value of PostgreSQL's bigint, the type of our primary keys.
MAX_ID = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """The database id ``value`` spells, or ``None`` if it is not one.

    Only ASCII digits count: ``str.isdigit`` also accepts "²" and other Unicode digits,
    which ``int`` refuses or reads as a different number.
    """
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values) -> list[int]:
    """The ids among ``values``, dropping whatever is not one."""
    return [number for number in map(parse_id, values) if number is not None]
