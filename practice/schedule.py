"""The spaced review schedule: a ladder of intervals. A topic done today is first due a rung-1
interval later; each remembered review moves it a rung up (a longer wait), each forgotten one a rung
down (a shorter wait). Pure calculations on dates in the learner's time zone."""

from datetime import date, timedelta

# Days until the next review, by rung. Rung 1 is where a newly done topic starts.
LADDER = (1, 2, 7, 21, 60, 180)
FIRST_RUNG = 1


def first_due(done_on: date) -> date:
    """The first review day of a topic done on `done_on`."""
    return done_on + timedelta(days=LADDER[FIRST_RUNG])


def next_rung(rung: int, *, remembered: bool) -> int:
    """The rung after a review: up one when remembered, down one when forgotten (within the ladder)."""
    rung = min(max(rung, 0), len(LADDER) - 1)
    return min(rung + 1, len(LADDER) - 1) if remembered else max(rung - 1, 0)


def interval(rung: int) -> int:
    return LADDER[min(max(rung, 0), len(LADDER) - 1)]
