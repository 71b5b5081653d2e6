"""Cohort pages for everyone in a cohort: my cohorts, creating one, joining by invitation, the
cohort page with its board, a member's page for mentors, nudges, leaving, and the opt-out link of
a nudge email. The owner's management pages are in cohorts/manage_views.py.

Every page here is private: never cached by the site and sent with `Cache-Control: private,
no-store` (never_cache), so that a member who leaves or is removed drops out of every view on the
very next request. A cohort is looked up only through the viewer's own membership
(selectors.membership_get): anyone else gets a 404, as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cohorts import emails, invitations, selectors, services
from cohorts.board import cohort_board
from cohorts.forms import CohortForm, JoinForm, NudgeForm
from cohorts.models import Invite, Membership
from config.views import error_page

ROWS_PER_PAGE = 50
PENDING_INVITE_SESSION_KEY = "cohorts_pending_invite"


def _forbidden(request, message: str):
    return error_page(request, 403, "Not allowed", message)


def _require_mentor(request, membership: Membership):
    if not membership.is_mentor:
        return _forbidden(request, "Only the cohort's owner and mentors can do this.")
    return None


# --- my cohorts, creating one ---------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def cohort_list(request):
    memberships = list(selectors.cohorts_of(request.user))
    return render(
        request,
        "cohorts/list.html",
        {
            "memberships": [m for m in memberships if not m.cohort.is_archived],
            "archived": [m for m in memberships if m.cohort.is_archived],
            "invites": selectors.invites_for(request.user),
            "pending": _pending_invite(request, memberships),
            "hidden": list(selectors.hidden_owned(request.user)),
        },
    )


def _pending_invite(request, memberships) -> Invite | None:
    """The invitation this browser was following before signing up or logging in (kept in the
    session by the join page), while it can still be accepted and its cohort is not already theirs:
    someone who signed up from the header instead of the invitation's button finds their way back."""
    token = request.session.get(PENDING_INVITE_SESSION_KEY)
    if not token:
        return None
    invite = Invite.objects.select_related("cohort").filter(token=token).first()
    mine = {m.cohort_id for m in memberships}
    if invite is None or not invite.is_usable or invite.cohort.hidden or invite.cohort_id in mine:
        request.session.pop(PENDING_INVITE_SESSION_KEY, None)
        return None
    return invite


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_create(request):
    form = CohortForm(request.POST or None, initial={"start_date": request.user.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = services.cohort_create(
                owner=request.user,
                name=data["name"],
                description=data["description"],
                roadmap=data["roadmap"],
                start_date=data["start_date"],
                members_see_each_other=data["members_see_each_other"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"'{cohort.name}' is ready. Invite people with a link or by email.")
            return redirect("cohorts:manage", slug=cohort.slug)
    return render(request, "cohorts/form.html", {"form": form, "creating": True}, status=400 if form.errors else 200)


# --- joining --------------------------------------------------------------------------------------------


def _join_context(invite: Invite, user) -> dict:
    cohort = invite.cohort
    return {
        # A withdrawn, expired or answered invitation says which cohort it was for, nothing more.
        "usable": invite.is_usable and not cohort.is_archived,
        "invite": invite,
        "cohort": cohort,
        "mentors": selectors.mentors_of(cohort),
        "shared": selectors.SHARED_WITH_MENTORS,
        "never_shared": selectors.NEVER_SHARED,
        "member_count": cohort.memberships.filter(role=Membership.Role.MEMBER).count(),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def join(request, token):
    """The join page: what the mentors will see, an explicit consent, and the plan choice. Someone
    signed out is asked to sign up or log in first and comes back here afterwards (the `next` of
    allauth's forms, and the token kept in the session)."""
    invite = selectors.invite_get(token)
    context = _join_context(invite, request.user)
    if not request.user.is_authenticated:
        request.session[PENDING_INVITE_SESSION_KEY] = token
        next_query = urlencode({"next": request.path})
        context.update(
            signup_url=f"{reverse('account_signup')}?{next_query}", login_url=f"{reverse('account_login')}?{next_query}"
        )
        status = 200 if invite.is_usable and not invite.cohort.is_archived else 410
        return render(request, "cohorts/join.html", context, status=status)

    membership = Membership.objects.filter(cohort=invite.cohort, user=request.user).first()
    if membership is not None:
        request.session.pop(PENDING_INVITE_SESSION_KEY, None)
        messages.info(request, f"You are already in '{invite.cohort.name}'.")
        return redirect(invite.cohort)
    try:
        invitations.invite_check(invite=invite, user=request.user)
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
        return render(request, "cohorts/join.html", context, status=410 if not invite.is_usable else 403)

    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.cohort_join(
                invite=invite,
                user=request.user,
                consent=form.cleaned_data["consent"],
                align_plan=form.cleaned_data["plan"] == "align",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(PENDING_INVITE_SESSION_KEY, None)
            messages.success(request, f"Welcome to '{invite.cohort.name}'.")
            return redirect(invite.cohort)
    context["form"] = form
    return render(request, "cohorts/join.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_POST
def decline(request, token):
    invite = selectors.invite_get(token)
    try:
        invitations.invite_decline(invite=invite, user=request.user)
    except ValidationError as error:
        return error_page(request, 400, "Cannot decline", " ".join(error.messages))
    request.session.pop(PENDING_INVITE_SESSION_KEY, None)
    messages.info(request, f"You declined the invitation to '{invite.cohort.name}'.")
    return redirect("cohorts:list")


# --- the cohort page ---------------------------------------------------------------------------------------


def _page_of(request, rows):
    paginator = Paginator(rows, ROWS_PER_PAGE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page") from exc


@never_cache
@login_required
@require_safe
def detail(request, slug):
    membership = selectors.membership_get(request.user, slug)
    cohort = membership.cohort
    sort = request.GET.get("sort", "name")
    if sort not in selectors.SORTS:
        sort = "name"
    sees_everyone = membership.is_mentor or cohort.members_see_each_other
    board = cohort_board(cohort, sort=sort, only_user=None if sees_everyone else request.user)
    own = next((row for row in board.rows if row.user.pk == request.user.pk), None)
    page = _page_of(request, board.rows)
    return render(
        request,
        "cohorts/detail.html",
        {
            "cohort": cohort,
            "membership": membership,
            "board": board,
            "page": page,
            "own": own,
            "sort": sort,
            "sort_label": selectors.SORTS[sort],
            "detailed": membership.is_mentor,
            # The members' pages, built per row without reversing a URL for each.
            "member_base": reverse("cohorts:member", kwargs={"slug": cohort.slug, "username": "_"})[:-2],
            "sees_everyone": sees_everyone,
            "nudge_form": NudgeForm(initial={"to": "behind"}) if membership.is_mentor else None,
        },
    )


@never_cache
@login_required
@require_safe
def member(request, slug, username):
    """What a mentor sees of one member: progress per step and topic, plan, activity, projects."""
    membership = selectors.membership_get(request.user, slug)
    if response := _require_mentor(request, membership):
        return response
    cohort = membership.cohort
    other = selectors.member_get(cohort, username)
    if other.role != Membership.Role.MEMBER:
        raise Http404("Mentors share no progress in the cohort")
    board = cohort_board(cohort, only_user=other.user)
    context = {
        "cohort": cohort,
        "membership": membership,
        "other": other,
        "row": board.rows[0] if board.rows else None,
        "detail": selectors.member_detail(cohort, other),
        "nudge_form": NudgeForm(initial={"to": other.user.username}),
        "recent_nudges": selectors.nudges_sent_since(
            cohort, recipient=other.user, since=other.joined_at
        ).select_related("sender")[:5],
    }
    return render(request, "cohorts/member.html", context)


# --- nudges -------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def nudge(request, slug):
    membership = selectors.membership_get(request.user, slug)
    if response := _require_mentor(request, membership):
        return response
    cohort = membership.cohort
    form = NudgeForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, "Nudge not sent", " ".join(m for ms in form.errors.values() for m in ms))
    to = form.cleaned_data["to"]
    if to == "behind":
        board = cohort_board(cohort)
        recipients = [row.membership for row in board.rows if row.plan.state == "behind"]
        back = cohort.get_absolute_url()
        if not recipients:
            messages.info(request, "Nobody is behind plan: no nudge sent.")
            return redirect(back)
    else:
        target = selectors.member_get(cohort, to)
        recipients = [target]
        back = reverse("cohorts:member", kwargs={"slug": cohort.slug, "username": target.user.username})
    try:
        result = services.nudge_send(
            cohort=cohort, sender=request.user, recipients=recipients, message=form.cleaned_data["message"]
        )
    except services.RateLimited as error:
        return error_page(request, 429, "Too many nudges", " ".join(error.messages))
    except ValidationError as error:
        return error_page(request, 400, "Nudge not sent", " ".join(error.messages))
    parts = []
    if result.queued:
        parts.append(f"Nudge sent to {_names([n.recipient for n in result.queued])}.")
    if result.opted_out:
        parts.append(
            f"Not emailed (they turned mentors' emails off): {_names([n.recipient for n in result.opted_out])}."
        )
    if result.too_soon:
        parts.append(f"Already nudged in the last 24 hours: {_names([m.user for m in result.too_soon])}.")
    (messages.success if result.queued else messages.warning)(request, " ".join(parts))
    return redirect(back)


def _names(users, limit: int = 5) -> str:
    names = [user.name for user in users]
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


@never_cache
@login_required
@require_POST
def my_emails(request, slug):
    """The person's own switches for this cohort's emails: mentors' nudges (members), the monthly
    digest (mentors)."""
    membership = selectors.membership_get(request.user, slug)
    kind = request.POST.get("kind", "nudges")
    if kind not in emails.OPT_OUTS:
        return error_page(request, 400, "Nothing changed", "Unknown kind of email.")
    opt_in = request.POST.get("on") == "1"
    services.membership_set_email(membership=membership, kind=kind, opt_in=opt_in)
    label = emails.OPT_OUTS[kind][1]
    messages.success(request, f"{label[0].upper()}{label[1:]}: {'on' if opt_in else 'off'}.")
    return redirect(membership.cohort)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def email_opt_out(request, token):
    """The one-click opt-out link of a nudge or a mentor digest (RFC 8058: the mail client POSTs with
    no cookie or CSRF token; GET only shows what the link does). The signed token is the credential:
    it names one membership and one kind of email."""
    found = emails.opt_out_read(token)
    membership = None
    if found is not None:
        membership = Membership.objects.select_related("cohort", "user").filter(pk=found[0]).first()
    if membership is None:
        return error_page(
            request,
            400,
            "Link not valid",
            "This link is not valid any more (you may have left the cohort). Nothing was changed.",
        )
    kind = found[1]
    field, label = emails.OPT_OUTS[kind]
    if request.method == "POST":
        services.membership_set_email(membership=membership, kind=kind, opt_in=False)
    context = {"membership": membership, "label": label, "is_on": getattr(membership, field), "kind": kind}
    return render(request, "cohorts/email_opt_out.html", context)


# --- leaving ------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def leave(request, slug):
    membership = selectors.membership_get(request.user, slug)
    cohort = membership.cohort
    if membership.role == Membership.Role.OWNER:
        return render(request, "cohorts/leave.html", {"cohort": cohort, "membership": membership}, status=409)
    if request.method == "POST":
        services.membership_leave(membership=membership)
        messages.success(request, f"You left '{cohort.name}'. Its mentors no longer see your progress.")
        return redirect("cohorts:list")
    return render(request, "cohorts/leave.html", {"cohort": cohort, "membership": membership})
