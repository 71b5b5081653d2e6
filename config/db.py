"""Querysets compiled once per process, for the few reads that run on nearly every signed-in request.

Building a queryset and compiling it to SQL costs Django more CPU than the database spends running a
primary-key lookup: for the signed-in user (read on every signed-in request) it was a quarter of the
dashboard's time. A `CompiledQuery` builds its queryset once per database, with stand-in values for
the parameters, and from then on runs the same SQL with the real values. The rows go through the
same converters as the ORM's, so a value reads the same on every database backend.

Only for plain querysets: a model's own fields (no select_related, annotations or deferred fields),
or values_list(). Everything else should stay an ordinary queryset.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import QuerySet

# A stand-in for a primary or foreign key: no row has it (ids are positive).
ANY_ID = -(2**62)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # a constant value, or a _Arg standing for the n-th argument of run()
    compiler: object
    converters: dict
    attnames: tuple | None  # set for model rows


@dataclass(frozen=True)
class _Arg:
    index: int


class CompiledQuery:
    """`build(*stand_ins)` returns the queryset; `run(*values)` runs it with `values` in their place.

    The stand-ins must come out of the ORM unchanged in the compiled parameters (integers that
    no real row uses, for instance), so that they can be found there and replaced.
    """

    def __init__(self, model, build: Callable[..., QuerySet], stand_ins: tuple):
        self.model = model
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        queryset = self._build(*self._stand_ins)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for value in params:
            index = next((i for i, stand_in in enumerate(self._stand_ins) if value == stand_in), None)
            slots.append(value if index is None else _Arg(index))
        if sorted(slot.index for slot in slots if isinstance(slot, _Arg)) != list(range(len(self._stand_ins))):
            raise ValueError(f"each stand-in must appear once in the compiled parameters: {params!r}")
        columns = [select[0] for select in compiler.select[: compiler.col_count]]
        attnames = None
        if queryset._fields is None:  # model rows
            if query.select_related or query.annotations or query.deferred_loading != (frozenset(), True):
                raise ValueError("CompiledQuery reads a model's own fields only")
            attnames = tuple(column.target.attname for column in columns)
        return _Compiled(sql, tuple(slots), compiler, compiler.get_converters(columns), attnames)

    def rows(self, *values) -> list:
        """The rows, as model instances or as values_list() tuples."""
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        params = [values[slot.index] if isinstance(slot, _Arg) else slot for slot in compiled.params]
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        if compiled.attnames is None:
            return [tuple(row) for row in rows]
        return [self.model.from_db(alias, compiled.attnames, row) for row in rows]
