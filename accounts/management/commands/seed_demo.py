"""Demo data: learners at every stage of the 12-month plan, with progress and published portfolio
projects. Used by the benchmarks (bench/http.py) and for demos.

Idempotent for the same arguments: users are found by their handle (demo-0001, ...), progress is
upserted to the same states, and a project that already exists is left alone. Everything is derived
from a seeded random generator, so two runs (or two machines) produce the same data.
"""

import datetime
import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from portfolio import services as portfolio_services
from portfolio.models import Project
from roadmap import selectors
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
        for number in range(1, users + 1):
            rng = random.Random(f"{seed}:{number}")
            with transaction.atomic():
                user, created = self._user(number, rng, password_hash)
                created_users += created
                self._progress(user, topics, rng)
                created_projects += self._projects(user, ideas, projects_per_user, rng)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {users} learners ({created_users} new), {users * projects_per_user} projects "
                f"({created_projects} new). Log in as demo-0001@{DEMO_EMAIL_DOMAIN} with the demo password."
            )
        )

    def _user(self, number, rng, password_hash):
        username = f"demo-{number:04d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        months_in = rng.randint(0, 12)
        defaults = {
            "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last}",
            "headline": rng.choice(HEADLINES),
            "bio": f"{first} is {months_in} months into the AI Engineer Roadmap and writes about it weekly.",
            "location": rng.choice(CITIES),
            "github_username": f"{first}{last}".lower()[:39],
            "plan_start_date": timezone.localdate() - timedelta(days=30 * months_in + rng.randint(0, 20)),
            "hours_per_week": rng.choice([5, 8, 10, 15, 20]),
            "portfolio_public": number % 10 != 0,
            "show_progress": number % 3 != 0,
            # Demo addresses never receive the monthly email.
            "reminders_opt_in": False,
        }
        user, created = User.objects.get_or_create(username=username, defaults={**defaults, "password": password_hash})
        if not created:
            changed = [name for name, value in defaults.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, defaults[name])
            if changed:
                user.save()
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        return user, created

    def _progress(self, user, topics, rng):
        """Topics in reading order: most of those the plan has reached are done, a few skipped, the
        next ones in progress; the rest untouched."""
        months = max(0.0, (timezone.localdate() - user.plan_start_date).days / 30)
        reached = min(len(topics), round(len(topics) * months / 12 * rng.uniform(0.6, 1.1)))
        learning = rng.randint(1, 4)
        start = datetime.datetime.combine(user.plan_start_date, datetime.time(9), tzinfo=datetime.UTC)
        rows = []
        for index, topic in enumerate(topics[: reached + learning]):
            started = start + timedelta(days=index * 4)
            if index < reached:
                status = TopicProgress.Status.SKIPPED if rng.random() < 0.05 else TopicProgress.Status.DONE
                completed = started + timedelta(days=rng.randint(1, 6))
            else:
                status, completed = TopicProgress.Status.LEARNING, None
            rows.append(
                TopicProgress(user=user, topic=topic, status=status, started_at=started, completed_at=completed)
            )
        TopicProgress.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["user", "topic"],
            update_fields=["status", "started_at", "completed_at"],
        )
        # Same arguments, same rows: anything beyond what this run wants goes.
        TopicProgress.objects.filter(user=user).exclude(topic__in=[row.topic for row in rows]).delete()

    def _projects(self, user, ideas, count, rng):
        if not ideas or count == 0:
            return 0
        chosen = rng.sample(ideas, min(count, len(ideas)))
        existing = set(Project.objects.filter(owner=user).values_list("slug", flat=True))
        created = 0
        for position, idea in enumerate(chosen):
            slug = slugify(idea.title)[:80]
            if slug in existing:
                continue
            stack = rng.choice(STACKS)
            tags = ", ".join(tag for category in stack.values() for tag in category)
            project = portfolio_services.project_create(
                owner=user,
                slug=slug,
                title=idea.title[:120],
                tier=idea.tier,
                overview=(
                    f"**Problem.** {idea.description or idea.title}\n\n"
                    f"**Solution.** A small, tested service built with {tags}, "
                    "deployed with a health check and documented end to end."
                ),
                tech_stack=stack,
                features=rng.sample(FEATURES, 3),
                deployment="Docker image on a small VM; CI builds and deploys on every tag.",
                repository_url=f"https://github.com/{user.github_username}/{slug}",
                results=[{"metric": "Accuracy", "baseline": "0.71", "final": f"0.{rng.randint(78, 93)}"}],
                skills=list(idea.steps.all()),
            )
            # Two projects per learner are published; any further ones stay drafts.
            if position < 2:
                portfolio_services.project_publish(project=project)
            created += 1
        return created
