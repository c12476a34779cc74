"""Give every cadre already on the roster the event their record stands on (POLICY §3.6).

An appointment on the start date into the current village and post; a cadre not in post
also gets the event of their current status, dated the start date (the real date was not
kept before the history existed).
"""

from django.db import migrations

NOTE = "Recorded when the appointment history began"
STATUS_EVENT = {"suspended": "suspension", "removed": "removal", "departed": "departure"}


def forward(apps, schema_editor):
    Cadre = apps.get_model("cadres", "Cadre")
    AppointmentEvent = apps.get_model("cadres", "AppointmentEvent")
    with_history = AppointmentEvent.objects.values("cadre_id")
    events = []
    for cadre in Cadre.objects.exclude(pk__in=with_history).only(
        "pk", "village_id", "post", "status", "start_date"
    ):
        events.append(
            AppointmentEvent(
                cadre_id=cadre.pk,
                kind="appointment",
                status="confirmed",
                on=cadre.start_date,
                village_id=cadre.village_id,
                post=cadre.post,
                reason=NOTE,
            )
        )
        if cadre.status in STATUS_EVENT:
            events.append(
                AppointmentEvent(
                    cadre_id=cadre.pk,
                    kind=STATUS_EVENT[cadre.status],
                    status="confirmed",
                    on=cadre.start_date,
                    reason=NOTE,
                )
            )
    AppointmentEvent.objects.bulk_create(events, batch_size=1000)


def backward(apps, schema_editor):
    apps.get_model("cadres", "AppointmentEvent").objects.filter(reason=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("cadres", "0003_seed_selection_rules")]

    operations = [migrations.RunPython(forward, backward)]
