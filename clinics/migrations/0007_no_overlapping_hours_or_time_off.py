"""Limits that keep odd input from the database: overlaps and over-long text.

PostgreSQL guards against overlaps the services also check under a lock.

- a therapist's stretches of working hours on one weekday never share a minute on a day both
  apply (a missing first or last day is an open end of the range);
- her stretches of time off (whole days, or hours on the first and last day, clinic-local)
  never share a moment.

Two identical forms submitted at once then end with one row, and the other gets the
service's message. Exclusion constraints exist only on PostgreSQL; on the embedded SQLite
default these do nothing, and the services' checks stand alone.

A clinic's address and a therapist's bio get a length limit the forms enforce.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

CONSTRAINTS = [
    (
        "clinics_workinghours",
        "working_hours_no_overlap",
        "EXCLUDE USING gist (therapist_id WITH =, weekday WITH =, "
        "int4range((extract(epoch FROM starts_at))::int, (extract(epoch FROM ends_at))::int) "
        "WITH &&, daterange(valid_from, valid_until, '[]') WITH &&)",
    ),
    (
        "clinics_timeoff",
        "time_off_no_overlap",
        "EXCLUDE USING gist (therapist_id WITH =, tsrange(starts_on + coalesce(from_time, "
        "time '00:00'), CASE WHEN until_time IS NULL THEN (ends_on + 1) + time '00:00' "
        "ELSE ends_on + until_time END, '[)') WITH &&)",
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
        ("clinics", "0006_time_off_in_hours"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
        migrations.AlterField(
            model_name="clinic",
            name="address",
            field=models.TextField(
                help_text="Street, town and postcode, one per line.", max_length=500
            ),
        ),
        migrations.AlterField(
            model_name="therapist",
            name="bio",
            field=models.TextField(blank=True, max_length=2000),
        ),
    ]
