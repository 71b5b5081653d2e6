"""API: my cohorts, one cohort with its members' shared progress (for mentors), joining by token
with consent, and leaving.

Who sees what is cohorts.selectors' decision, as for the pages: a cohort is reached only through
the caller's own membership (404 for anyone else, staff included), and what of a member is given
follows the same rule as the cohort page. Writes go through cohorts.services.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cohorts import invitations, selectors, services
from cohorts.board import cohort_board
from cohorts.models import Invite, Membership
from cohorts.serializers import (
    CohortDetailSerializer,
    CohortSummarySerializer,
    JoinSerializer,
    MembershipSerializer,
)
from config.api import Conflict, NotFound
from config.api_schema import ErrorSerializer

COHORT_SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The cohort's slug.")


def _absolute(path_: str) -> str:
    return f"{settings.SITE_URL}{path_}"


def _plan(plan) -> dict:
    return {
        "state": plan.state,
        "weeks_delta": plan.weeks_delta,
        "summary": plan.summary,
        "start_date": plan.start_date,
    }


def _member(row, *, detailed: bool) -> dict:
    data = {
        "username": row.user.username,
        "name": row.user.name,
        "joined_at": row.membership.joined_at,
        "progress": {
            "done": row.overall.done,
            "total": row.overall.total,
            "percent": row.overall.percent,
        },
        "plan": _plan(row.plan),
    }
    if detailed:
        data.update(
            steps=[
                {"step": step.slug, "number": step.number, "done": c.done, "total": c.total, "percent": c.percent}
                for step, c in row.cells
            ],
            last_active=row.last_active,
            active_days=row.active_days,
            projects=[
                {"title": p["title"], "visibility": p["visibility"], "url": _absolute(p["url"]) if p["url"] else ""}
                for p in row.projects
            ],
        )
    return data


@extend_schema(tags=["me: cohorts"], summary="My cohorts (any role), archived ones last")
class CohortList(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CohortSummarySerializer

    def get_queryset(self):
        return selectors.cohorts_of(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = [
            {
                "slug": m.cohort.slug,
                "name": m.cohort.name,
                "cohort": m.cohort,
                "start_date": m.cohort.start_date,
                "role": m.role,
                "archived": m.cohort.is_archived,
                "member_count": m.member_count,
                "html_url": _absolute(m.cohort.get_absolute_url()),
            }
            for m in page
        ]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


@extend_schema(
    tags=["me: cohorts"],
    summary="One of my cohorts, with what I may see of its members",
    description="Mentors and the owner get every member's shared progress (per step, plan status, "
    "activity, published and unlisted projects). Members get everyone's overall progress and plan "
    "status if the owner lets members see each other, else only their own. 404 for anyone not in it.",
    parameters=[COHORT_SLUG],
)
class CohortDetail(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CohortDetailSerializer
    http_method_names = ["get", "head", "options"]

    def get(self, request, slug):
        membership = selectors.membership_get(request.user, slug)
        cohort = membership.cohort
        sees_everyone = membership.is_mentor or cohort.members_see_each_other
        board = cohort_board(cohort, only_user=None if sees_everyone else request.user)
        data = {
            "slug": cohort.slug,
            "name": cohort.name,
            "description_html": cohort.description_html,
            "roadmap": cohort.roadmap.slug,
            "start_date": cohort.start_date,
            "role": membership.role,
            "archived": cohort.is_archived,
            "members_see_each_other": cohort.members_see_each_other,
            "member_count": board.member_count,
            "average_percent": board.average_percent,
            "expected_percent": board.expected_percent,
            "mentors": [{"username": m.user.username, "name": m.user.name, "role": m.role} for m in board.mentors],
            "members": [
                _member(row, detailed=membership.is_mentor or row.user.pk == request.user.pk) for row in board.rows
            ],
            "html_url": _absolute(cohort.get_absolute_url()),
        }
        return Response(self.get_serializer(data).data)


@extend_schema(
    tags=["me: cohorts"],
    summary="Join a cohort with an invitation's token",
    description="`consent` must be true. An email invitation can be accepted only by an account that has "
    "verified its address (403 otherwise). 404 for an unknown token; 409 for an expired, withdrawn or "
    "answered invitation, an archived cohort, or when already in it.",
    request=JoinSerializer,
    responses={201: MembershipSerializer},
)
class CohortJoin(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MembershipSerializer
    http_method_names = ["post", "options"]
    may_conflict = True

    def post(self, request):
        write = JoinSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        invite = Invite.objects.select_related("cohort").filter(token=write.validated_data["token"]).first()
        if invite is None or invite.cohort.hidden:
            raise NotFound("No invitation has this token.", fields={"token": ["No invitation has this token."]})
        if Membership.objects.filter(cohort=invite.cohort, user=request.user).exists():
            raise Conflict("You are already in this cohort.")
        try:
            invitations.invite_check(invite=invite, user=request.user)
        except DjangoValidationError as error:
            if invite.kind == Invite.Kind.EMAIL and invite.is_usable and not invite.cohort.is_archived:
                raise PermissionDenied(" ".join(error.messages)) from error
            raise Conflict(" ".join(error.messages)) from error
        membership = invitations.cohort_join(
            invite=invite,
            user=request.user,
            consent=write.validated_data["consent"],
            align_plan=write.validated_data["align_plan_start"],
        )
        data = {"cohort": invite.cohort.slug, "role": membership.role, "joined_at": membership.joined_at}
        return Response(self.get_serializer(data).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["me: cohorts"],
    summary="Leave one of my cohorts (delete my membership)",
    description="From the next request on, nobody in the cohort sees anything of yours. The owner must "
    "transfer the cohort first (409).",
    parameters=[COHORT_SLUG],
    responses={
        204: None,
        409: OpenApiResponse(ErrorSerializer, description="The owner must transfer the cohort before leaving."),
    },
)
class CohortLeave(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["delete", "options"]

    def delete(self, request, slug):
        membership = selectors.membership_get(request.user, slug)
        try:
            services.membership_leave(membership=membership)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("cohorts/", CohortList.as_view(), name="cohort-list"),
    path("cohorts/join/", CohortJoin.as_view(), name="cohort-join"),
    path("cohorts/<slug:slug>/", CohortDetail.as_view(), name="cohort-detail"),
    path("cohorts/<slug:slug>/membership/", CohortLeave.as_view(), name="cohort-membership"),
]
