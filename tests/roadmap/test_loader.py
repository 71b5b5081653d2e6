"""The content file holds the whole seed roadmap, loads idempotently and round-trips exactly."""

import ast
import copy

import pytest
from django.core.cache import cache
from django.core.management import call_command

from roadmap.content_export import dump_yaml, roadmap_export
from roadmap.loader import DEFAULT_FILE, ContentError, roadmap_load
from roadmap.models import (
    CodeExample,
    Phase,
    ProjectIdea,
    Question,
    Resource,
    RoadmapChange,
    Step,
    Tool,
    Topic,
    TopicProgress,
)
from roadmap.services import mark_topic, record_change

SEED_STEPS = [
    (1, "Programming Fundamentals (Python)", "foundation"),
    (2, "Mathematics for AI", "foundation"),
    (3, "Statistical Machine Learning", "core-ml"),
    (4, "Deep Learning", "core-ml"),
    (5, "Natural Language Processing (NLP)", "specialization"),
    (6, "Computer Vision", "specialization"),
    (7, "Generative AI & AI Agents", "specialization"),
    (8, "Reinforcement Learning", "specialization"),
    (9, "Version Control (Git & GitHub)", "foundation"),
    (10, "SQL for Data Management", "foundation"),
    (11, "MLOps & Deployment", "advanced"),
]

SEED_GROUPS = {
    "python": ["Core Concepts", "Essential Libraries"],
    "mathematics": ["Linear Algebra", "Calculus", "Probability & Statistics", "Optimization"],
    "statistical-ml": ["Statistics", "Supervised Learning", "Unsupervised Learning", "Model Optimization"],
    "deep-learning": ["Fundamentals", "Architectures", "Advanced Topics"],
    "generative-ai": [
        "LLM Fundamentals",
        "Prompt Engineering",
        "LangChain Framework",
        "Vector Databases",
        "Agentic AI",
    ],
    "mlops": ["Model Management", "Deployment", "Cloud Platforms", "Monitoring"],
}

SEED_TOPICS = [
    "Variables, Data Types, Loops, Conditionals",
    "Functions, Error Handling, Debugging",
    "Object-Oriented Programming (OOP)",
    "Matrices",
    "Eigenvalues",
    "Bayes' Theorem",
    "Gradient Descent",
    "Regression (Linear, Polynomial, Logistic)",
    "Trees (Decision Trees, Random Forest)",
    "Boosting (XGBoost, LightGBM, CatBoost)",
    "Clustering (K-means, DBSCAN)",
    "Dimensionality Reduction (PCA, t-SNE)",
    "Cross-validation",
    "Hyperparameter Tuning",
    "Neural Networks, Activation Functions",
    "CNNs - Computer Vision",
    "RNNs/LSTMs - Sequential Data",
    "Transformers - NLP Tasks",
    "Generative Adversarial Networks (GANs)",
    "Variational Autoencoders (VAEs)",
    "Transfer Learning",
    "Tokenization, Stemming, Lemmatization",
    "Word Embeddings (Word2Vec, GloVe)",
    "Transformer Architectures (BERT, GPT, T5)",
    "Fine-tuning Pretrained Models",
    "Image Processing with OpenCV",
    "Object Detection (YOLO, Faster R-CNN)",
    "Generative Models (StyleGAN, BigGAN)",
    "Chain-of-Thought",
    "RAG",
    "FAISS",
    "Tool Usage",
    "Game AI (AlphaGo, OpenAI Gym)",
    "Robotics Control",
    "Repository Management",
    "Branching Strategies",
    "Basic Queries (SELECT, INSERT, UPDATE, DELETE)",
    "Window Functions and CTEs",
    "Query Optimization",
    "MLflow",
    "Drift Detection",
]

SEED_RESOURCES = [
    "Official Python Documentation",
    "Python Mastery Playlist",
    "Pandas Tutorial Series",
    "Complete Math for AI & Data Science",
    "Gradient Descent Deep Dive",
    "Machine Learning Playlist",
    "Kaggle Competitions",
    "TensorFlow Official",
    "PyTorch Tutorials",
    "Deep Learning Specialization",
    "Hugging Face Course",
    "NLP with Python",
    "Generative AI Course",
    "OpenCV Tutorials",
    "Computer Vision Playlist",
    "LangChain Documentation",
    "OpenAI Cookbook",
    "Spinning Up in Deep RL",
    "Reinforcement Learning Course",
    "Complete Git & GitHub Guide",
    "MLOps Complete Guide",
    "AWS Machine Learning",
]

SEED_TOOLS = [
    "Python",
    "SQL",
    "Bash",
    "PyTorch",
    "TensorFlow",
    "Scikit-learn",
    "LangChain",
    "Hugging Face",
    "OpenAI API",
    "Pandas",
    "NumPy",
    "Polars",
    "Spark",
    "Matplotlib",
    "Plotly",
    "Seaborn",
    "FastAPI",
    "Docker",
    "Kubernetes",
    "AWS",
    "GCP",
    "Azure",
    "Hugging Face Spaces",
    "MLflow",
    "Weights & Biases",
    "Grafana",
    "statsmodels",
    "SciPy",
    "spaCy",
    "NLTK",
    "OpenCV",
    "FAISS",
    "ChromaDB",
    "DVC",
]

SEED_IDEAS = {
    "Predictive Modeling": ["House Price Prediction", "Customer Churn Analysis", "Spam Detection System"],
    "Basic NLP": ["Sentiment Analysis Tool", "Text Classification API"],
    "Computer Vision": ["Object Detection System", "Facial Recognition App", "Image Classification Service"],
    "Advanced NLP": ["Chatbot with RAG", "Text Summarization Tool", "Named Entity Recognition"],
    "Generative AI": ["Document Q&A System", "AI Research Assistant", "Multi-modal AI Application"],
    "End-to-End Systems": ["MLOps Pipeline", "Real-time Inference API", "Automated Training System"],
}


def test_phases_are_the_seeds_four_with_their_months(roadmap):
    phases = list(
        Phase.objects.filter(roadmap=roadmap).order_by("order").values_list("slug", "title", "start_month", "end_month")
    )
    assert phases == [
        ("foundation", "Foundation", 1, 3),
        ("core-ml", "Core ML", 4, 6),
        ("specialization", "Specialization", 7, 9),
        ("advanced", "Advanced", 10, 12),
    ]
    assert Phase.objects.get(slug="foundation").focus == ["Python", "Mathematics", "Git", "SQL"]


def test_steps_keep_the_seeds_numbers_titles_and_phases(roadmap):
    steps = list(Step.objects.filter(roadmap=roadmap).order_by("number").values_list("number", "title", "phase__slug"))
    assert steps == SEED_STEPS
    assert list(Step.objects.filter(optional=True).values_list("slug", flat=True)) == ["reinforcement-learning"]


def test_every_topic_group_and_topic_is_present(roadmap):
    for step_slug, groups in SEED_GROUPS.items():
        seen = list(
            dict.fromkeys(Topic.objects.filter(step__slug=step_slug).order_by("order").values_list("group", flat=True))
        )
        assert seen == groups, step_slug
    titles = set(Topic.objects.values_list("title", flat=True))
    assert set(SEED_TOPICS) <= titles
    assert Topic.objects.count() == 79


def test_every_tool_resource_and_code_example_is_present(roadmap):
    names = set(Tool.objects.values_list("name", flat=True))
    assert set(SEED_TOOLS) <= names
    essential = list(
        Tool.objects.filter(essential=True).order_by("order").values_list("category", flat=True).distinct()
    )
    assert list(dict.fromkeys(essential)) == [
        "Programming",
        "ML Frameworks",
        "LLM Development",
        "Data Processing",
        "Visualization",
        "Deployment",
        "Cloud",
        "Monitoring",
    ]
    assert set(SEED_RESOURCES) <= set(Resource.objects.values_list("title", flat=True))
    # The seed's SQL playlist is linked as the one long video it is, and says so.
    sql = Resource.objects.get(slug="sql-mastery-playlist")
    assert (sql.title, sql.kind) == ("SQL Course for Beginners (one video)", "video")
    assert sql.description.startswith("In place of the roadmap's “SQL Mastery Playlist”")
    assert all(url.startswith("https://") for url in Resource.objects.values_list("url", flat=True))
    assert CodeExample.objects.count() == 4
    assert "import torch.nn as nn" in CodeExample.objects.get(step__slug="deep-learning").code


def test_seventeen_project_ideas_in_six_categories(roadmap):
    ideas = {}
    for category, title in ProjectIdea.objects.order_by("order").values_list("category", "title"):
        ideas.setdefault(category, []).append(title)
    assert ideas == SEED_IDEAS
    assert ProjectIdea.objects.filter(tier="beginner").count() == 5
    assert ProjectIdea.objects.filter(tier="intermediate").count() == 6
    assert ProjectIdea.objects.filter(tier="advanced").count() == 6
    assert not ProjectIdea.objects.filter(steps=None).exists()


def test_guide_sections_hold_the_seeds_facts(roadmap):
    guide = roadmap.guide
    assert [p["title"] for p in guide["formula"]] == [
        "Machine Learning Expertise",
        "Broad AI Knowledge",
        "Deployment & Scalability Skills",
        "Interdisciplinary Collaboration",
    ]
    assert len(guide["responsibilities"]) == 6
    assert [s["title"] for s in guide["showcase_template"]] == [
        "Overview",
        "Tech Stack",
        "Key Features",
        "Live Demo",
        "Code Repository",
    ]
    assert [t["duration"] for t in guide["project_tiers"]] == ["2-3 months", "3-4 months", "4-6 months"]
    assert [m["slug"] for m in guide["success_metrics"]] == [
        "projects",
        "specializations",
        "production-deployment",
        "github-profile",
        "mlops",
    ]
    assert len(guide["pro_tips"]) == 5
    assert [p["name"] for p in guide["additional_resources"]["people"]] == [
        "Andrej Karpathy",
        "Sebastian Raschka",
        "Harrison Chase",
    ]
    assert [c["name"] for c in guide["cloud_platforms"]] == ["AWS", "Google Cloud", "Microsoft Azure", "Hugging Face"]
    assert roadmap.version == "2.0"


def test_loading_twice_changes_nothing(roadmap, roadmap_data):
    changes_before = RoadmapChange.objects.count()
    result = roadmap_load(data=roadmap_data)
    assert (result.created, result.changed, result.deleted) == (0, 0, 0)
    assert RoadmapChange.objects.count() == changes_before


def test_export_round_trips_the_file_exactly(roadmap):
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert dump_yaml(roadmap_export(roadmap)) == text


def test_load_export_load_changes_nothing(roadmap, tmp_path):
    path = tmp_path / "export.yaml"
    call_command("export_roadmap", output=str(path))
    before = RoadmapChange.objects.count()
    call_command("load_roadmap", str(path))
    assert RoadmapChange.objects.count() == before


def test_renaming_and_moving_a_topic_keeps_progress(roadmap, roadmap_data, user):
    topic = Topic.objects.get(slug="math-matrices")
    mark_topic(user=user, topic=topic, status="done")
    data = copy.deepcopy(roadmap_data)
    math = next(s for s in data["steps"] if s["slug"] == "mathematics")
    moved = next(t for t in math["topics"] if t["slug"] == "math-matrices")
    math["topics"].remove(moved)
    moved["title"] = "Matrices and matrix operations"
    next(s for s in data["steps"] if s["slug"] == "deep-learning")["topics"].append(moved)

    result = roadmap_load(data=data)

    topic.refresh_from_db()
    assert (topic.title, topic.step.slug) == ("Matrices and matrix operations", "deep-learning")
    assert TopicProgress.objects.get(user=user).topic_id == topic.pk
    change = RoadmapChange.objects.filter(object_type="topic", action="changed").latest("id")
    assert {f["field"] for f in change.fields} >= {"title", "step"}
    assert result.changed >= 1


def test_a_topic_removed_from_the_file_is_deleted_and_logged(roadmap, roadmap_data, user):
    mark_topic(user=user, topic=Topic.objects.get(slug="math-matrices"), status="done")
    data = copy.deepcopy(roadmap_data)
    math = next(s for s in data["steps"] if s["slug"] == "mathematics")
    math["topics"] = [t for t in math["topics"] if t["slug"] != "math-matrices"]
    # A self-check question that tested it lets go of it too (an unknown topic is refused).
    for question in math.get("questions") or []:
        if question.get("topic") == "math-matrices":
            del question["topic"]
    roadmap_load(data=data)
    assert not Topic.objects.filter(slug="math-matrices").exists()
    assert not TopicProgress.objects.filter(user=user).exists()
    assert RoadmapChange.objects.filter(action="deleted", object_type="topic", object_repr="Matrices").exists()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["steps"][0].update(phase="nowhere"), "unknown phase 'nowhere'"),
        (lambda d: d["steps"][1]["topics"][0].update(slug=d["steps"][0]["topics"][0]["slug"]), "is used twice"),
        (lambda d: d["steps"][0]["resources"][0].update(url="javascript:alert(1)"), "url must start with"),
        (lambda d: d["project_ideas"][0].update(tier="expert"), "tier must be one of"),
        (lambda d: d["steps"][0].update(tools=["no-such-tool"]), "unknown tool 'no-such-tool'"),
    ],
)
def test_invalid_content_is_refused_with_a_clear_message_and_writes_nothing(db, roadmap_data, mutate, message):
    data = copy.deepcopy(roadmap_data)
    mutate(data)
    with pytest.raises(ContentError, match=message):
        roadmap_load(data=data)
    assert Step.objects.count() == 0


def test_a_fresh_install_is_one_changelog_entry(roadmap):
    [change] = RoadmapChange.objects.all()
    assert (change.action, change.object_type, change.actor_name) == ("created", "roadmap", "load_roadmap")
    assert change.object_repr == (
        f"AI Engineer Roadmap 2025/26 2.0, imported with 4 phases, 11 steps, 79 topics, {Tool.objects.count()} tools, "
        f"{Resource.objects.count()} resources, 4 code examples, 17 project ideas and "
        f"{Question.objects.count()} self-check questions"
    )
    assert change.url == "/roadmaps/ai-engineer/"


def test_changes_after_the_import_are_logged_one_by_one(roadmap, roadmap_data):
    data = copy.deepcopy(roadmap_data)
    data["steps"][0]["topics"].append({"slug": "python-typing", "title": "Type hints", "group": "Core Concepts"})
    data["phases"][0]["title"] = "Foundations"
    roadmap_load(data=data)
    created = RoadmapChange.objects.get(action="created", object_type="topic")
    assert created.object_repr == "Type hints"
    changed = RoadmapChange.objects.get(action="changed", object_type="phase")
    assert changed.field_changes == [{"field": "title", "old": "Foundation", "new": "Foundations", "label": "Title"}]


def test_changelog_diffs_use_field_labels(client, roadmap):
    step = Step.objects.get(slug="sql")
    resource = step.resources.first()
    record_change(
        roadmap=roadmap,
        obj=step,
        action=RoadmapChange.Action.CHANGED,
        fields=[{"field": "number", "old": "10", "new": "5"}, {"field": "why", "old": "", "new": "Data lives there."}],
    )
    record_change(
        roadmap=roadmap,
        obj=resource,
        action=RoadmapChange.Action.CHANGED,
        fields=[{"field": "url", "old": "https://old.example/", "new": "https://new.example/"}],
    )
    html = client.get("/roadmaps/ai-engineer/changes/").content.decode()
    assert "<strong>Number</strong>: <del>10</del> &rarr; <ins>5</ins>" in html
    assert "<strong>Why</strong>: <del>(empty)</del> &rarr; <ins>Data lives there.</ins>" in html
    assert "<strong>URL</strong>: <del>https://old.example/</del>" in html
    feed = client.get("/roadmaps/ai-engineer/changes/feed/").content.decode()
    assert "&lt;strong&gt;Number&lt;/strong&gt;: 10 &amp;rarr; 5" in feed


def test_the_feed_names_editors_by_display_name_only(client, roadmap, editor):
    step = Step.objects.get(slug="sql")
    record_change(roadmap=roadmap, obj=step, action=RoadmapChange.Action.CHANGED, fields=["title"], actor=editor)
    feed = client.get("/roadmaps/ai-engineer/changes/feed/").content.decode()
    assert "<name>Roadmap editors</name>" in feed
    assert "editor@example.com" not in feed
    assert "<name>editor</name>" not in feed
    assert "<name>load_roadmap</name>" not in feed

    editor.display_name = "Grace Hopper"
    editor.save()
    cache.clear()  # the feed is kept until the roadmap changes; a new display name is not a change
    feed = client.get("/roadmaps/ai-engineer/changes/feed/").content.decode()
    assert "<name>Grace Hopper</name>" in feed


def test_export_round_trips_whatever_order_the_database_keeps(roadmap):
    # PostgreSQL (jsonb) keeps a JSON object's keys in an order of its own; the export does not.
    roadmap.guide = {key: roadmap.guide[key] for key in reversed(list(roadmap.guide))}
    roadmap.guide["intro_video"] = dict(reversed(list(roadmap.guide["intro_video"].items())))
    assert dump_yaml(roadmap_export(roadmap)) == DEFAULT_FILE.read_text(encoding="utf-8")


def test_every_code_example_parses_and_avoids_removed_apis(roadmap):
    removed = {"LLMChain", "Agents", "ViTFeatureExtractor"}
    for example in CodeExample.objects.filter(language="python"):
        tree = ast.parse(example.code)
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert not imported & removed, (example.title, imported & removed)
        assert not any(isinstance(n, ast.ImportFrom) and n.module == "langchain" for n in ast.walk(tree))
