"""The cohort's management pages: invitations (owner and mentors), and for the owner only the
settings, roles, removing people, transferring ownership, archiving and deleting (each destructive
step asks for confirmation first). Private and never cached, like every cohort page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cohorts import invitations, selectors, services
from cohorts.forms import CohortForm, ConfirmNameForm, InviteEmailForm, InviteLinkForm
from cohorts.models import Invite, Membership
from config.views import error_page

Role = Membership.Role


def _managed(request, slug, *, owner_only=False):
    """(membership, None) for a mentor (or the owner when `owner_only`), else (membership, 403 page)."""
    membership = selectors.membership_get(request.user, slug)
    if owner_only and membership.role != Role.OWNER:
        return membership, error_page(request, 403, "Not allowed", "Only the cohort's owner can do this.")
    if not membership.is_mentor:
        return membership, error_page(request, 403, "Not allowed", "Only the cohort's owner and mentors can do this.")
    return membership, None


def _manage_context(membership, **extra) -> dict:
    cohort = membership.cohort
    people = list(cohort.memberships.select_related("user").order_by("-role", "joined_at", "id"))
    invites = list(selectors.open_invites(cohort)[:200])
    return {
        "cohort": cohort,
        "membership": membership,
        "is_owner": membership.role == Role.OWNER,
        "people": people,
        "link_invites": [i for i in invites if i.kind == Invite.Kind.LINK],
        "email_invites": [i for i in invites if i.kind == Invite.Kind.EMAIL],
        "link_form": InviteLinkForm(),
        "email_form": InviteEmailForm(),
        "max_sends": invitations.INVITE_MAX_SENDS,
        "nudges": selectors.recent_nudges(cohort),
        **extra,
    }


@never_cache
@login_required
@require_safe
def manage(request, slug):
    membership, denied = _managed(request, slug)
    if denied:
        return denied
    return render(request, "cohorts/manage.html", _manage_context(membership))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, slug):
    membership, denied = _managed(request, slug, owner_only=True)
    if denied:
        return denied
    cohort = membership.cohort
    initial = {
        "name": cohort.name,
        "description": cohort.description,
        "start_date": cohort.start_date,
        "members_see_each_other": cohort.members_see_each_other,
    }
    form = CohortForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(cohort=cohort, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Cohort settings saved.")
            return redirect("cohorts:manage", slug=cohort.slug)
    context = {"form": form, "creating": False, "cohort": cohort}
    return render(request, "cohorts/form.html", context, status=400 if form.errors else 200)


# --- invitations ----------------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def invite_link(request, slug):
    membership, denied = _managed(request, slug)
    if denied:
        return denied
    form = InviteLinkForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, "No link made", "Choose how long the link stays valid.")
    try:
        invite = invitations.invite_link_create(
            cohort=membership.cohort, by=request.user, days=form.cleaned_data["days"]
        )
    except ValidationError as error:
        return error_page(request, 400, "No link made", " ".join(error.messages))
    messages.success(request, f"New join link, valid until {invite.expires_at:%-d %B %Y}. Copy it from the list.")
    return redirect("cohorts:manage", slug=slug)


@never_cache
@login_required
@require_POST
def invite_email(request, slug):
    membership, denied = _managed(request, slug)
    if denied:
        return denied
    form = InviteEmailForm(request.POST)
    if form.is_valid():
        try:
            invite, created = invitations.invite_email_create(
                cohort=membership.cohort,
                by=request.user,
                email=form.cleaned_data["email"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as error:
            form.add_error("email", error.messages)
        else:
            verb = "Invitation sent" if created else "Invitation sent again"
            messages.success(request, f"{verb} to {invite.email}.")
            return redirect("cohorts:manage", slug=slug)
    context = _manage_context(membership, email_form=form)
    return render(request, "cohorts/manage.html", context, status=400)


def _invite_of(membership, invite_id) -> Invite:
    return get_object_or_404(Invite, cohort=membership.cohort, pk=invite_id)


@never_cache
@login_required
@require_POST
def invite_revoke(request, slug, invite_id):
    membership, denied = _managed(request, slug)
    if denied:
        return denied
    invite = invitations.invite_revoke(invite=_invite_of(membership, invite_id))
    messages.success(
        request, f"The {'invitation to ' + invite.email if invite.email else 'join link'} no longer works."
    )
    return redirect("cohorts:manage", slug=slug)


@never_cache
@login_required
@require_POST
def invite_resend(request, slug, invite_id):
    membership, denied = _managed(request, slug)
    if denied:
        return denied
    invite = _invite_of(membership, invite_id)
    try:
        invitations.invite_email_resend(invite=invite)
    except services.RateLimited as error:
        return error_page(request, 429, "Not sent again", " ".join(error.messages))
    except ValidationError as error:
        return error_page(request, 400, "Not sent again", " ".join(error.messages))
    messages.success(request, f"Invitation sent again to {invite.email}.")
    return redirect("cohorts:manage", slug=slug)


# --- people -------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def member_role(request, slug, username):
    membership, denied = _managed(request, slug, owner_only=True)
    if denied:
        return denied
    other = selectors.member_get(membership.cohort, username)
    try:
        services.membership_set_role(membership=other, role=request.POST.get("role", ""))
    except ValidationError as error:
        return error_page(request, 400, "Role not changed", " ".join(error.messages))
    messages.success(request, f"{other.user.name} is now a {other.get_role_display().lower()}.")
    return redirect("cohorts:manage", slug=slug)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_remove(request, slug, username):
    membership, denied = _managed(request, slug, owner_only=True)
    if denied:
        return denied
    other = selectors.member_get(membership.cohort, username)
    if other.role == Role.OWNER:
        return error_page(request, 400, "Cannot remove", "The owner cannot be removed; transfer the cohort first.")
    if request.method == "POST":
        services.membership_remove(membership=other)
        messages.success(request, f"{other.user.name} is no longer in the cohort.")
        return redirect("cohorts:manage", slug=slug)
    return render(request, "cohorts/confirm_remove.html", {"cohort": membership.cohort, "other": other})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transfer(request, slug):
    membership, denied = _managed(request, slug, owner_only=True)
    if denied:
        return denied
    cohort = membership.cohort
    candidates = list(
        cohort.memberships.exclude(pk=membership.pk).select_related("user").order_by("-role", "joined_at")
    )
    error = ""
    if request.method == "POST":
        chosen = next((m for m in candidates if m.user.username == request.POST.get("to")), None)
        if chosen is None:
            error = "Choose who takes the cohort over."
        else:
            services.ownership_transfer(cohort=cohort, to=chosen)
            messages.success(request, f"{chosen.user.name} now owns '{cohort.name}'; you stay on as a mentor.")
            return redirect(cohort)
    context = {"cohort": cohort, "candidates": candidates, "error": error}
    return render(request, "cohorts/transfer.html", context, status=400 if error else 200)


@never_cache
@login_required
@require_POST
def archive(request, slug):
    membership, denied = _managed(request, slug, owner_only=True)
    if denied:
        return denied
    archived = request.POST.get("archived") != "0"
    services.cohort_archive(cohort=membership.cohort, archived=archived)
    if archived:
        messages.success(
            request, "Cohort archived: nobody can join, and invitations no longer work. Reopen it any time."
        )
    else:
        messages.success(request, "Cohort reopened.")
    return redirect("cohorts:manage", slug=slug)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, slug):
    membership, denied = _managed(request, slug, owner_only=True)
    if denied:
        return denied
    cohort = membership.cohort
    form = ConfirmNameForm(request.POST or None, expected=cohort.name)
    if request.method == "POST" and form.is_valid():
        name = cohort.name
        services.cohort_delete(cohort=cohort)
        messages.success(request, f"'{name}' is deleted. Its members keep their own progress and projects.")
        return redirect("cohorts:list")
    context = {"cohort": cohort, "form": form, "member_count": cohort.memberships.count()}
    return render(request, "cohorts/confirm_delete.html", context, status=400 if form.errors else 200)
