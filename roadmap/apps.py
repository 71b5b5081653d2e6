from django.apps import AppConfig


def _content_saved(sender, **kwargs):
    from config.cache import bump_roadmap_pages

    bump_roadmap_pages()


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmap content"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from roadmap.models import Phase, Roadmap, Step, Topic

        # The outline of a roadmap (its phases, steps and topics) is memoised per process and cached
        # pages show it, both keyed on the roadmap version. The admin and the loader bump it through
        # record_change; these make any other save (a shell, a data migration, a test factory) bump
        # it too, so that nothing serves an outline the database no longer has.
        for model in (Roadmap, Phase, Step, Topic):
            post_save.connect(_content_saved, sender=model, dispatch_uid=f"roadmap-outline-save-{model.__name__}")
            post_delete.connect(_content_saved, sender=model, dispatch_uid=f"roadmap-outline-delete-{model.__name__}")
