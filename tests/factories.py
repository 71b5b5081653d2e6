"""factory_boy factories for the project's models."""

import factory
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
