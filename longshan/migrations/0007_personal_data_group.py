"""Create the "personal data" group, which sees ID and phone numbers in full (issue 11).

Everybody else sees them masked (longshan.privacy). The permission row is made here
because Django creates permissions only after all migrations have run.
"""

from django.db import migrations

GROUP_NAME = "personal data"
CODENAME = "view_personal_data"


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.get_or_create(
        app_label="longshan", model="auditevent"
    )
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename=CODENAME,
        defaults={"name": "Can see resident ID and phone numbers in full"},
    )
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(permission)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("longshan", "0006_personal_data_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
