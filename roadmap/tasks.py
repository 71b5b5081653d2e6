"""Celery tasks of the roadmap: thin wrappers around its services."""

from celery import shared_task

from roadmap.link_services import links_check


@shared_task(name="roadmap.check_links")
def check_links() -> dict:
    """Check every resource and tool link, record the results, email the editors about newly broken ones.

    Running it twice is harmless: a broken link is reported to the editors once.
    """
    report = links_check()
    return {"checked": report.checked, "states": dict(report.states), "newly_broken": len(report.newly_broken)}
