from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice: self-checks and reviews"

    def ready(self):
        from practice import signals

        signals.connect()
