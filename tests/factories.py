"""factory_boy factories for the project's models."""

import factory
from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from roadmap.models import Phase, ProjectIdea, Resource, Roadmap, Step, Tool, Topic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoadmapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roadmap

    slug = factory.Sequence(lambda n: f"roadmap-{n}")
    title = factory.Sequence(lambda n: f"Roadmap {n}")
    version = "1.0"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    roadmap = factory.SubFactory(RoadmapFactory)
    slug = factory.Sequence(lambda n: f"phase-{n}")
    title = factory.Sequence(lambda n: f"Phase {n}")
    order = factory.Sequence(lambda n: n)
    start_month = 1
    end_month = 3


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    phase = factory.SubFactory(PhaseFactory)
    roadmap = factory.SelfAttribute("phase.roadmap")
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Step {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    why = "Because it matters."


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    step = factory.SubFactory(StepFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    group = "Core"
    order = factory.Sequence(lambda n: n)


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool

    roadmap = factory.SubFactory(RoadmapFactory)
    name = factory.Sequence(lambda n: f"Tool {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    category = "Programming"
    essential = True


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    step = factory.SubFactory(StepFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    url = "https://example.com/"


class ProjectIdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectIdea

    roadmap = factory.SubFactory(RoadmapFactory)
    title = factory.Sequence(lambda n: f"Idea {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    tier = ProjectIdea.Tier.BEGINNER
    category = "Predictive Modeling"


# --- progress (accounts/progress work) ---------------------------------------------------------

PLAN_PHASES = [("foundation", 1, 3), ("core-ml", 4, 6), ("specialization", 7, 9), ("advanced", 10, 12)]


def build_roadmap(*, steps_per_phase=1, topics_per_step=12, optional_steps=0, slug=None, step_slugs=None):
    """A synthetic roadmap shaped like the real one: four phases over 12 months, each with
    `steps_per_phase` required steps of `topics_per_step` topics, plus `optional_steps` optional steps in
    the last phase. `step_slugs` names the steps in order (default step-1, step-2, ...)."""
    roadmap = RoadmapFactory(**({"slug": slug} if slug else {}))
    number = 0
    for order, (phase_slug, start, end) in enumerate(PLAN_PHASES):
        phase = PhaseFactory(
            roadmap=roadmap, slug=phase_slug, title=phase_slug.title(), order=order, start_month=start, end_month=end
        )
        count = steps_per_phase + (optional_steps if order == len(PLAN_PHASES) - 1 else 0)
        for index in range(count):
            number += 1
            step_slug = step_slugs[number - 1] if step_slugs and number <= len(step_slugs) else f"step-{number}"
            step = StepFactory(
                roadmap=roadmap,
                phase=phase,
                number=number,
                slug=step_slug,
                title=f"Step {number}",
                optional=index >= steps_per_phase,
            )
            Topic.objects.bulk_create(
                Topic(step=step, slug=f"{step_slug}-topic-{t + 1}", title=f"Topic {number}.{t + 1}", order=t)
                for t in range(topics_per_step)
            )
    return roadmap


# --- portfolio ---------------------------------------------------------------------------------


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project written from the showcase template; a draft unless `visibility` says otherwise.
    Use portfolio.services to change one the way learners do (rendering, share image digest)."""

    class Meta:
        model = "portfolio.Project"

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    tier = "beginner"
    overview = "Predict churn from usage data; the model beats the baseline."
    overview_html = "<p>Predict churn from usage data; the model beats the baseline.</p>"
    tech_stack = factory.LazyFunction(lambda: {"backend": ["Python", "FastAPI"], "ml": ["PyTorch"]})
    features = factory.LazyFunction(lambda: [{"text": "Fast API", "metric": "p95 120 ms"}])
    visibility = "draft"
    position = factory.Sequence(lambda n: n)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portfolio.Report"

    user = factory.SubFactory(UserFactory)
    reason = "spam"
    message = "Advertising"
    url = factory.LazyAttribute(lambda o: f"/u/{o.user.username}/")


def insert_roadmap(rows):
    """Insert the rows of the `roadmap_rows` fixture (the real roadmap's rows, with the primary keys
    the loader gave them) and return the roadmap. In one transaction: foreign keys are checked at its
    end, whatever the order of the models."""
    with transaction.atomic():
        for model, values in rows:
            model.objects.bulk_create(model(**row) for row in values)
    return Roadmap.objects.get(slug="ai-engineer")
