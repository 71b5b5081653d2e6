from django.core.management.base import BaseCommand

from search.services import reindex_all


class Command(BaseCommand):
    help = "Rebuild the search index from the database (after bulk writes, or on a new deployment)."

    def handle(self, *args, **options):
        count = reindex_all()
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {count} documents."))
