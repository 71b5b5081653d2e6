"""Portfolio pages: the learner's own projects (/portfolio/...) and the public pages (/u/...).

Public pages answer anonymous visitors without touching the session: no session or CSRF cookie, no
`Vary: Cookie`, so that browsers and proxies may cache them. Who may see what is decided by
portfolio.selectors and the Project QuerySet, never here.
"""

import json
from html import unescape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.cache import ROADMAP_SCOPE, cache_anonymous_page, user_scope
from config.client_ip import client_network
from portfolio import selectors, services, share_image
from portfolio.forms import FeatureFormSet, ProjectForm, ReportForm, ResultFormSet, rows_from
from portfolio.metrics import gaps_of, success_metrics
from portfolio.models import Project
from roadmap import selectors as roadmap_selectors
from roadmap.markdown import render_markdown
from roadmap.models import ProjectIdea

# How long browsers and proxies may keep an anonymous copy of a public page.
PUBLIC_MAX_AGE = 300
SHARE_IMAGE_MAX_AGE = 60 * 60 * 24
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _page_scopes(request, username, slug=None):
    # A public page shows the learner's data and roadmap content (step titles, progress by phase).
    return (ROADMAP_SCOPE, user_scope(username))


def _viewer(request):
    """The visitor. Without a session cookie nobody is signed in: say so without reading the session,
    which would add `Vary: Cookie` and make the page uncacheable."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        request.user = AnonymousUser()
    return request.user


def _cacheable(response, viewer, *, max_age=PUBLIC_MAX_AGE):
    if viewer.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=max_age)
    return response


def _ld_json(data) -> str:
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _portfolio_user(request, username):
    """(viewer, page owner) or 404; a redirect when the username's case differs from the stored one."""
    viewer = _viewer(request)
    user = selectors.portfolio_owner_get(viewer, username)
    return viewer, user


def _canonical_redirect(user, username, request):
    if user.username != username:
        path = request.path.replace(f"/u/{username}/", f"/u/{user.username}/", 1)
        return HttpResponseRedirect(path, status=301)
    return None


# --- public pages -----------------------------------------------------------------------------


@require_safe
@cache_anonymous_page(_page_scopes)
def public_profile(request, username):
    viewer, user = _portfolio_user(request, username)
    if response := _canonical_redirect(user, username, request):
        return response
    projects = list(selectors.public_projects(user))
    context = {
        "profile": user,
        "projects": projects,
        "matrix": selectors.skills_matrix(projects),
        "is_owner": viewer.is_authenticated and viewer.pk == user.pk,
        "is_public": selectors.portfolio_page_is_public(user),
        "canonical": _absolute(user.get_absolute_url()),
    }
    version = selectors.profile_share_version(user, projects)
    context["share_image"] = _absolute(reverse("portfolio:profile_image", args=[user.username]) + f"?v={version}")
    if user.show_progress:
        roadmap = roadmap_selectors.default_roadmap()
        if roadmap is not None:
            progress = roadmap_selectors.progress_for(user, roadmap)
            phases = roadmap.phases.order_by("order", "start_month")
            context.update(
                roadmap=roadmap,
                progress=progress,
                phase_progress=[(phase, progress.phase(phase.pk)) for phase in phases],
            )
            context["success_metrics"] = success_metrics(user, roadmap, progress=progress)
    same_as = [u for u in (user.website_url, user.linkedin_url) if u]
    if user.github_username:
        same_as.append(f"https://github.com/{user.github_username}")
    context["ld_json"] = _ld_json(
        {
            "@context": "https://schema.org",
            "@type": "ProfilePage",
            "url": context["canonical"],
            "mainEntity": {
                "@type": "Person",
                "name": user.name,
                "alternateName": user.username,
                "description": user.headline,
                "url": context["canonical"],
                "image": context["share_image"],
                "sameAs": same_as,
            },
        }
    )
    return _cacheable(render(request, "portfolio/public_profile.html", context), viewer)


@require_safe
@cache_anonymous_page(_page_scopes)
def public_project(request, username, slug):
    viewer, user = _portfolio_user(request, username)
    if response := _canonical_redirect(user, username, request):
        return response
    project = selectors.project_for_viewer(viewer, user, slug)
    canonical = _absolute(project.get_absolute_url())
    image = _absolute(
        reverse("portfolio:project_image", args=[user.username, project.slug]) + f"?v={project.share_image_version}"
    )
    work = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "name": project.title,
        "url": canonical,
        "image": image,
        # What the project is, in words: the overview, as plain text.
        "abstract": Truncator(unescape(strip_tags(project.overview_html)).strip()).chars(300),
        "keywords": ", ".join(project.all_tags),
        "author": {"@type": "Person", "name": user.name, "url": _absolute(user.get_absolute_url())},
        "dateModified": project.updated_at.isoformat(),
    }
    if project.published_at:
        work["datePublished"] = project.published_at.isoformat()
    if project.repository_url:
        work["codeRepository"] = project.repository_url
    if project.live_demo_url:
        work["sameAs"] = project.live_demo_url
    context = {
        "profile": user,
        "project": project,
        "is_owner": viewer.is_authenticated and viewer.pk == user.pk,
        "noindex": not project.is_listed or not selectors.portfolio_page_is_public(user),
        "canonical": canonical,
        "share_image": image,
        "ld_json": _ld_json(work),
    }
    response = render(request, "portfolio/public_project.html", context)
    if context["noindex"]:
        response["X-Robots-Tag"] = "noindex"
    return _cacheable(response, viewer)


@require_safe
def project_readme(request, username, slug):
    """The project as README.md, for whoever may see the project."""
    viewer, user = _portfolio_user(request, username)
    project = selectors.project_for_viewer(viewer, user, slug)
    response = HttpResponse(services.project_readme(project), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="README.md"'
    if not project.is_listed:
        response["X-Robots-Tag"] = "noindex"
    return _cacheable(response, viewer)


def _png_response(request, viewer, data: bytes, version: str, *, shared: bool):
    response = HttpResponse(data, content_type="image/png")
    response["ETag"] = f'"{version}-{share_image.RENDERER}"'
    if shared and not viewer.is_authenticated and request.GET.get("v") == version:
        patch_cache_control(response, public=True, max_age=SHARE_IMAGE_MAX_AGE)
    elif shared and not viewer.is_authenticated:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    if request.headers.get("If-None-Match") == response["ETag"]:
        not_modified = HttpResponse(status=304)
        for header in ("ETag", "Cache-Control"):
            not_modified[header] = response[header]
        return not_modified
    return response


@require_safe
def profile_image(request, username):
    viewer, user = _portfolio_user(request, username)
    projects = list(user.projects.published().order_by("position", "-created_at", "id").only("title"))
    version = selectors.profile_share_version(user, projects)
    data = share_image.cached_png(
        f"portfolio:share:user:{user.pk}:{version}",
        lambda: share_image.render_profile_card(
            name=user.name,
            headline=user.headline,
            username=user.username,
            project_titles=[p.title for p in projects],
            project_count=len(projects),
        ),
    )
    return _png_response(request, viewer, data, version, shared=selectors.portfolio_page_is_public(user))


@require_safe
def project_image(request, username, slug):
    viewer, user = _portfolio_user(request, username)
    project = selectors.project_for_viewer(viewer, user, slug)
    version = project.share_image_version or selectors.project_share_version(project)
    data = share_image.cached_png(
        f"portfolio:share:project:{project.pk}:{version}",
        lambda: share_image.render_project_card(
            title=project.title,
            tier=project.get_tier_display(),
            metric=project.key_metric,
            tags=project.all_tags,
            owner_name=user.name,
            url_path=project.get_absolute_url(),
        ),
    )
    shared = project.is_shared and selectors.portfolio_page_is_public(user)
    return _png_response(request, viewer, data, version, shared=shared)


@require_http_methods(["GET", "POST"])
def report(request, username, slug=None):
    """Report a public page or project to the moderators: a separate page, so public pages need no form."""
    viewer, user = _portfolio_user(request, username)
    project = selectors.project_for_viewer(viewer, user, slug) if slug else None
    target = project.get_absolute_url() if project else user.get_absolute_url()
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                user=user,
                project=project,
                reason=form.cleaned_data["reason"],
                message=form.cleaned_data["message"],
                reporter=viewer,
                reporter_email=form.cleaned_data["email"],
                ip=client_network(request),
                url=target,
            )
        except services.RateLimited:
            form.add_error(None, "You have sent too many reports in the last hour. Please try again later.")
            status = 429
        except ValidationError as exc:
            _attach_errors(form, exc)
            status = 400
        else:
            return render(
                request, "portfolio/report_sent.html", {"profile": user, "project": project, "target": target}
            )
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "portfolio/report.html",
        {"profile": user, "project": project, "form": form, "target": target},
        status=status,
    )


# --- my projects ------------------------------------------------------------------------------


def _attach_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            if field == "tech_stack":
                target = None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@login_required
@require_safe
def project_list(request):
    projects = list(selectors.projects_for_owner(request.user))
    return render(
        request,
        "portfolio/project_list.html",
        {
            "projects": projects,
            "page_public": selectors.portfolio_page_is_public(request.user),
            "metrics": {
                "published": sum(p.is_listed for p in projects),
                "unlisted": sum(p.visibility == Project.Visibility.UNLISTED for p in projects),
                "drafts": sum(p.visibility == Project.Visibility.DRAFT for p in projects),
            },
        },
    )


def _editor(request, project=None):
    """The create/edit page: GET shows the form, POST previews or saves."""
    if request.method == "POST":
        form = ProjectForm(request.POST)
        features = FeatureFormSet(request.POST, prefix="features")
        results = ResultFormSet(request.POST, prefix="results")
    else:
        initial = ProjectForm.initial_for(project) if project else {}
        form = ProjectForm(initial=initial)
        features = FeatureFormSet(initial=project.features if project else None, prefix="features")
        results = ResultFormSet(initial=project.results if project else None, prefix="results")
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        preview = {
            "overview": render_markdown(request.POST.get("overview", "")[:20_000]),
            "deployment": render_markdown(request.POST.get("deployment", "")[:20_000]),
        }
    elif request.method == "POST" and form.is_valid() and features.is_valid() and results.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "overview": data["overview"],
            "deployment": data["deployment"],
            "live_demo_url": data["live_demo_url"],
            "repository_url": data["repository_url"],
            "tier": data["tier"],
            "skills": list(data["skills"]),
            "started_on": data["started_on"],
            "finished_on": data["finished_on"],
            "visibility": data["visibility"],
            "tech_stack": data["tech_stack"],
            "features": rows_from(features, ("text", "metric")),
            "results": rows_from(results, ("metric", "baseline", "final")),
            "slug": data["slug"],
        }
        try:
            if project is None:
                project = services.project_create(owner=request.user, **fields)
                messages.success(request, f"“{project.title}” was created.")
            else:
                project = services.project_update(project=project, **fields)
                messages.success(request, f"“{project.title}” was saved.")
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            return redirect("portfolio:project_edit", slug=project.slug)
    return render(
        request,
        "portfolio/project_form.html",
        {
            "form": form,
            "features": features,
            "results": results,
            "project": project,
            "preview": preview,
            "tool_names": selectors.tech_tag_suggestions(),
            # What the saved project lacks to count towards "5+ substantial projects".
            "gaps": gaps_of(project) if project is not None else None,
        },
        status=400 if request.method == "POST" and preview is None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    return _editor(request)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    project = selectors.project_for_owner(request.user, slug)
    return _editor(request, project)


@login_required
@require_POST
def markdown_preview(request):
    """Rendered, sanitised HTML of Markdown text, for the editor's live preview (JS only)."""
    return HttpResponse(render_markdown(request.POST.get("text", "")[:20_000]), content_type="text/html; charset=utf-8")


@login_required
@require_POST
def project_start(request, idea_id):
    idea = get_object_or_404(ProjectIdea.objects.filter(roadmap__published=True), pk=idea_id)
    project = services.project_start_from_idea(owner=request.user, idea=idea)
    messages.success(request, f"Started “{project.title}”: a draft only you can see. Fill in the template below.")
    return redirect("portfolio:project_edit", slug=project.slug)


@login_required
@require_POST
def project_publish(request, slug):
    project = selectors.project_for_owner(request.user, slug)
    visibility = request.POST.get("visibility", Project.Visibility.PUBLIC)
    try:
        services.project_publish(project=project, visibility=visibility)
    except ValidationError as exc:
        messages.error(request, "Not published: " + " ".join(exc.messages))
        return redirect("portfolio:project_edit", slug=slug)
    label = "published on your page" if visibility == Project.Visibility.PUBLIC else "shared by link (unlisted)"
    messages.success(request, f"“{project.title}” is {label}.")
    return redirect(_next(request, "portfolio:project_list"))


@login_required
@require_POST
def project_unpublish(request, slug):
    project = selectors.project_for_owner(request.user, slug)
    services.project_unpublish(project=project)
    messages.success(request, f"“{project.title}” is a draft again: only you can see it.")
    return redirect(_next(request, "portfolio:project_list"))


@login_required
@require_POST
def project_move(request, slug):
    project = selectors.project_for_owner(request.user, slug)
    services.project_move(project=project, offset=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(reverse("portfolio:project_list") + f"#project-{project.slug}")


@login_required
@require_POST
def project_reorder(request):
    """Set the order of all my projects at once (the list page's drag-and-drop, JS only)."""
    try:
        ids = [int(pk) for pk in request.POST.getlist("order")]
    except ValueError:
        return HttpResponse("Bad order", status=400)
    services.project_reorder(owner=request.user, ordered_ids=ids)
    return HttpResponse(status=204)


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request, slug):
    project = selectors.project_for_owner(request.user, slug)
    if request.method == "POST":
        title = project.title
        services.project_delete(project=project)
        messages.success(request, f"“{title}” was deleted.")
        return redirect("portfolio:project_list")
    return render(request, "portfolio/project_confirm_delete.html", {"project": project})


def _next(request, default):
    target = request.POST.get("next", "")
    if target.startswith("/portfolio/") and "//" not in target:
        return target
    return reverse(default)
