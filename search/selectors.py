"""Site search: one selector, `search()`, over the search index (search/models.py), with two backends.

- PostgreSQL: full text over the stored, GIN-indexed vector (English stemming: "transformer" finds
  "Transformers"), ranked with SearchRank, plus pg_trgm word similarity on titles for typos
  ("pytorh" finds "PyTorch"), through the trigram GIN index.
- SQLite (the `make run` default): every word, lightly stemmed, must appear in the title, context or
  text; titles that match rank first.

Only public things are found: the index holds only them, and every query checks again against the
live rows (a roadmap still published; a project still public, not hidden, on a public page of an
active learner; a profile still public), so that an index lagging behind a bulk write can never show
something private.

Work is bounded: roadmap content (a few hundred documents) is searched whole; learners' projects and
pages, of which there can be any number, through a window of at most WINDOW matches of each (see
WINDOW). Typos: a query that matches nothing word for word is tried again on title similarity
(PostgreSQL: every kind, through the trigram index; SQLite: the roadmap's content, in Python).
Queries, whatever the amount of data: at most five for the grouped page or suggestions (all the
content's matches; for projects and people each, the window's ids and its best few), four for one
kind's page; twice that for a query tried again for typos.
"""

import difflib
import re
from dataclasses import dataclass, field, fields

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portfolio.models import Project, portfolio_page_visible_q
from search.models import CONTENT_KINDS, Kind, ProfileDocument, ProjectDocument, SearchDocument

QUERY_MAX = 200
TERMS_MAX = 8
PER_KIND = 5
PAGE_SIZE = 20
SNIPPET = 180
# Word similarity above which a title word counts as a typo of a query word: pg_trgm's default, and
# on SQLite difflib's ratio (by which "pytorh" and "pytorch" score 0.92).
TYPO_SIMILARITY = 0.6
SQLITE_TYPO_SIMILARITY = 0.8
# Shorter words are not looked for among similar titles on SQLite: "rag" is like half the index.
TYPO_MIN_LENGTH = 4
WORD = re.compile(r"\w+", re.UNICODE)
EXCLUDED = re.compile(r"(?:^|\s)-\"?(\w+)", re.UNICODE)


class SearchError(ValueError):
    """A query that cannot be searched; the message says why, for the person who typed it."""


@dataclass
class Hit:
    kind: str
    title: str
    context: str
    url: str
    snippet: str
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class Group:
    kind: str
    label: str
    # Capped at WINDOW for learners' kinds; `more` says there are more.
    count: int
    hits: list[Hit]
    page: Page | None = None
    more: bool = False


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    groups: list[Group] = field(default_factory=list)
    kind: str | None = None
    # {kind: number of matches} of every kind with any (capped at WINDOW), and the kinds with more.
    counts: dict = field(default_factory=dict)
    more: set = field(default_factory=set)
    # Nothing matched word for word; these are titles with words like the query's (PostgreSQL).
    typo: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def tabs(self) -> list[tuple[str, str, str]]:
        """(kind, label, count as shown: "12", "500+") of the kinds with matches, in Kind's order."""
        return [
            (value, label, f"{self.counts[value]}{'+' if value in self.more else ''}")
            for value, label in Kind.choices
            if self.counts.get(value)
        ]

    @property
    def total_label(self) -> str:
        return f"{self.total:,}{'+' if self.more else ''}"


def parse_query(query: str) -> tuple[str, list[str]]:
    """(the query tidied, the words it looks for: not those it excludes with a minus). Raises
    SearchError for a query that is too long."""
    query = " ".join((query or "").replace("\x00", " ").split())
    if len(query) > QUERY_MAX:
        raise SearchError(f"Search for at most {QUERY_MAX} characters.")
    excluded = {word.lower() for word in EXCLUDED.findall(query)}
    words = (word.lower() for word in WORD.findall(query))
    terms = list(dict.fromkeys(word for word in words if word not in excluded))[:TERMS_MAX]
    return query, terms


def excluded_words(query: str) -> list[str]:
    """Words the query excludes with a leading minus ("deployment -mlops")."""
    return sorted({word.lower() for word in EXCLUDED.findall(query)})[:TERMS_MAX]


SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "s", "ed")


def stem(term: str) -> str:
    """The part of a word its variants share, for the SQLite match: common English endings go
    ("transformers" and "transformer" -> "transform"), leaving at least four letters."""
    for suffix in SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[: -len(suffix)]
    return term


def _mark_stem(term: str) -> str:
    """What a highlighted word must start with: the stem, or for a long word without a known ending
    all but its last two letters, so that a typo's match is marked too ("pytorh" marks "PyTorch")."""
    stemmed = stem(term)
    if stemmed == term and len(term) >= 6:
        return term[:-2]
    return stemmed


# --- highlighting: escape first, then mark --------------------------------------------------------


def _pattern(terms: list[str]) -> re.Pattern | None:
    stems = sorted({_mark_stem(t) for t in terms}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    """`text` escaped, with each word that starts like a query word wrapped in <mark>. The raw text
    is split on the matches and every piece escaped on its own, so no mark can cut an entity."""
    if pattern is None:
        return escape(text)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # every piece was escaped above


def snippet(body: str, pattern: re.Pattern | None, length: int = SNIPPET) -> str:
    """A window of the text around its first match (its beginning when nothing matches)."""
    if len(body) <= length:
        return body
    match = pattern.search(body) if pattern else None
    start = 0 if match is None else max(0, match.start() - length // 3)
    if start:
        # Start at a word.
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < match.start() else start
    text = body[start : start + length].rsplit(" ", 1)[0]
    return ("…" if start else "") + text + "…"


def _hit(kind: str, doc, pattern) -> Hit:
    text = snippet(doc.body, pattern)
    return Hit(
        kind=kind,
        title=doc.title,
        context=doc.context,
        url=doc.url,
        snippet=text,
        title_html=highlight(doc.title, pattern),
        snippet_html=highlight(text, pattern),
    )


# --- the two backends -------------------------------------------------------------------------


# Roadmap content is a few hundred documents: searched whole. Learners' projects and pages can be
# many: for each, a search ranks at most WINDOW matches, the first the database finds (through the
# full-text index for a rare word, by reading on until it has them for a common one), and says
# "200+" when there are more, so that a word in thousands of projects costs no more than a rare one.
# (The most recent ones instead would need every match sorted first, or a walk by id that a
# medium-rare word makes long.)
WINDOW = 200
LEARNERS = {Kind.PROJECT: ProjectDocument, Kind.PROFILE: ProfileDocument}


def _visible(kind: str) -> Q:
    """Documents of `kind` whose things are public right now, by the live rows."""
    if kind == Kind.PROJECT:
        public = Q(project__visibility=Project.Visibility.PUBLIC, project__hidden=False)
        return public & portfolio_page_visible_q("project__owner__")
    if kind == Kind.PROFILE:
        return portfolio_page_visible_q("profile__")
    return Q(roadmap__published=True)


def _postgresql(model, query: str, terms: list[str], prefix: bool, typo: bool):
    if typo:
        # Nothing matched word for word: titles with a word like one of the query's ("pytorh").
        words = " ".join(terms)
        matches = model.objects.filter(title__trigram_word_similar=words)
        if excluded := excluded_words(query):
            matches = matches.exclude(vector=SearchQuery(" | ".join(excluded), search_type="raw", config="english"))
        return matches, TrigramWordSimilarity(words, "title")
    if prefix:
        # As you type: every word whole but the last, which may be the start of one ("transf").
        text = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
        search_query = SearchQuery(text, search_type="raw", config="english")
    else:
        search_query = SearchQuery(query, search_type="websearch", config="english")
    return model.objects.filter(vector=search_query), SearchRank(F("vector"), search_query)


def _sqlite(model, query: str, terms: list[str]):
    matches = model.objects.all()
    for term in terms:
        part = stem(term)
        matches = matches.filter(Q(title__icontains=part) | Q(context__icontains=part) | Q(body__icontains=part))
    for word in excluded_words(query):
        matches = matches.exclude(Q(title__icontains=word) | Q(context__icontains=word) | Q(body__icontains=word))
    first = stem(terms[0])
    rank = Case(
        When(title__iexact=" ".join(terms), then=Value(3.0)),
        When(title__istartswith=first, then=Value(2.0)),
        When(title__icontains=first, then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return matches, rank


def _sqlite_typo(model, terms: list[str]):
    """Titles with a word like one of the query's, on SQLite: only the roadmap's content (a few
    hundred titles, compared here; learners' titles, any number, need PostgreSQL's trigram index)."""
    none = model.objects.none(), Value(0.0, output_field=FloatField())
    words = [term for term in terms if len(term) >= TYPO_MIN_LENGTH]
    if model is not SearchDocument or not words:
        return none
    scores = {}
    for pk, title in model.objects.values_list("pk", "title"):
        title_words = [word.lower() for word in WORD.findall(title)]
        best = max((_similarity(word, title_word) for word in words for title_word in title_words), default=0.0)
        if best >= SQLITE_TYPO_SIMILARITY:
            scores[pk] = best
    if not scores:
        return none
    rank = Case(
        *[When(pk=pk, then=Value(score)) for pk, score in scores.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )
    return model.objects.filter(pk__in=scores), rank


def _similarity(word: str, other: str) -> float:
    return difflib.SequenceMatcher(None, word, other).ratio()


def matching(model, query: str, terms: list[str], *, prefix: bool = False, typo: bool = False):
    """(the model's documents matching the query, whatever their visibility; their rank). `typo`:
    the fallback on title similarity, for a query that matched nothing word for word."""
    if connection.vendor == "postgresql":
        return _postgresql(model, query, terms, prefix, typo)
    if typo:
        return _sqlite_typo(model, terms)
    return _sqlite(model, query, terms)


@dataclass(frozen=True)
class Row:
    """What a hit shows, read as plain values: no model instances are built for a results page."""

    title: str
    context: str
    url: str
    body: str


FIELDS = tuple(f.name for f in fields(Row))


def search(
    query: str,
    *,
    kind: str | None = None,
    page: int | str = 1,
    per_kind: int = PER_KIND,
    page_size: int = PAGE_SIZE,
    prefix: bool = False,
) -> SearchResults:
    """Public things matching `query`, grouped by kind in Kind's order, best first in each.

    Every kind's count, and without `kind` the `per_kind` best of every kind; with `kind`, that kind
    alone, `page_size` a page (`Group.page`; an out-of-range page raises InvalidPage).
    `prefix`: as you type, the last word may be unfinished ("transf" finds "Transformers").
    Raises SearchError for a query too long or an unknown kind.
    """
    query, terms = parse_query(query)
    if kind is not None and kind not in Kind.values:
        raise SearchError("Choose one of: " + ", ".join(label.lower() for label in Kind.labels) + ".")
    results = SearchResults(query=query, terms=terms, kind=kind)
    if not terms:
        return results
    pattern = _pattern(terms)
    _fill(results, query, terms, pattern, page, per_kind, page_size, prefix, typo=False)
    if not results.counts:
        _fill(results, query, terms, pattern, page, per_kind, page_size, prefix, typo=True)
        results.typo = bool(results.counts)
    return results


def _fill(results, query, terms, pattern, page, per_kind, page_size, prefix, *, typo):
    """Count and fetch the results (search()'s work, once word for word and maybe once for typos)."""
    kind = results.kind
    results.groups = []
    content = _content(query, terms, prefix, typo)
    counts = {value: len(rows) for value, rows in content.items()}
    windows = {}
    for learner_kind, model in LEARNERS.items():
        learner_matches, learner_rank = matching(model, query, terms, prefix=prefix, typo=typo)
        # The window: ids and ranks of public matches (one more than the window, to tell "200"
        # from "200+"), best first; then only the documents shown are read.
        found = learner_matches.filter(_visible(learner_kind)).annotate(rank=learner_rank)
        rows = list(found.values_list("id", "rank")[: WINDOW + 1])
        if rows:
            counts[learner_kind] = len(rows)
        windows[learner_kind] = [pk for pk, _rank in sorted(rows[:WINDOW], key=lambda row: (-row[1], -row[0]))]
    results.counts = {value: min(n, WINDOW) for value, n in counts.items()}
    results.more = {value for value, n in counts.items() if n > WINDOW}

    if kind is not None:
        if kind in CONTENT_KINDS:
            current = Paginator(content.get(kind, []), page_size).page(page)
            rows = current.object_list
        else:
            current = Paginator(windows[kind], page_size).page(page)
            rows = _documents(LEARNERS[kind], current.object_list)
        hits = [_hit(kind, row, pattern) for row in rows]
        count = results.counts.get(kind, 0)
        results.groups = [Group(kind, Kind(kind).label, count, hits, current, kind in results.more)]
        return
    for value, label in Kind.choices:
        if not results.counts.get(value):
            continue
        best = content[value] if value in content else _documents(LEARNERS[value], windows[value][:per_kind])
        hits = [_hit(value, row, pattern) for row in best[:per_kind]]
        results.groups.append(Group(value, label, results.counts[value], hits, None, value in results.more))


def _content(query, terms, prefix, typo) -> dict[str, list[Row]]:
    """{kind: every matching piece of published roadmap content, best first} (one query). The
    roadmap's content is a few hundred short documents, so all of a search's matches are read at
    once, and each kind's count, best few and pages come from them."""
    matches, rank = matching(SearchDocument, query, terms, prefix=prefix, typo=typo)
    rows = matches.filter(_visible(Kind.STEP)).annotate(rank=rank).values_list("kind", "id", "rank", *FIELDS)
    content: dict[str, list[Row]] = {}
    for kind, _pk, _rank, *values in sorted(rows, key=lambda row: (-row[2], row[3], row[1])):
        content.setdefault(kind, []).append(Row(*values))
    return content


def _documents(model, ids: list[int]) -> list[Row]:
    """The documents with these ids, in their order (one query)."""
    by_id = {pk: Row(*values) for pk, *values in model.objects.filter(pk__in=ids).values_list("pk", *FIELDS)}
    return [by_id[pk] for pk in ids if pk in by_id]
