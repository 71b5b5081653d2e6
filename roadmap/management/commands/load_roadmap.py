from django.core.management.base import BaseCommand, CommandError

from roadmap.loader import DEFAULT_FILE, ContentError, read_file, roadmap_load


class Command(BaseCommand):
    help = "Load (or update) a roadmap from its YAML content file. Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="content file (YAML)")

    def handle(self, *args, file, **options):
        try:
            result = roadmap_load(data=read_file(file))
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        roadmap = result.roadmap
        if result.touched:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {roadmap.title} {roadmap.version}: {result.created} created, "
                    f"{result.changed} changed, {result.deleted} deleted."
                )
            )
        else:
            self.stdout.write(f"{roadmap.title} {roadmap.version} is up to date; nothing changed.")
