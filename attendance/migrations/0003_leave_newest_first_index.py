# The leave list shows the newest requests first: with this index a page of them is read in
# order instead of sorting every request in scope (144,000 a year at province scale).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0002_seed_rule_values"),
        ("cadres", "0004_initial_appointment_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="leaverequest",
            index=models.Index(fields=["-starts_at", "-id"], name="leave_newest_first"),
        ),
    ]
