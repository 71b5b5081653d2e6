"""Reads of portfolio projects. Every page, the API, the sitemap, share images and exports ask these
functions (and the QuerySet methods on Project) who may see what; each returns in a fixed number of
queries whatever the number of projects."""

import hashlib

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from portfolio.models import TECH_CATEGORIES, Project, portfolio_page_visible_q
from roadmap.models import Step, Tool

User = get_user_model()


# --- who may see what -----------------------------------------------------------------------


def is_owner_or_staff(viewer, user) -> bool:
    return bool(viewer is not None and viewer.is_authenticated and (viewer.pk == user.pk or viewer.is_staff))


def portfolio_page_is_public(user) -> bool:
    """Whether everyone may see the user's page: public, not hidden by staff, account active."""
    return user.portfolio_public and not user.page_hidden and user.is_active


def can_view_portfolio(viewer, user) -> bool:
    """Whether `viewer` (a user or AnonymousUser) may see `user`'s public page and anything under it."""
    return portfolio_page_is_public(user) or is_owner_or_staff(viewer, user)


def public_users():
    """Users whose page everyone may see."""
    return User.objects.filter(portfolio_page_visible_q())


def portfolio_owner_get(viewer, username: str):
    """The user whose page `viewer` asks for, or 404 if there is none or `viewer` may not see it.

    Usernames are unique whatever their case; callers redirect when `username` is not spelled as stored.
    """
    user = User.objects.filter(username__iexact=username).first()
    if user is None or not can_view_portfolio(viewer, user):
        raise Http404("No such page")
    return user


# --- projects -------------------------------------------------------------------------------


def _with_skills(queryset):
    return queryset.prefetch_related(
        Prefetch("skills", queryset=Step.objects.select_related("roadmap").order_by("number"))
    )


def projects_for_owner(owner):
    """All of the owner's projects, in page order, for their own list."""
    return _with_skills(Project.objects.filter(owner=owner).select_related("owner")).order_by(
        "position", "-created_at", "id"
    )


def project_for_owner(owner, slug: str) -> Project:
    """One of the owner's own projects, or 404: the only way the editing pages look a project up."""
    return get_object_or_404(
        _with_skills(Project.objects.filter(owner=owner).select_related("owner", "idea")), slug=slug
    )


def public_projects(user):
    """The projects shown on the user's page: published (public, not hidden), in the owner's order."""
    return _with_skills(user.projects.published().select_related("owner")).order_by("position", "-created_at", "id")


def project_for_viewer(viewer, user, slug: str) -> Project:
    """`user`'s project that `viewer` may open, or 404 (drafts and hidden ones: owner and staff only)."""
    if not can_view_portfolio(viewer, user):
        raise Http404("No such project")
    queryset = Project.objects.visible_to(viewer).filter(owner=user).select_related("owner", "idea")
    project = get_object_or_404(_with_skills(queryset), slug=slug)
    project.owner = user
    return project


def skills_matrix(projects) -> list[tuple[Step, list[Project]]]:
    """[(step, [projects that demonstrate it])] in roadmap order, from projects with prefetched skills."""
    by_step: dict[int, tuple[Step, list[Project]]] = {}
    for project in projects:
        for step in project.skills.all():
            by_step.setdefault(step.pk, (step, []))[1].append(project)
    return sorted(by_step.values(), key=lambda item: (item[0].roadmap_id, item[0].number))


def profile_share_version(user, projects) -> str:
    """A digest of what the profile's share image shows; it changes when that content changes."""
    parts = [user.name, user.headline, user.username, str(len(projects))]
    parts += [p.title for p in projects[:3]]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def project_share_version(project) -> str:
    """A digest of what a project's share image shows."""
    owner = project.owner
    parts = [project.title, project.get_tier_display(), project.key_metric, owner.name, owner.username]
    parts += project.all_tags[:6]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def tech_tag_suggestions(roadmap=None) -> list[str]:
    """Tool names of the roadmap(s), for the tech stack autocomplete."""
    tools = Tool.objects.filter(roadmap__published=True, retired=False)
    if roadmap is not None:
        tools = tools.filter(roadmap=roadmap)
    return sorted(set(tools.values_list("name", flat=True)), key=str.lower)


# --- contracts used by the dashboard, the monthly email and the data export -----------------------


def portfolio_metrics(user) -> dict:
    """{"published_projects": public and not hidden, "live_demo_projects": those with a live demo URL}."""
    return portfolio_metrics_for([user.pk])[user.pk]


def portfolio_metrics_for(user_ids) -> dict:
    """{user_id: portfolio_metrics} for many users in one query (the monthly email's batches)."""
    metrics = {user_id: {"published_projects": 0, "live_demo_projects": 0} for user_id in user_ids}
    rows = (
        Project.objects.published()
        .filter(owner_id__in=list(metrics))
        .order_by()
        .values("owner_id")
        .annotate(published_projects=Count("pk"), live_demo_projects=Count("pk", filter=~Q(live_demo_url="")))
    )
    for row in rows:
        metrics[row["owner_id"]] = {
            "published_projects": row["published_projects"],
            "live_demo_projects": row["live_demo_projects"],
        }
    return metrics


def projects_for_export(user) -> list[dict]:
    """Everything about each of the user's own projects, as JSON-ready dicts, for their data export."""
    return [
        {
            "slug": project.slug,
            "title": project.title,
            "tier": project.tier,
            "idea": project.idea.title if project.idea else None,
            "overview": project.overview,
            "tech_stack": {key: project.tech_stack.get(key, []) for key, _label in TECH_CATEGORIES},
            "features": project.features,
            "deployment": project.deployment,
            "live_demo_url": project.live_demo_url,
            "repository_url": project.repository_url,
            "skills": [{"roadmap": s.roadmap.slug, "step": s.slug, "title": s.title} for s in project.skills.all()],
            "results": project.results,
            "started_on": project.started_on.isoformat() if project.started_on else None,
            "finished_on": project.finished_on.isoformat() if project.finished_on else None,
            "visibility": project.visibility,
            "hidden": project.hidden,
            "hidden_reason": project.hidden_reason,
            "position": project.position,
            "published_at": project.published_at.isoformat() if project.published_at else None,
            "created_at": project.created_at.isoformat(),
            "updated_at": project.updated_at.isoformat(),
        }
        for project in projects_for_owner(user).select_related("idea")
    ]
