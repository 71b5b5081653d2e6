"""The learner's practice pages: a step's self-check (take it, see the score with every explanation,
retake), the spaced review of done topics, and the private calendar feed. Every page works without
JavaScript; answers are scored on the server and never sent before the learner submits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.views import error_page
from practice import calendar, selectors, services
from practice.forms import CalendarActionForm, QuestionsForm, SelfRatingForm
from practice.models import PASS_PERCENT
from practice.scoring import score
from roadmap import selectors as roadmap_selectors

REVIEW_QUEUE_SHOWN = 20


def _step(slug, step_slug):
    """A step of a published roadmap, with its roadmap, or 404. One query."""
    step = roadmap_selectors.step_get_published(slug, step_slug)
    return step.roadmap, step


def _check_context(request, roadmap, step, questions, form):
    user = request.user
    context = {
        "roadmap": roadmap,
        "step": step,
        "questions": questions,
        "form": form,
        "pass_percent": PASS_PERCENT,
        "best": None,
        "attempts": [],
    }
    if user.is_authenticated:
        context["best"] = selectors.best_check(user, step)
        context["attempts"] = selectors.attempts_for(user, step, limit=5)
    return context


@require_http_methods(["GET", "HEAD", "POST"])
def check(request, slug, step_slug):
    """A step's self-check: the questions as a form (GET), scored on the server (POST). A signed-in
    learner's attempt is kept and shown on its own page; a visitor sees the score once."""
    roadmap, step = _step(slug, step_slug)
    questions = selectors.questions_for(step=step)
    form = QuestionsForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST":
        if not questions:
            return error_page(request, 400, "No self-check", "This step has no self-check yet: nothing to submit.")
        if form.is_valid():
            try:
                if request.user.is_authenticated:
                    attempt, _result = services.check_submit(user=request.user, step=step, answers=form.answers())
                    attempt.step = step
                    return redirect(attempt.get_absolute_url())
                result = services.check_score(step=step, answers=form.answers())
            except ValidationError as exc:
                return error_page(request, 400, "Bad answers", " ".join(exc.messages))
            context = _check_context(request, roadmap, step, questions, None)
            context.update(result=result, attempt=None, score=result)
            return render(request, "practice/check_result.html", context)
        response = render(request, "practice/check.html", _check_context(request, roadmap, step, questions, form))
        response.status_code = 400
        return response
    return render(request, "practice/check.html", _check_context(request, roadmap, step, questions, form))


@login_required
@require_GET
def attempt_detail(request, slug, step_slug, attempt_id):
    """One of the learner's own attempts: the score, their answers, the right ones and every explanation."""
    roadmap, step = _step(slug, step_slug)
    attempt = selectors.attempt_get(request.user, step, attempt_id)
    questions = selectors.questions_for(step=step)
    answers = {int(question_id): choices for question_id, choices in attempt.answers.items()}
    # The answers shown against today's questions; the score is the one kept (an editor may have
    # changed the questions since, which the page then says).
    result = score(questions, answers)
    context = _check_context(request, roadmap, step, questions, None)
    context.update(
        result=result,
        attempt=attempt,
        score=attempt,
        questions_changed=(result.correct, result.total) != (attempt.correct, attempt.total),
    )
    response = render(request, "practice/check_result.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- review -----------------------------------------------------------------------------------


@login_required
@require_GET
def review(request):
    """What is due for review today: the first due topic as a form (its questions, or a self rating
    with its step's resources), the rest of the queue below it, and the result of the last review."""
    user = request.user
    today = user.today()
    due = selectors.due_reviews(user, today=today)
    current = due[0] if due else None
    context = {
        "today": today,
        "due": due[:REVIEW_QUEUE_SHOWN],
        "due_count": len(due),
        "current": current,
        "questions": [],
        "form": None,
        "resources": [],
        "last": None,
        "upcoming": selectors.review_calendar(user, today=today)[:8],
        "feed": selectors.calendar_feed_for(user),
    }
    if current is not None:
        context.update(_review_form_context(current, None))
    last_id = request.GET.get("reviewed", "")
    if last_id.isdigit() and len(last_id) < 12:
        last = selectors.review_log_get(user, int(last_id))
        context["last"] = last
        if last is not None and last.kind == last.Kind.QUESTIONS:
            answers = {int(question_id): choices for question_id, choices in last.answers.items()}
            context["last_result"] = score(selectors.questions_for(topic=last.topic), answers)
    return render(request, "practice/review.html", context)


def _review_form_context(current, data):
    questions = selectors.questions_for(topic=current.topic)
    form = QuestionsForm(data, questions=questions) if questions else SelfRatingForm(data)
    resources = selectors.step_resources([current.topic.step_id]).get(current.topic.step_id, [])
    return {"questions": questions, "form": form, "resources": resources}


@login_required
@require_POST
def review_submit(request, topic_id):
    """Record a review of one of the learner's done topics, then show the next one."""
    user = request.user
    progress = selectors.done_progress_get(user, topic_id)
    context = _review_form_context(progress, request.POST)
    form = context["form"]
    if not form.is_valid():
        today = user.today()
        due = selectors.due_reviews(user, today=today)
        context.update(
            today=today,
            due=due[:REVIEW_QUEUE_SHOWN],
            due_count=len(due),
            current=progress,
            last=None,
            upcoming=selectors.review_calendar(user, today=today)[:8],
            feed=selectors.calendar_feed_for(user),
        )
        response = render(request, "practice/review.html", context)
        response.status_code = 400
        return response
    try:
        if context["questions"]:
            log, _result = services.review_record(user=user, progress=progress, answers=form.answers())
        else:
            log, _result = services.review_record(
                user=user, progress=progress, remembered=form.cleaned_data["remembered"]
            )
    except ValidationError as exc:
        return error_page(request, 400, "Bad answers", " ".join(exc.messages))
    return redirect(f"{reverse('practice:review')}?reviewed={log.pk}#last-review")


# --- calendar ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request):
    """The learner's private calendar feed: its address, and buttons to create, reset or turn it off."""
    if request.method == "POST":
        form = CalendarActionForm(request.POST)
        if not form.is_valid():
            return error_page(request, 400, "Bad request", "Choose to create, reset or turn off your calendar feed.")
        action = form.cleaned_data["action"]
        if action == "delete":
            if services.calendar_feed_delete(user=request.user):
                messages.success(request, "Your calendar feed is off: its address no longer works.")
            else:
                messages.info(request, "You had no calendar feed.")
        else:
            had = selectors.calendar_feed_for(request.user) is not None
            services.calendar_feed_reset(user=request.user)
            messages.success(
                request,
                "Your calendar feed has a new address: the old one no longer works. Update it in your calendar app."
                if had
                else "Your calendar feed is ready: add its address to your calendar app.",
            )
        return redirect("practice:calendar")
    feed = selectors.calendar_feed_for(request.user)
    url = request.build_absolute_uri(feed.get_absolute_url()) if feed else ""
    response = render(
        request,
        "practice/calendar.html",
        {
            "feed": feed,
            "feed_url": url,
            "webcal_url": url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def calendar_feed(request, token):
    """The private .ics feed: the plan's milestones and the review days. The token in the address is
    the only credential (calendar apps cannot sign in); an unknown or reset token is a 404."""
    feed = selectors.calendar_feed_get(token)
    roadmap = roadmap_selectors.default_roadmap()
    body = calendar.feed_ics(feed.user, roadmap, base_url=request.build_absolute_uri("/"))
    services.calendar_feed_fetched(feed=feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ai-engineer-plan.ics"'
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex"
    return response
