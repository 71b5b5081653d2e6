from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from roadmap import selectors


@login_required
def dashboard(request):
    roadmap = selectors.default_roadmap()
    progress = selectors.progress_for(request.user, roadmap) if roadmap else None
    return render(
        request,
        "accounts/dashboard.html",
        {
            "roadmap": roadmap,
            "progress": progress,
            "phases": selectors.phases_with_steps(roadmap) if roadmap else [],
            "next_topics": selectors.next_topics(request.user, roadmap, progress=progress) if roadmap else [],
        },
    )
