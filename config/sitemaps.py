"""Sitemaps of public pages only; each app contributes its own."""

from roadmap.sitemaps import RoadmapSitemap, StepSitemap

SITEMAPS = {
    "roadmaps": RoadmapSitemap,
    "steps": StepSitemap,
}
