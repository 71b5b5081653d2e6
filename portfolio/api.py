"""API: public profiles with their published projects, and the signed-in learner's own projects.

Who may see what comes from portfolio.selectors; every write goes through portfolio.services, as
for the HTML pages.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api import Conflict, NotFound
from portfolio import selectors, services
from portfolio.models import Project
from portfolio.serializers import (
    ProjectCreateSerializer,
    ProjectFilterSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    PublicProfileSerializer,
    PublishSerializer,
)
from roadmap import selectors as roadmap_selectors
from roadmap.api import query_filters
from roadmap.models import Step

USERNAME = OpenApiParameter("username", str, OpenApiParameter.PATH)
PROJECT_SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The project's slug.")


def _fields(validated: dict) -> dict:
    """Serializer output as the plain values the services take; skills' slugs become steps (404
    naming the unknown ones)."""
    fields = dict(validated)
    if "skills" in fields:
        slugs = fields["skills"]
        steps = {}
        for step in Step.objects.filter(roadmap__published=True, slug__in=slugs).order_by("-roadmap_id"):
            steps[step.slug] = step
        unknown = [slug for slug in slugs if slug not in steps]
        if unknown:
            raise NotFound(
                f"No roadmap step {', '.join(unknown)}.", fields={"skills": [f"No step {s!r}." for s in unknown]}
            )
        fields["skills"] = list({steps[slug].pk: steps[slug] for slug in slugs}.values())
    if "tech_stack" in fields:
        fields["tech_stack"] = {key: list(tags) for key, tags in fields["tech_stack"].items()}
    for name in ("features", "results"):
        if name in fields:
            fields[name] = [dict(row) for row in fields[name]]
    return fields


def _save(service, *, owner, project=None, shared=False, **kwargs):
    """Call a portfolio service; its validation errors about the project's state become a 409.

    Those are: a slug the owner already uses, and a shared (published or unlisted) project left
    without a title or overview. Anything else is a 400, as usual.
    """
    try:
        return service(**({"project": project} if project is not None else {"owner": owner}), **kwargs)
    except DjangoValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {}
        conflicts = {}
        slug = kwargs.get("slug")
        if "slug" in messages and slug:
            others = Project.objects.filter(owner=owner, slug=slug).exclude(pk=getattr(project, "pk", None))
            if others.exists():
                conflicts["slug"] = messages["slug"]
        if shared:
            conflicts.update({name: messages[name] for name in ("title", "overview") if name in messages})
        if conflicts and conflicts.keys() == messages.keys():
            raise Conflict(" ".join(m for ms in conflicts.values() for m in ms), fields=conflicts) from error
        raise


# --- public profiles -----------------------------------------------------------------------------


@extend_schema(
    tags=["users"],
    summary="A learner's public profile with their published projects",
    description="404 unless the learner made their portfolio page public and staff have not hidden it "
    "(its owner and staff can always see it).",
    parameters=[USERNAME],
)
class PublicProfile(generics.GenericAPIView):
    serializer_class = PublicProfileSerializer
    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]

    def get(self, request, username):
        user = selectors.portfolio_owner_get(request.user, username)
        progress = None
        roadmap = roadmap_selectors.default_roadmap()
        if user.show_progress and roadmap is not None:
            overall = roadmap_selectors.progress_for(user, roadmap).overall
            progress = {"done": overall.done, "total": overall.total, "percent": overall.percent}
        data = {
            "username": user.username,
            "name": user.name,
            "headline": user.headline,
            "bio_html": user.bio_html,
            "location": user.location,
            "github_username": user.github_username,
            "linkedin_url": user.linkedin_url,
            "website_url": user.website_url,
            "html_url": f"{settings.SITE_URL}{user.get_absolute_url()}",
            "progress": progress,
            "projects": list(selectors.public_projects(user)),
        }
        return Response(self.get_serializer(data).data)


# --- my projects ---------------------------------------------------------------------------------


class OwnProjects:
    """Every lookup goes through the signed-in owner: no one else's project can be reached."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.projects_for_owner(self.request.user)

    def get_object(self):
        return selectors.project_for_owner(self.request.user, self.kwargs["slug"])


@extend_schema_view(
    get=extend_schema(summary="My projects, in page order", parameters=[ProjectFilterSerializer]),
    post=extend_schema(
        summary="Create a project (a draft unless visibility says otherwise)",
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer},
    ),
)
@extend_schema(tags=["me: projects"])
class ProjectList(OwnProjects, generics.ListCreateAPIView):
    serializer_class = ProjectSerializer
    may_conflict = True

    def get_queryset(self):
        filters = query_filters(self.request, ProjectFilterSerializer)
        projects = super().get_queryset()
        if "visibility" in filters:
            projects = projects.filter(visibility=filters["visibility"])
        return projects

    def create(self, request, *args, **kwargs):
        write = ProjectCreateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        project = _save(services.project_create, owner=request.user, **_fields(write.validated_data))
        project = selectors.project_for_owner(request.user, project.slug)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One of my projects"),
    patch=extend_schema(summary="Change parts of one of my projects", request=ProjectWriteSerializer),
    delete=extend_schema(summary="Delete one of my projects for good"),
)
@extend_schema(tags=["me: projects"], parameters=[PROJECT_SLUG])
class ProjectDetail(OwnProjects, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProjectSerializer
    may_conflict = True
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def update(self, request, *args, **kwargs):
        project = self.get_object()
        write = ProjectWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        project = _save(
            services.project_update,
            owner=request.user,
            project=project,
            shared=project.visibility != Project.Visibility.DRAFT,
            **_fields(write.validated_data),
        )
        return Response(ProjectSerializer(selectors.project_for_owner(request.user, project.slug)).data)

    def perform_destroy(self, instance):
        services.project_delete(project=instance)


@extend_schema(
    tags=["me: projects"],
    summary="Publish one of my projects (public or unlisted)",
    description="A project needs a title and an overview to be published.",
    parameters=[PROJECT_SLUG],
    request=PublishSerializer,
    responses=ProjectSerializer,
)
class ProjectPublish(OwnProjects, generics.GenericAPIView):
    serializer_class = ProjectSerializer
    may_conflict = True
    http_method_names = ["post", "options"]

    def post(self, request, slug):
        project = self.get_object()
        write = PublishSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        project = _save(
            services.project_publish,
            owner=request.user,
            project=project,
            shared=True,
            visibility=write.validated_data["visibility"],
        )
        return Response(ProjectSerializer(selectors.project_for_owner(request.user, project.slug)).data)


@extend_schema(
    tags=["me: projects"],
    summary="Unpublish one of my projects (back to a draft only I can see)",
    parameters=[PROJECT_SLUG],
    request=None,
    responses=ProjectSerializer,
)
class ProjectUnpublish(OwnProjects, generics.GenericAPIView):
    serializer_class = ProjectSerializer
    http_method_names = ["post", "options"]

    def post(self, request, slug):
        project = services.project_unpublish(project=self.get_object())
        return Response(ProjectSerializer(selectors.project_for_owner(request.user, project.slug)).data)


@extend_schema(
    tags=["me: projects"],
    summary="One of my projects as README.md (the showcase template)",
    parameters=[PROJECT_SLUG],
    responses={(200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="The README in Markdown.")},
)
class ProjectReadme(OwnProjects, generics.GenericAPIView):
    http_method_names = ["get", "head", "options"]

    def perform_content_negotiation(self, request, force=False):
        # The README is Markdown whatever the Accept header says; errors are JSON like everywhere.
        return JSONRenderer(), JSONRenderer.media_type

    def get(self, request, slug):
        project = self.get_object()
        response = HttpResponse(services.project_readme(project), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{project.slug}-README.md"'
        return response


urlpatterns = [
    path("users/<slug:username>/", PublicProfile.as_view(), name="user-detail"),
    path("me/projects/", ProjectList.as_view(), name="project-list"),
    path("me/projects/<slug:slug>/", ProjectDetail.as_view(), name="project-detail"),
    path("me/projects/<slug:slug>/publish/", ProjectPublish.as_view(), name="project-publish"),
    path("me/projects/<slug:slug>/unpublish/", ProjectUnpublish.as_view(), name="project-unpublish"),
    path("me/projects/<slug:slug>/readme/", ProjectReadme.as_view(), name="project-readme"),
]
