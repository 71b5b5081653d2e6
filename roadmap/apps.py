from django.apps import AppConfig


def _content_changed(sender, **kwargs):
    from config.cache import bump_roadmap_pages

    bump_roadmap_pages()


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmap content"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from roadmap.models import ProjectIdea, TopicProgress

        # The one mechanism that makes cached roadmap pages and the per-process outline stale: any
        # write to roadmap content bumps the roadmap version, whoever makes it (the admin, the loader,
        # release publishing, a shell, a data migration, a test factory). A changelog entry is content
        # too (the changes page and feed show it). Learners' progress bumps its own scopes instead.
        for model in self.get_models():
            if model is TopicProgress:
                continue
            uid = f"roadmap-version-{model.__name__}"
            post_save.connect(_content_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_content_changed, sender=model, dispatch_uid=f"{uid}-delete")
        m2m_changed.connect(
            _content_changed, sender=ProjectIdea.steps.through, dispatch_uid="roadmap-version-idea-steps"
        )
