"""PostgreSQL guards against overlaps the Python code also checks.

- a therapist never has two overlapping slots;
- a client never holds two overlapping active sessions.

Exclusion constraints exist only on PostgreSQL; on the embedded SQLite default this
migration does nothing, and the services' own checks stand alone.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = [
    (
        "booking_slot",
        "slot_no_overlap_per_therapist",
        "EXCLUDE USING gist (therapist_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)",
    ),
    (
        "booking_booking",
        "booking_no_overlap_per_client",
        "EXCLUDE USING gist (client_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status = 'booked')",
    ),
]


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, definition in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _ in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
