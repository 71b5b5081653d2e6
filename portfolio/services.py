"""Writes of portfolio projects and moderation. The HTML views, the REST API and the admin all call
these; each validates with the model's rules and raises django.core.exceptions.ValidationError with
field messages on bad input."""

import hashlib
import hmac
import html
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from config.cache import bump, user_scope
from portfolio import selectors
from portfolio.models import (
    RESERVED_PROJECT_SLUGS,
    SLUG_MAX,
    TECH_CATEGORIES,
    TECH_CATEGORY_LABELS,
    Project,
    Report,
)
from roadmap.markdown import render_markdown

# Fields a learner may set through project_create / project_update.
EDITABLE_FIELDS = frozenset(
    [
        "slug",
        "title",
        "tier",
        "overview",
        "tech_stack",
        "features",
        "deployment",
        "live_demo_url",
        "repository_url",
        "results",
        "started_on",
        "finished_on",
        "visibility",
    ]
)
# Reports in the last REPORT_LIMIT_PERIOD: anonymous ones from one address, from one signed-in
# reporter, and from one address in all (everyone behind one school's or office's address).
REPORT_LIMIT_PERIOD = timedelta(hours=1)
REPORTS_PER_IP_PER_HOUR = 5
REPORTS_PER_ACCOUNT_PER_HOUR = 5
REPORTS_PER_IP_CEILING_PER_HOUR = 50


class RateLimited(Exception):
    """Too many requests of one kind from one client; the view answers 429."""


# --- helpers ----------------------------------------------------------------------------------


def _clean_tags(tech_stack) -> dict:
    """Strip and de-duplicate tags (case-insensitively), drop empty categories, keep the template's order."""
    if not isinstance(tech_stack, dict):
        return tech_stack
    cleaned = {}
    for key, _label in TECH_CATEGORIES:
        tags = tech_stack.get(key)
        if not isinstance(tags, list):
            if tags:
                cleaned[key] = tags  # left for the validator to reject
            continue
        seen, result = set(), []
        for tag in tags:
            tag = " ".join(tag.split()) if isinstance(tag, str) else tag
            if isinstance(tag, str) and (not tag or tag.lower() in seen):
                continue
            seen.add(tag.lower() if isinstance(tag, str) else tag)
            result.append(tag)
        if result:
            cleaned[key] = result
    # Unknown categories are kept so that validation names them instead of silently dropping them.
    cleaned.update({k: v for k, v in tech_stack.items() if k not in TECH_CATEGORY_LABELS})
    return cleaned


def _clean_rows(rows, keys) -> list:
    """Strip each cell and drop rows that are entirely empty."""
    if not isinstance(rows, list):
        return rows
    result = []
    for row in rows:
        if not isinstance(row, dict):
            result.append(row)
            continue
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        if any(row.get(k) for k in keys):
            result.append({k: row.get(k, "") for k in keys} | {k: v for k, v in row.items() if k not in keys})
    return result


def _unique_slug(owner, base: str, *, exclude_pk=None) -> str:
    base = (slugify(base) or "project")[: SLUG_MAX - 4].strip("-") or "project"
    taken = set(
        Project.objects.filter(owner=owner, slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    taken |= RESERVED_PROJECT_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _apply(project: Project, fields: dict) -> set:
    unknown = set(fields) - EDITABLE_FIELDS - {"skills"}
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name == "skills":
            continue
        if name == "tech_stack":
            value = _clean_tags(value)
        elif name == "features":
            value = _clean_rows(value, ("text", "metric"))
        elif name == "results":
            value = _clean_rows(value, ("metric", "baseline", "final"))
        elif isinstance(value, str) and name not in ("overview", "deployment"):
            value = value.strip()
        setattr(project, name, value)
    return set(fields)


def _validate_slug(project: Project):
    if project.slug in RESERVED_PROJECT_SLUGS:
        raise ValidationError({"slug": "That address is reserved; choose another."})
    if Project.objects.filter(owner_id=project.owner_id, slug=project.slug).exclude(pk=project.pk).exists():
        raise ValidationError({"slug": "You already have a project at this address."})


def _render_and_check(project: Project):
    """Render Markdown, validate everything, refresh derived fields. Raises ValidationError."""
    project.overview_html = render_markdown(project.overview)
    project.deployment_html = render_markdown(project.deployment)
    project.full_clean(exclude=["owner", "idea", "slug"], validate_unique=False, validate_constraints=False)
    if project.slug != slugify(project.slug) or not project.slug:
        raise ValidationError({"slug": "Use lowercase letters, digits and hyphens."})
    _validate_slug(project)
    if project.visibility != Project.Visibility.DRAFT and project.published_at is None:
        project.published_at = timezone.now()


def _save(project: Project):
    """Save, turning a slug taken by a concurrent request into the same message as a taken slug."""
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:
        if "slug" in str(exc).lower() or "unique" in str(exc).lower():
            raise ValidationError({"slug": "You already have a project at this address."}) from exc
        raise


def _after_change(project: Project, *, skills_changed=False):
    """Refresh the share image digest. (Cached public pages follow the project's save: signals.py.)"""
    version = selectors.project_share_version(project)
    if version != project.share_image_version:
        project.share_image_version = version
        Project.objects.filter(pk=project.pk).update(share_image_version=version)


# --- projects ---------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, owner, **fields) -> Project:
    """Create a project for `owner` (a draft unless `visibility` says otherwise).

    Side effects: the project goes last on the owner's page; its slug comes from the title when not
    given; its share image digest is set; cached public pages of the owner are invalidated.
    """
    skills = fields.pop("skills", None)
    project = Project(owner=owner)
    _apply(project, fields)
    if not fields.get("slug"):
        project.slug = _unique_slug(owner, project.title)
    last = Project.objects.filter(owner=owner).aggregate(m=Max("position"))["m"]
    project.position = 0 if last is None else last + 1
    _render_and_check(project)
    _save(project)
    if skills is not None:
        project.skills.set(skills)
    _after_change(project)
    return project


@transaction.atomic
def project_update(*, project: Project, **fields) -> Project:
    """Change the given fields of `project` (and its `skills` if given); validates like project_create.

    Side effects: the share image digest changes when what the image shows changes; cached public pages
    of the owner are invalidated.
    """
    skills = fields.pop("skills", None)
    _apply(project, fields)
    if "slug" in fields and not fields["slug"]:
        project.slug = _unique_slug(project.owner, project.title, exclude_pk=project.pk)
    _render_and_check(project)
    _save(project)
    if skills is not None:
        project.skills.set(skills)
    _after_change(project)
    return project


@transaction.atomic
def project_publish(*, project: Project, visibility: str = Project.Visibility.PUBLIC) -> Project:
    """Share the project: public (on the owner's page and in the sitemap) or unlisted (link only).

    Raises ValidationError when it lacks a title or an overview. Side effects: sets published_at the
    first time; invalidates cached pages.
    """
    if visibility not in (Project.Visibility.PUBLIC, Project.Visibility.UNLISTED):
        raise ValidationError({"visibility": "Publish as public or unlisted."})
    return project_update(project=project, visibility=visibility)


@transaction.atomic
def project_unpublish(*, project: Project) -> Project:
    """Make the project a draft again: only its owner (and staff) can see it. Invalidates cached pages."""
    return project_update(project=project, visibility=Project.Visibility.DRAFT)


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete the project for good, with its reports. Invalidates cached pages."""
    project.delete()


@transaction.atomic
def project_start_from_idea(*, owner, idea) -> Project:
    """A new draft pre-filled from a roadmap project idea: title, tier and skills (the idea's steps).

    Side effects: as project_create; the project remembers the idea it came from.
    """
    project = project_create(owner=owner, title=idea.title[:120], tier=idea.tier, skills=list(idea.steps.all()))
    project.idea = idea
    project.save(update_fields=["idea"])
    return project


def _page_order(owner):
    return Project.objects.filter(owner=owner).order_by("position", "-created_at", "id").values_list("pk", flat=True)


@transaction.atomic
def project_reorder(*, owner, ordered_ids: list[int]) -> None:
    """Put the owner's projects in the given order (ids of projects that are not theirs are ignored;
    their projects missing from the list keep their relative order after the listed ones)."""
    own = list(_page_order(owner))
    own_set = set(own)
    wanted = []
    for pk in ordered_ids:
        if pk in own_set and pk not in wanted:
            wanted.append(pk)
    order = wanted + [pk for pk in own if pk not in wanted]
    projects = Project.objects.filter(owner=owner).in_bulk(order)
    for position, pk in enumerate(order):
        projects[pk].position = position
    Project.objects.bulk_update(projects.values(), ["position"])
    # A bulk update sends no signals: the owner's pages show the new order.
    bump(user_scope(owner.username))


@transaction.atomic
def project_move(*, project: Project, offset: int) -> None:
    """Move the project `offset` places up (negative) or down (positive) on its owner's page."""
    order = list(_page_order(project.owner))
    index = order.index(project.pk)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    project_reorder(owner=project.owner, ordered_ids=order)


# --- README export ------------------------------------------------------------------------------

# Markdown is plain text: HTML entities (&amp;) in it are shown as written by some renderers and
# decoded by others. Only what would start markup is escaped, with backslashes: "<" before a tag
# or an autolink, "&" before something an entity reference could be.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY_START = re.compile(r"&(?=#?[A-Za-z0-9]+;)")

# Link destinations no README should carry, whatever a renderer makes of them.
_UNSAFE_SCHEME = re.compile(r"(?:javascript|vbscript|data|file):", re.IGNORECASE)
_LINK_TEXT = r"\[((?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]"
_DESTINATION = r"(<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
_TITLE = r"""(?:\s+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?"""
# [text](destination "title") and ![alt](...)
_INLINE_LINK = re.compile(rf"(!?){_LINK_TEXT}\(\s*{_DESTINATION}{_TITLE}\s*\)")
# [label]: destination "title" (a reference definition, on a line of its own)
_REFERENCE = re.compile(rf"^ {{0,3}}\[[^\]\n]+\]:[ \t]*\n?[ \t]*{_DESTINATION}.*$", re.MULTILINE)
# <scheme:...> (an autolink)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>")
# href="..." and friends in raw HTML
_HTML_URL_ATTRIBUTE = re.compile(
    r"""\b(href|src|action|formaction|poster|srcset|xlink:href)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""",
    re.IGNORECASE,
)
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
# Enough of a destination to see its scheme however it is spelled: CommonMark's longest entity
# reference is ten characters, "javascript:" eleven of them.
_SCHEME_WINDOW = 200
_NESTED_LINKS_MAX = 8


def _inline(text: str) -> str:
    """One line of the learner's plain text inside Markdown: no line breaks, no raw HTML."""
    text = " ".join(text.replace("\\", "\\\\").split())
    return _ENTITY_START.sub(r"\\&", _TAG_START.sub(r"\\<", text))


def _unsafe(destination: str) -> bool:
    """Whether a link destination would be a javascript:, vbscript:, data: or file: URL, the way a
    browser would read it after a Markdown renderer has decoded it (entities, backslash escapes,
    angle brackets, and white space or control characters inside the scheme)."""
    decoded = html.unescape(re.sub(r"\\(.)", r"\1", destination.strip().strip("<>")))
    return bool(_UNSAFE_SCHEME.match(_IGNORED_IN_SCHEME.sub("", decoded)))


def _destination_start(text: str, start: int) -> str:
    """The beginning of the link destination at text[start] (just after "]("), enough to read its
    scheme: leading white space and an angle bracket skipped, then up to _SCHEME_WINDOW characters,
    ending at white space (as CommonMark ends a destination)."""
    while start < len(text) and text[start] in " \t\n<":
        start += 1
    window = text[start : start + _SCHEME_WINDOW]
    return window.split(None, 1)[0] if window.strip() else ""


def _without_unsafe_links(markdown: str) -> str:
    """The learner's Markdown with every link to an unsafe scheme taken out: an inline link or image
    keeps its text (a link inside that text is taken out next), a reference definition, an autolink
    or a raw HTML attribute goes. An inline link the pattern cannot take apart (parentheses nested
    more than once in its destination, or links nested deeper) is defused: its "](" is escaped, and
    it is plain text."""
    for _ in range(_NESTED_LINKS_MAX):
        markdown, count = _INLINE_LINK.subn(lambda m: m.group(2) if _unsafe(m.group(3)) else m.group(0), markdown)
        if not count:
            break
    parts, done = [], 0
    for match in re.finditer(r"\]\(", markdown):
        if _unsafe(_destination_start(markdown, match.end())):
            parts += [markdown[done : match.start() + 1], "\\"]
            done = match.start() + 1
    markdown = "".join([*parts, markdown[done:]])
    markdown = _REFERENCE.sub(lambda m: "" if _unsafe(m.group(1)) else m.group(0), markdown)
    markdown = _AUTOLINK.sub(lambda m: "" if _unsafe(m.group(1)) else m.group(0), markdown)
    return _HTML_URL_ATTRIBUTE.sub(lambda m: "" if _unsafe(m.group(3).strip("\"'")) else m.group(0), markdown)


def _link(url: str) -> str:
    url = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{_inline(url)}]({url})"


def project_readme(project: Project) -> str:
    """The project as README.md in the showcase template's sections and order:
    title, Overview, Tech Stack, Key Features (with deployment details and results), Live Demo, Code
    Repository."""
    lines = [f"# {_inline(project.title)}", "", "## Overview", ""]
    lines.append(project.overview.strip() or "_To be written._")
    skills = [s.title for s in project.skills.all()]
    if skills:
        lines += ["", f"Roadmap skills: {', '.join(_inline(s) for s in skills)}."]
    lines += ["", "## Tech Stack", ""]
    stack = project.tech_stack_display
    if stack:
        lines += [f"- **{label}**: {', '.join(_inline(t) for t in tags)}" for label, tags in stack]
    else:
        lines.append("_To be written._")
    lines += ["", "## Key Features", ""]
    for feature in project.features:
        metric = f" ({_inline(feature['metric'])})" if feature.get("metric") else ""
        lines.append(f"- {_inline(feature['text'])}{metric}")
    if project.deployment.strip():
        if project.features:
            lines.append("")
        lines += ["### Deployment", "", project.deployment.strip()]
    if project.results:
        lines += ["", "### Results", "", "| Metric | Baseline | Final |", "| --- | --- | --- |"]
        for row in project.results:
            cells = [_inline(row.get(k, "")).replace("|", "\\|") for k in ("metric", "baseline", "final")]
            lines.append(f"| {' | '.join(cells)} |")
    if not (project.features or project.deployment.strip() or project.results):
        lines.append("_To be written._")
    lines += ["", "## Live Demo", "", _link(project.live_demo_url) if project.live_demo_url else "_Not deployed yet._"]
    lines += ["", "## Code Repository", ""]
    lines.append(_link(project.repository_url) if project.repository_url else "_Not published yet._")
    # Over the whole document: the learner's Markdown (overview, deployment) and every plain-text
    # field alike; the links this function writes itself are http(s) and stay.
    return _without_unsafe_links("\n".join(lines) + "\n")


# --- moderation ---------------------------------------------------------------------------------


@transaction.atomic
def project_hide(*, project: Project, reason: str) -> Project:
    """Hide a project from everyone but its owner (who sees `reason`) and staff."""
    project.hidden, project.hidden_reason = True, reason[:300]
    project.save(update_fields=["hidden", "hidden_reason", "updated_at"])
    return project


@transaction.atomic
def project_unhide(*, project: Project) -> Project:
    project.hidden, project.hidden_reason = False, ""
    project.save(update_fields=["hidden", "hidden_reason", "updated_at"])
    return project


@transaction.atomic
def portfolio_page_hide(*, user, reason: str):
    """Hide a user's whole public page (and all their projects) from everyone but them and staff."""
    user.page_hidden, user.page_hidden_reason = True, reason[:300]
    user.save(update_fields=["page_hidden", "page_hidden_reason"])
    return user


def ip_digest(ip: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), (ip or "").encode(), hashlib.sha256).hexdigest()


def _check_report_limits(*, digest: str, reporter) -> None:
    """Raise RateLimited when this reporter has sent enough reports for the hour.

    Counted from the reports themselves (the database is the record: a cache that is down or
    emptied lifts no limit). A signed-in reporter is limited as an account, so that the people
    sharing an address (a school, an office, a proxy) are not one reporter; the address keeps a
    generous ceiling for everyone behind it.
    """
    recent = Report.objects.filter(created_at__gte=timezone.now() - REPORT_LIMIT_PERIOD)
    if reporter is not None:
        if recent.filter(reporter=reporter).count() >= REPORTS_PER_ACCOUNT_PER_HOUR:
            raise RateLimited("account")
        if recent.filter(ip_hash=digest).count() >= REPORTS_PER_IP_CEILING_PER_HOUR:
            raise RateLimited("address")
    elif recent.filter(ip_hash=digest, reporter=None).count() >= REPORTS_PER_IP_PER_HOUR:
        raise RateLimited("address")


_URL_RE = re.compile(r"^/[\w./-]*$")


@transaction.atomic
def report_create(
    *, user, project=None, reason: str, message: str = "", reporter=None, reporter_email="", ip="", url=""
) -> Report:
    """Record a report about `user`'s page (or one of its projects) for staff to review.

    Raises RateLimited past the hourly limits (REPORTS_PER_IP_PER_HOUR anonymous reports from one IP
    address, REPORTS_PER_ACCOUNT_PER_HOUR from one signed-in reporter, REPORTS_PER_IP_CEILING_PER_HOUR
    from one address in all), and ValidationError on bad input.
    """
    digest = ip_digest(ip)
    reporter = reporter if reporter is not None and reporter.is_authenticated else None
    _check_report_limits(digest=digest, reporter=reporter)
    report = Report(
        user=user,
        project=project,
        reason=reason,
        message=message.strip(),
        reporter=reporter,
        reporter_email=reporter_email.strip(),
        ip_hash=digest,
        url=url if _URL_RE.match(url or "") else (project.get_absolute_url() if project else user.get_absolute_url()),
    )
    report.full_clean(exclude=["user", "project", "reporter", "resolved_by"])
    report.save()
    return report


@transaction.atomic
def report_resolve(*, report: Report, status: str, actor) -> Report:
    report.status = status
    report.resolved_at = timezone.now()
    report.resolved_by = actor
    report.save(update_fields=["status", "resolved_at", "resolved_by"])
    return report
