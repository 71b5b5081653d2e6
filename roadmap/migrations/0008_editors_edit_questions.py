"""Editors may edit self-check questions and their choices, like any roadmap content."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["question", "choice"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure these exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is None:
        return
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="roadmap", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="roadmap", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0007_url_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
