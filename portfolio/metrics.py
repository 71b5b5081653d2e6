"""The roadmap's success metrics, worked out for one learner from their progress, their self-checks,
their portfolio and their GitHub account. The dashboard, the public page and the monthly email show
them.

Honest by rule: a skipped topic never counts as done; a specialisation needs most of its topics done
*and* its self-check passed; a project counts only when it fills the showcase template; a GitHub
profile counts only when the account is linked through sign-in. Self-check scores come from the app
above portfolio through roadmap.hooks (this module never imports it), or are passed in.
"""

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount

from portfolio.models import Project
from roadmap import hooks
from roadmap.models import Roadmap
from roadmap.selectors import progress_for

# The steps whose depth counts as a specialisation, and how deep counts as "proficient".
SPECIALISATION_STEPS = ("nlp", "computer-vision", "generative-ai")
PROFICIENT_PERCENT = 80
SPECIALISATIONS_NEEDED = 2
PROJECTS_NEEDED = 5
MLOPS_STEP = "mlops"
# A substantial project's overview says what problem it solves and how: a few sentences at least.
OVERVIEW_MIN_CHARS = 200


@dataclass
class SuccessMetric:
    slug: str
    title: str
    achieved: bool
    detail: str
    description: str = ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- projects -----------------------------------------------------------------------------------


def project_gaps(*, overview: str, tech_stack: dict, features: list, repository_url: str, visibility: str = "") -> list:
    """What a project still lacks to count as one of the "substantial projects": an empty list when it
    fills the showcase template. Each item is a short phrase for the author ("a code repository link")."""
    gaps = []
    if visibility == Project.Visibility.DRAFT:
        gaps.append("to be published or unlisted (it is a draft)")
    length = len((overview or "").strip())
    if length < OVERVIEW_MIN_CHARS:
        gaps.append(f"an overview of at least {OVERVIEW_MIN_CHARS} characters (it has {length})")
    if not any(items for items in (tech_stack or {}).values()):
        gaps.append("a tech stack")
    if not any(isinstance(f, dict) and str(f.get("metric") or "").strip() for f in features or []):
        gaps.append("a key feature with a metric (for example “p95 latency 120 ms”)")
    if not (repository_url or "").strip():
        gaps.append("a code repository link")
    return gaps


def gaps_of(project: Project) -> list:
    """project_gaps of a Project (the editor shows them to its author)."""
    return project_gaps(
        overview=project.overview,
        tech_stack=project.tech_stack,
        features=project.features,
        repository_url=project.repository_url,
        visibility=project.visibility,
    )


def project_counts(user) -> tuple[int, int]:
    """(substantial projects, published projects with a live demo) of the learner. One query.

    Substantial: published or unlisted, not hidden, filling the showcase template (project_gaps).
    """
    rows = Project.objects.filter(
        owner=user,
        visibility__in=[Project.Visibility.PUBLIC, Project.Visibility.UNLISTED],
        hidden=False,
    ).values_list("visibility", "overview", "tech_stack", "features", "repository_url", "live_demo_url")
    substantial = live = 0
    for visibility, overview, tech_stack, features, repository_url, live_demo_url in rows:
        gaps = project_gaps(overview=overview, tech_stack=tech_stack, features=features, repository_url=repository_url)
        substantial += not gaps
        live += visibility == Project.Visibility.PUBLIC and bool(live_demo_url)
    return substantial, live


# --- the metrics ----------------------------------------------------------------------------------


def success_metrics(user, roadmap: Roadmap, *, progress=None, checks: dict | None = None) -> list[SuccessMetric]:
    """The roadmap's success metrics (guide["success_metrics"]), each computed for this learner.

    - projects: at least 5 published or unlisted projects that fill the showcase template;
    - specializations: two of the NLP, Computer Vision and Generative AI steps with 80% of their topics
      done (skipped topics count as not done) and their self-check passed;
    - production-deployment: a published project with a live demo URL;
    - github-profile: a GitHub account linked through sign-in (a typed username shows as unverified);
    - mlops: the MLOps step at 80% done and its self-check passed.
    `checks` ({step_id: StepCheck}, see roadmap.hooks) saves asking for the learner's self-check scores.
    Metrics the guide lists but we cannot compute are shown as not achieved, with no detail.
    """
    progress = progress or progress_for(user, roadmap)
    checks = hooks.check_scores(user, roadmap) if checks is None else checks
    steps = {step.slug: step for step in roadmap.steps.all()}
    substantial, live = project_counts(user)

    def depth(slug):
        """(step, percent of all its topics done, self-check passed) of a step, by slug."""
        step = steps.get(slug)
        if step is None:
            return None, 0, False
        counts = progress.step(step.pk)
        topics = counts.total + counts.skipped
        percent = round(100 * counts.done / topics) if topics else 0
        check = checks.get(step.pk)
        return step, percent, bool(check and check.passed)

    def check_text(passed):
        return "check passed" if passed else "check not passed"

    computed = {}
    computed["projects"] = (
        substantial >= PROJECTS_NEEDED,
        f"{_plural(substantial, 'substantial project')} of {PROJECTS_NEEDED}"
        + ("" if substantial >= PROJECTS_NEEDED else " (published or unlisted, filling the showcase template)"),
    )

    parts, proficient = [], 0
    for slug in SPECIALISATION_STEPS:
        step, percent, passed = depth(slug)
        if step is not None:
            parts.append(f"{step.title} {percent}%, {check_text(passed)}")
            proficient += percent >= PROFICIENT_PERCENT and passed
    computed["specializations"] = (
        proficient >= SPECIALISATIONS_NEEDED,
        f"{proficient} of {SPECIALISATIONS_NEEDED} at {PROFICIENT_PERCENT}%+ with the check passed"
        f" ({'; '.join(parts)})",
    )

    computed["production-deployment"] = (
        live >= 1,
        f"{_plural(live, 'published project')} with a live demo" if live else "Publish a project with a live demo URL",
    )

    linked = has_github_account(user)
    if linked:
        handle = f" (github.com/{user.github_username})" if user.github_username else ""
        github_detail = f"GitHub account linked{handle}"
    elif user.github_username:
        github_detail = f"github.com/{user.github_username} (unverified: sign in with GitHub once to verify it)"
    else:
        github_detail = "Link your GitHub account by signing in with GitHub"
    computed["github-profile"] = (linked, github_detail)

    step, percent, passed = depth(MLOPS_STEP)
    computed["mlops"] = (
        percent >= PROFICIENT_PERCENT and passed,
        f"{step.title if step else 'MLOps'}: {percent}% done (needs {PROFICIENT_PERCENT}%), {check_text(passed)}",
    )

    result = []
    for metric in roadmap.guide.get("success_metrics", []):
        achieved, detail = computed.get(metric.get("slug"), (False, ""))
        result.append(
            SuccessMetric(
                slug=metric.get("slug", ""),
                title=metric.get("title", ""),
                achieved=achieved,
                detail=detail,
                description=metric.get("description", ""),
            )
        )
    return result


def has_github_account(user) -> bool:
    return SocialAccount.objects.filter(user=user, provider="github").exists()
