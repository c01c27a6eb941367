import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every row has a recipient once 0006 has filled them in (its own transaction)."""

    dependencies = [
        ("booking", "0006_outbox_for_every_message"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reminder",
            name="recipient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
