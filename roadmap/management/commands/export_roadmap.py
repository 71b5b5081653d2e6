import sys

from django.core.management.base import BaseCommand, CommandError

from roadmap.content_export import dump_yaml, roadmap_export
from roadmap.models import Roadmap


class Command(BaseCommand):
    help = "Write a roadmap's content as YAML, in the shape load_roadmap reads."

    def add_arguments(self, parser):
        parser.add_argument("--slug", default="ai-engineer", help="roadmap slug (default: ai-engineer)")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, slug, output, **options):
        roadmap = Roadmap.objects.filter(slug=slug).first()
        if roadmap is None:
            raise CommandError(f"No roadmap with slug {slug!r}. Run load_roadmap first.")
        text = dump_yaml(roadmap_export(roadmap))
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(f"Wrote {output}")
        else:
            sys.stdout.write(text)
