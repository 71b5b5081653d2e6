"""A random unsubscribe key per user: added empty, filled one by one, then made unique and required."""

import secrets

from django.db import migrations, models

import accounts.models


def fill_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(unsubscribe_key__isnull=True).only("pk").iterator():
        User.objects.filter(pk=user.pk).update(unsubscribe_key=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_site_name")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="unsubscribe_key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="unsubscribe_key",
            field=models.CharField(
                default=accounts.models.new_unsubscribe_key, editable=False, max_length=32, unique=True
            ),
        ),
    ]
