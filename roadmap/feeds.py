from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html_join

from roadmap import selectors
from roadmap.models import RoadmapChange


class ChangesFeed(Feed):
    """Atom feed of a roadmap's changelog, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return selectors.roadmap_get_published(slug)

    def title(self, roadmap):
        return f"What's new in {roadmap.title}"

    def subtitle(self, roadmap):
        return f"Releases and content changes of {roadmap.title}."

    def link(self, roadmap):
        return reverse("roadmap:changes", kwargs={"slug": roadmap.slug})

    def items(self, roadmap):
        changes = selectors.with_releases(selectors.changes_for(roadmap)[:50])
        for change in changes:
            change.roadmap_slug = roadmap.slug
        return changes

    def item_title(self, change):
        if change.action == RoadmapChange.Action.RELEASED:
            return f"Released {change.object_repr}"
        return f"{change.get_action_display()} {change.object_label}: {change.object_repr}"

    def item_description(self, change):
        if change.release is not None:
            return change.release.notes_html
        if change.fields:
            return format_html_join(
                "",
                "<p><strong>{}</strong>: {} &rarr; {}</p>",
                ((f["label"], f["old"] or "(empty)", f["new"] or "(empty)") for f in change.field_changes),
            )
        return f"{change.get_action_display()} {change.object_label} “{change.object_repr}”."

    def item_link(self, change):
        base = reverse("roadmap:changes", kwargs={"slug": change.roadmap_slug})
        return f"{base}#change-{change.pk}"

    def item_pubdate(self, change):
        return change.created_at

    def item_updateddate(self, change):
        return change.created_at

    def item_author_name(self, change):
        # A display name only: an editor's username or address is not the public's business.
        return change.public_author
