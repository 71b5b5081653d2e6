"""The roadmap's success metrics, worked out for one learner from their progress, their portfolio
and their GitHub account. The dashboard, the public page and the monthly email show them."""

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount

from portfolio.selectors import portfolio_metrics
from roadmap.models import Roadmap
from roadmap.selectors import progress_for

# The steps whose depth counts as a specialisation, and how deep counts as "proficient".
SPECIALISATION_STEPS = ("nlp", "computer-vision", "generative-ai")
PROFICIENT_PERCENT = 80
SPECIALISATIONS_NEEDED = 2
PROJECTS_NEEDED = 5
MLOPS_STEP = "mlops"


@dataclass
class SuccessMetric:
    slug: str
    title: str
    achieved: bool
    detail: str
    description: str = ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def success_metrics(user, roadmap: Roadmap, *, progress=None) -> list[SuccessMetric]:
    """The roadmap's success metrics (guide["success_metrics"]), each computed for this learner.

    - projects: at least 5 published portfolio projects;
    - specializations: at least 80% of two of the NLP, Computer Vision and Generative AI steps;
    - production-deployment: a published project with a live demo URL;
    - github-profile: a GitHub username in the profile, or a connected GitHub account;
    - mlops: at least 80% of the MLOps step.
    Metrics the guide lists but we cannot compute are shown as not achieved, with no detail.
    """
    progress = progress or progress_for(user, roadmap)
    steps = {step.slug: step for step in roadmap.steps.all()}
    portfolio = portfolio_metrics(user)

    def step_percent(slug):
        step = steps.get(slug)
        return (step, progress.step(step.pk).percent) if step else (None, 0)

    computed = {}
    published = portfolio["published_projects"]
    computed["projects"] = (
        published >= PROJECTS_NEEDED,
        f"{_plural(published, 'published project')} of {PROJECTS_NEEDED}",
    )

    parts, proficient = [], 0
    for slug in SPECIALISATION_STEPS:
        step, percent = step_percent(slug)
        if step is not None:
            parts.append(f"{step.title} {percent}%")
            proficient += percent >= PROFICIENT_PERCENT
    computed["specializations"] = (
        proficient >= SPECIALISATIONS_NEEDED,
        f"{proficient} of {SPECIALISATIONS_NEEDED} at {PROFICIENT_PERCENT}%+ ({', '.join(parts)})",
    )

    live = portfolio["live_demo_projects"]
    computed["production-deployment"] = (
        live >= 1,
        f"{_plural(live, 'published project')} with a live demo" if live else "Publish a project with a live demo URL",
    )

    github_linked = bool(user.github_username) or has_github_account(user)
    computed["github-profile"] = (
        github_linked,
        f"github.com/{user.github_username}"
        if user.github_username
        else ("GitHub account connected" if github_linked else "Add your GitHub username in settings"),
    )

    step, percent = step_percent(MLOPS_STEP)
    computed["mlops"] = (
        percent >= PROFICIENT_PERCENT,
        f"{step.title if step else 'MLOps'}: {percent}% (needs {PROFICIENT_PERCENT}%)",
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
