"""Public portfolio pages in the sitemap: pages of users whose portfolio is public, and their public
projects. Drafts, unlisted and hidden projects, private and hidden pages never appear."""

from django.db.models import Max, Q

from portfolio import selectors
from portfolio.models import Project
from roadmap.sitemaps import PublicSitemap


class PortfolioProfileSitemap(PublicSitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return (
            selectors.public_users()
            .annotate(
                last_project=Max(
                    "projects__updated_at",
                    filter=Q(projects__visibility=Project.Visibility.PUBLIC, projects__hidden=False),
                )
            )
            .order_by("username")
        )

    def location(self, user):
        return user.get_absolute_url()

    def lastmod(self, user):
        return user.last_project


class PortfolioProjectSitemap(PublicSitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return Project.objects.listed().select_related("owner").order_by("owner__username", "position", "id")

    def lastmod(self, project):
        return project.updated_at
