"""Sitemaps of public pages only; each app contributes its own."""

from portfolio.sitemaps import PortfolioProfileSitemap, PortfolioProjectSitemap
from roadmap.sitemaps import RoadmapSitemap, StepSitemap

SITEMAPS = {
    "roadmaps": RoadmapSitemap,
    "steps": StepSitemap,
    "portfolios": PortfolioProfileSitemap,
    "projects": PortfolioProjectSitemap,
}
