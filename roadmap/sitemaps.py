from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from roadmap.models import Roadmap, Step
from roadmap.views import GUIDE_SECTIONS


class PublicSitemap(Sitemap):
    """A sitemap whose absolute URLs use SITE_URL, whatever host the request came through."""

    def get_urls(self, page=1, site=None, protocol=None):
        url = urlsplit(settings.SITE_URL)
        return super().get_urls(page=page, site=SimpleNamespace(domain=url.netloc), protocol=url.scheme)


class RoadmapSitemap(PublicSitemap):
    """The home and about pages, and each published roadmap's own pages: overview, project ideas,
    changes and guide sections."""

    changefreq = "weekly"

    def items(self):
        pages = [reverse("roadmap:home"), reverse("about")]
        for slug in Roadmap.objects.published().values_list("slug", flat=True):
            pages.append(reverse("roadmap:detail", kwargs={"slug": slug}))
            pages.append(reverse("roadmap:projects", kwargs={"slug": slug}))
            pages.append(reverse("roadmap:changes", kwargs={"slug": slug}))
            pages.extend(reverse("roadmap:guide", kwargs={"slug": slug, "section": s}) for s in GUIDE_SECTIONS)
        return pages

    def location(self, item):
        return item


class StepSitemap(PublicSitemap):
    changefreq = "weekly"

    def items(self):
        return Step.objects.filter(roadmap__published=True).select_related("roadmap").order_by("roadmap_id", "number")

    def lastmod(self, step):
        return step.roadmap.updated_at
