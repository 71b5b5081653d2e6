from django.core.management.base import BaseCommand, CommandError

from roadmap import linkcheck
from roadmap.link_fields import LinkState
from roadmap.link_services import links_check, links_to_check
from roadmap.models import Resource, Tool


class Command(BaseCommand):
    help = (
        "Check every resource and tool link of the roadmap (HEAD, then GET where refused; redirects followed), "
        "record the results, and email the Editors group about links that newly broke."
    )

    def add_arguments(self, parser):
        parser.add_argument("--step", help="only the resources of the step with this slug, and the tools it uses")
        parser.add_argument(
            "--timeout", type=float, default=linkcheck.DEFAULT_TIMEOUT, help="seconds to wait for an answer"
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=linkcheck.DEFAULT_MAX_CONNECTIONS,
            help="requests open at once, overall",
        )
        parser.add_argument(
            "--per-host", type=int, default=linkcheck.DEFAULT_PER_HOST, help="requests open at once to one host"
        )

    def handle(self, *args, step, timeout, connections, per_host, verbosity, **options):
        if timeout <= 0 or connections < 1 or per_host < 1:
            raise CommandError("--timeout must be positive, --connections and --per-host at least 1.")
        if step:
            resources = Resource.objects.filter(step__slug=step).select_related("step").order_by("order", "id")
            if not resources.exists():
                raise CommandError(f"No resources in a step with the slug {step!r}.")
            tools = Tool.objects.with_address().filter(step_tools__step__slug=step).order_by("name")
            items = [*resources, *tools]
        else:
            items = links_to_check()
        report = links_check(items=items, timeout=timeout, max_connections=connections, per_host=per_host)
        if verbosity >= 2:
            for item in report.recorded:
                detail = item.check_error or f"HTTP {item.check_status}"
                self.stdout.write(f"{item.get_link_state_display():16} {detail:30} {item.url}")
        summary = ", ".join(
            f"{count} {LinkState(state).label.lower()}" for state, count in sorted(report.states.items())
        )
        self.stdout.write(f"Checked {report.checked} links: {summary or 'none'}.")
        if report.newly_broken:
            names = ", ".join(str(item) for item in report.newly_broken)
            self.stdout.write(self.style.WARNING(f"Newly broken: {names}."))
        if report.emailed_to:
            self.stdout.write(f"Emailed the editors: {', '.join(report.emailed_to)}.")
