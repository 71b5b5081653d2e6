"""Demo data: learners at every stage of the 12-month plan, with progress and published portfolio
projects. Used by the benchmarks (bench/http.py, 10,000 learners and 50,000 projects) and for demos.

Idempotent for the same arguments: users are found by their handle (demo-0001, ...), progress is
upserted to the same states, and a project that already exists is left alone. Everything is derived
from a seeded random generator, so two runs (or two machines) produce the same data.

Written in bulk, a batch of learners at a time (a few statements per batch, not per row). Bulk
writes send no signals, so the command does what the signals would have: it renders the Markdown
and the share image digests the services would, makes the learners' cached pages stale and
rebuilds the search index.
"""

import datetime
import random
from datetime import timedelta
from functools import lru_cache

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from config.cache import bump, user_scope
from portfolio.models import Project
from portfolio.selectors import project_share_version
from roadmap import selectors
from roadmap.markdown import render_markdown
from roadmap.models import ProjectIdea, TopicProgress

DEMO_PASSWORD = "demo-password-2026"
DEMO_EMAIL_DOMAIN = "demo.example.com"
FIRST_NAMES = [
    "Ada", "Alan", "Amara", "Bao", "Carmen", "Chidi", "Dana", "Diego", "Elif", "Farah", "Grace", "Hiro",
    "Ines", "Ivan", "Jomo", "Kai", "Lena", "Luca", "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa",
    "Sami", "Tara", "Uma", "Victor", "Wen", "Yara", "Zane", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Berg", "Castro", "Dubois", "Eriksen", "Fischer", "Gupta", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Mensah", "Nakamura", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Ueda",
    "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
]  # fmt: skip
CITIES = ["Berlin", "Lagos", "São Paulo", "Bangalore", "Toronto", "Warsaw", "Nairobi", "Lisbon", "Seoul", "Austin"]
HEADLINES = [
    "Backend developer becoming an AI engineer",
    "Data analyst learning machine learning in production",
    "Career changer: from teaching to ML engineering",
    "Student building LLM applications",
    "Software engineer focused on MLOps",
]
STACKS = [
    {"backend": ["FastAPI", "PostgreSQL"], "ml": ["scikit-learn", "pandas"], "infrastructure": ["Docker"]},
    {"backend": ["FastAPI", "Redis"], "ml": ["PyTorch", "Hugging Face"], "infrastructure": ["Docker", "AWS"]},
    {"backend": ["Django"], "ml": ["LangChain", "OpenAI API"], "infrastructure": ["Docker"], "monitoring": ["MLflow"]},
    {"backend": ["Flask"], "ml": ["XGBoost"], "infrastructure": ["GitHub Actions"], "monitoring": ["Prometheus"]},
]
FEATURES = [
    {"text": "Trained and evaluated a baseline, then improved it with feature engineering", "metric": "+12% F1"},
    {"text": "REST API with input validation and typed responses", "metric": "p95 40 ms"},
    {"text": "Automated tests and CI on every push", "metric": "92% coverage"},
    {"text": "Containerised and deployed with a health check", "metric": ""},
    {"text": "Experiment tracking to compare runs", "metric": "30 runs logged"},
]


BATCH = 500
# The fields seed_demo sets on a learner (compared and updated on a second run).
USER_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "display_name",
    "headline",
    "bio",
    "bio_html",
    "location",
    "github_username",
    "plan_start_date",
    "hours_per_week",
    "portfolio_public",
    "show_progress",
    "reminders_opt_in",
]
DEPLOYMENT = "Docker image on a small VM; CI builds and deploys on every tag."


@lru_cache(maxsize=4096)
def _markdown(text: str) -> str:
    # Demo texts repeat (a few ideas and stacks): render each once.
    return render_markdown(text)


class Command(BaseCommand):
    help = "Create demo learners with progress and portfolio projects. Same arguments, same data."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20, help="number of demo learners (default 20)")
        parser.add_argument("--projects-per-user", type=int, default=2, help="projects per learner (default 2)")
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help=f"the demo learners' password (default {DEMO_PASSWORD})"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args, users, projects_per_user, password, seed, **options):
        if users < 0 or projects_per_user < 0:
            raise CommandError("--users and --projects-per-user must be zero or more.")
        roadmap = selectors.default_roadmap()
        if roadmap is None:
            call_command("load_roadmap", stdout=self.stdout)
            roadmap = selectors.default_roadmap()
        topics = [topic for step in selectors.steps_in_order(roadmap) for topic in step.topics.order_by("order", "id")]
        ideas = list(ProjectIdea.objects.filter(roadmap=roadmap).prefetch_related("steps").order_by("order", "id"))
        # One hash for every demo user: hashing is deliberately slow, and they share a password.
        password_hash = make_password(password)

        created_users = created_projects = 0
        for first in range(1, users + 1, BATCH):
            numbers = range(first, min(users, first + BATCH - 1) + 1)
            with transaction.atomic():
                plans = {number: self._plan(number, seed, topics, ideas, projects_per_user) for number in numbers}
                learners, created = self._users(plans, password_hash)
                created_users += created
                self._emails(learners)
                self._progress(plans, learners)
                created_projects += self._projects(plans, learners)
            # Bulk writes send no signals: the learners' cached pages go stale here.
            bump(*[user_scope(user.username) for user in learners.values()])
        call_command("search_reindex", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {users} learners ({created_users} new), {users * projects_per_user} projects "
                f"({created_projects} new). Log in as demo-0001@{DEMO_EMAIL_DOMAIN} with the demo password."
            )
        )

    def _plan(self, number, seed, topics, ideas, projects_per_user) -> dict:
        """Everything about one learner, from their own seeded generator (the same each run)."""
        rng = random.Random(f"{seed}:{number}")
        username = f"demo-{number:04d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        months_in = rng.randint(0, 12)
        bio = f"{first} is {months_in} months into the AI Engineer Roadmap and writes about it weekly."
        fields = {
            "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last}",
            "headline": rng.choice(HEADLINES),
            "bio": bio,
            "bio_html": _markdown(bio),
            "location": rng.choice(CITIES),
            "github_username": f"{first}{last}".lower()[:39],
            "plan_start_date": timezone.localdate() - timedelta(days=30 * months_in + rng.randint(0, 20)),
            "hours_per_week": rng.choice([5, 8, 10, 15, 20]),
            "portfolio_public": number % 10 != 0,
            "show_progress": number % 3 != 0,
            # Demo addresses never receive the monthly email.
            "reminders_opt_in": False,
        }
        return {
            "username": username,
            "fields": fields,
            "progress": self._progress_rows(fields["plan_start_date"], topics, rng),
            "projects": self._project_rows(username, ideas, projects_per_user, rng),
        }

    def _users(self, plans, password_hash):
        """The batch's learners ({number: User}), created or brought to the plan's fields."""
        existing = {u.username: u for u in User.objects.filter(username__in=[p["username"] for p in plans.values()])}
        new, changed = [], []
        for plan in plans.values():
            user = existing.get(plan["username"])
            if user is None:
                new.append(User(username=plan["username"], password=password_hash, **plan["fields"]))
            elif any(getattr(user, name) != value for name, value in plan["fields"].items()):
                for name, value in plan["fields"].items():
                    setattr(user, name, value)
                changed.append(user)
        User.objects.bulk_create(new)
        User.objects.bulk_update(changed, USER_FIELDS)
        by_name = {u.username: u for u in User.objects.filter(username__in=[p["username"] for p in plans.values()])}
        return {number: by_name[plan["username"]] for number, plan in plans.items()}, len(new)

    def _emails(self, learners):
        """Each learner's address, verified and primary."""
        users = list(learners.values())
        have = set(EmailAddress.objects.filter(user__in=users).values_list("user_id", "email"))
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in users
            if (user.pk, user.email) not in have
        )
        EmailAddress.objects.filter(user__in=users).filter(Q(verified=False) | Q(primary=False)).update(
            verified=True, primary=True
        )

    @staticmethod
    def _progress_rows(plan_start, topics, rng) -> list[tuple]:
        """(topic, status, started, completed) in reading order: most of the topics the plan has
        reached are done, a few skipped, the next ones in progress; the rest untouched."""
        months = max(0.0, (timezone.localdate() - plan_start).days / 30)
        reached = min(len(topics), round(len(topics) * months / 12 * rng.uniform(0.6, 1.1)))
        learning = rng.randint(1, 4)
        start = datetime.datetime.combine(plan_start, datetime.time(9), tzinfo=datetime.UTC)
        rows = []
        for index, topic in enumerate(topics[: reached + learning]):
            started = start + timedelta(days=index * 4)
            if index < reached:
                status = TopicProgress.Status.SKIPPED if rng.random() < 0.05 else TopicProgress.Status.DONE
                completed = started + timedelta(days=rng.randint(1, 6))
            else:
                status, completed = TopicProgress.Status.LEARNING, None
            rows.append((topic, status, started, completed))
        return rows

    def _progress(self, plans, learners):
        rows = [
            TopicProgress(user=learners[number], topic=topic, status=status, started_at=started, completed_at=done)
            for number, plan in plans.items()
            for topic, status, started, done in plan["progress"]
        ]
        TopicProgress.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["user", "topic"],
            update_fields=["status", "started_at", "completed_at"],
        )
        # Same arguments, same rows: anything beyond what this run wants goes.
        wanted = {(row.user_id, row.topic_id) for row in rows}
        extra = [
            pk
            for pk, user_id, topic_id in TopicProgress.objects.filter(user__in=learners.values()).values_list(
                "pk", "user_id", "topic_id"
            )
            if (user_id, topic_id) not in wanted
        ]
        TopicProgress.objects.filter(pk__in=extra).delete()

    @staticmethod
    def _project_rows(username, ideas, count, rng) -> list[dict]:
        if not ideas or count == 0:
            return []
        rows = []
        for position, idea in enumerate(rng.sample(ideas, min(count, len(ideas)))):
            slug = slugify(idea.title)[:80]
            stack = rng.choice(STACKS)
            tags = ", ".join(tag for category in stack.values() for tag in category)
            rows.append(
                {
                    "idea": idea,
                    "position": position,
                    "slug": slug,
                    "title": idea.title[:120],
                    "tier": idea.tier,
                    "overview": (
                        f"**Problem.** {idea.description or idea.title}\n\n"
                        f"**Solution.** A small, tested service built with {tags}, "
                        "deployed with a health check and documented end to end."
                    ),
                    "tech_stack": stack,
                    "features": rng.sample(FEATURES, 3),
                    "results": [{"metric": "Accuracy", "baseline": "0.71", "final": f"0.{rng.randint(78, 93)}"}],
                }
            )
        return rows

    def _projects(self, plans, learners) -> int:
        """Each learner's projects that do not exist yet, as project_create would write them; two per
        learner are published, any further ones stay drafts. Returns how many were created."""
        existing = set(Project.objects.filter(owner__in=learners.values()).values_list("owner_id", "slug"))
        now = timezone.now()
        new, skills = [], []
        for number, plan in plans.items():
            owner = learners[number]
            for row in plan["projects"]:
                if (owner.pk, row["slug"]) in existing:
                    continue
                public = row["position"] < 2
                project = Project(
                    owner=owner,
                    slug=row["slug"],
                    title=row["title"],
                    tier=row["tier"],
                    overview=row["overview"],
                    overview_html=_markdown(row["overview"]),
                    tech_stack=row["tech_stack"],
                    features=row["features"],
                    deployment=DEPLOYMENT,
                    deployment_html=_markdown(DEPLOYMENT),
                    repository_url=f"https://github.com/{owner.github_username}/{row['slug']}",
                    results=row["results"],
                    position=row["position"],
                    visibility=Project.Visibility.PUBLIC if public else Project.Visibility.DRAFT,
                    published_at=now if public else None,
                )
                project.share_image_version = project_share_version(project)
                new.append(project)
                skills.append([step.pk for step in row["idea"].steps.all()])
        Project.objects.bulk_create(new, batch_size=1000)
        Through = Project.skills.through
        Through.objects.bulk_create(
            [
                Through(project_id=project.pk, step_id=step_id)
                for project, steps in zip(new, skills, strict=True)
                for step_id in steps
            ],
            batch_size=2000,
        )
        return len(new)
