import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import search.db


def _document_fields():
    return [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("title", models.CharField(max_length=300)),
        ("context", models.CharField(blank=True, max_length=300)),
        ("body", models.TextField(blank=True)),
        ("url", models.CharField(max_length=500)),
        ("vector", django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
    ]


def _indexes(model, prefix):
    return [
        search.db.AddIndexOnPostgreSQL(
            model_name=model,
            index=django.contrib.postgres.indexes.GinIndex(fields=["vector"], name=f"{prefix}_vector"),
        ),
        search.db.AddIndexOnPostgreSQL(
            model_name=model,
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["title"], name=f"{prefix}_title", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]


class Migration(migrations.Migration):
    """One table per group of kinds a search reads apart (the roadmap's content, projects, people), so
    that PostgreSQL keeps statistics for each. The index is derived data: after migrating, run
    `manage.py search_reindex`."""

    dependencies = [
        ("search", "0001_initial"),
        ("portfolio", "0001_initial"),
        ("roadmap", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name="SearchDocument"),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                *_document_fields(),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("step", "Steps"),
                            ("topic", "Topics"),
                            ("tool", "Tools"),
                            ("resource", "Resources"),
                            ("idea", "Project ideas"),
                        ],
                        max_length=10,
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "roadmap",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="roadmap.roadmap"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="search_one_document_per_object")
                ]
            },
        ),
        migrations.CreateModel(
            name="ProjectDocument",
            fields=[
                *_document_fields(),
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portfolio.project"
                    ),
                ),
            ],
            options={"abstract": False},
        ),
        migrations.CreateModel(
            name="ProfileDocument",
            fields=[
                *_document_fields(),
                (
                    "profile",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={"abstract": False},
        ),
        *_indexes("searchdocument", "search_content"),
        *_indexes("projectdocument", "search_project"),
        *_indexes("profiledocument", "search_profile"),
    ]
