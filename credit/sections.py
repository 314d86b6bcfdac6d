"""The registry the credit file and /account/ are assembled from.

`credit` owns the frame of the credit file (the enterprise, header, contents, the order,
the divider before self-disclosed information, the cache) and of /account/; every app
declares its own parts here, from its AppConfig.ready(), the way apps register with
Django's admin:

    sections.section_register(sections.Section(key="penalties", order=80, ...))
    sections.account_panel_register(sections.AccountPanel(key="entries", order=20, ...))

A section names the queryset of the rows it shows for one enterprise (`rows`), written
once: the credit file's one probe asks EXISTS of each section's own queryset, and only
the sections that have rows are loaded. `credit` imports no app above it; a test reads
the import graph to keep it so.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection, models
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language

from portal.db import prepared_cursor


@dataclass(frozen=True)
class FileSubject:
    """What a section's rows depend on: the enterprise, its legal representative and the
    local day (publication periods and bars end at local midnight)."""

    enterprise_id: int
    legal_representative_id: int | None
    today: dt.date
    # The enterprise is deregistered: its negative records are no longer published (SAMR Order
    # 107 Art. 20), so the file is assembled from file_sections(deregistered=True).
    deregistered: bool = False


# Stand for the subject's values while the ORM writes a section's SQL once per process;
# values no real row has, so that a constant parameter is never mistaken for one.
_PLACEHOLDER = FileSubject(enterprise_id=-7_770_001, legal_representative_id=-7_770_002, today=dt.date(1901, 2, 3))
_SLOTS = {
    _PLACEHOLDER.enterprise_id: "enterprise_id",
    _PLACEHOLDER.legal_representative_id: "legal_representative_id",
    _PLACEHOLDER.today: "today",
    _PLACEHOLDER.today.isoformat(): "today",  # SQLite's adapted form
}

Related = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Notice:
    """A line at the top of the credit file, linked to the record it is about.

    kind "alert" (a blacklist entry, a bar: announced at once, role="alert") or "status"
    (a red-list entry: role="status")."""

    kind: str
    text: str
    url: str
    anchor: str = ""  # the id of the notice's line, when it needs one

    @property
    def role(self) -> str:
        return "alert" if self.kind == "alert" else "status"


@dataclass(frozen=True)
class Section:
    """One section of the credit file.

    key:         the anchor of the section and the name of its rows in the context
    order:       its place in the NECIPS order (the frame sorts by it)
    template:    the app's template for it (it reads the context names `load` returns)
    rows:        the rows shown for one enterprise, as a queryset (filters written once)
    contents:    (anchor, title) entries for the table of contents; a notice has none
    self_disclosed: information the enterprise is responsible for (after the divider)
    related:     (foreign key, fields shown) joined into the compiled query (see load_rows)
    load:        (section, subject) -> context; default: {key: load_rows(section, subject)}
    empty:       the context when the probe finds no row; default {key: []}
    notices:     (context) -> [Notice]: what the top of the file must say about this
                 section's rows (an active blacklist entry, a bar), computed from the
                 context `load` already built, so a notice costs no query; called only
                 when the section has rows
    template:    may be "" for a section that shows itself only through its notices, or
                 one built by `html`
    html:        (the file's context) -> the section's HTML, built in Python in place of a
                 template (credit.file_html.TableSection: the sections most files show)
    preload:     its `load` reads its own rows with `load_rows` (a section without `load`
                 always does): the file's one probe brings them (see file_rows)
    companions:  other row sets its `load` reads with `load_rows` (a shareholder's
                 contributions): the probe brings them too when the section has rows
    negative:    its rows are negative records (penalties, blacklist entries, inspections
                 that found a problem): once the enterprise is deregistered they are no longer
                 published (SAMR Order 107 Art. 20) and the section is not loaded or shown
    kept_rows:   for a negative section some of whose rows are not negative (red-list
                 entries, inspections that found nothing): the rows still shown once the
                 enterprise is deregistered; the section then runs on them in place of `rows`
    finish:      (context) -> context: called once every section is loaded, with or without
                 rows of its own, for a section about the rows other sections loaded (credit
                 repair says, for each negative record shown, from when it may be repaired):
                 it reads the file's context and must cost no query
    """

    key: str
    order: int
    template: str
    rows: Callable[[FileSubject], QuerySet]
    contents: tuple[tuple[str, Any], ...] = ()
    self_disclosed: bool = False
    related: Related = ()
    load: Callable[[Section, FileSubject], dict[str, Any]] | None = None
    empty: Callable[[], dict[str, Any]] | None = None
    notices: Callable[[dict[str, Any]], list[Notice]] | None = None
    preload: bool = False
    companions: tuple[Section, ...] = ()
    negative: bool = False
    kept_rows: Callable[[FileSubject], QuerySet] | None = None
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    html: Callable[[Any], str] | None = None

    @property
    def shown(self) -> bool:
        """Whether the section has a part of the page of its own (not only notices)."""
        return bool(self.template) or self.html is not None

    @property
    def preloaded(self) -> bool:
        return self.load is None or self.preload

    def context(self, subject: FileSubject) -> dict[str, Any]:
        if self.load is not None:
            return self.load(self, subject)
        return {self.key: load_rows(self, subject)}

    def empty_context(self) -> dict[str, Any]:
        return self.empty() if self.empty is not None else {self.key: []}


@dataclass(frozen=True)
class AccountPanel:
    """One panel of the enterprise's own area (/account/): `load(enterprise, today)`
    returns the context its template reads; with `per_user`, `load(enterprise, today, user)`
    (the signed-in liaison's own rows: their follows)."""

    key: str
    order: int
    template: str
    load: Callable[..., dict[str, Any]] = field(repr=False)
    per_user: bool = False


_sections: dict[str, Section] = {}
_panels: dict[str, AccountPanel] = {}


def section_register(section: Section) -> None:
    if section.key in _sections and _sections[section.key] != section:
        raise ValueError(f"credit-file section {section.key!r} is registered twice")
    if section.kept_rows is not None and not section.negative:
        raise ValueError(f"credit-file section {section.key!r} keeps rows after deregistration but is not negative")
    _sections[section.key] = section
    _forget(section.key)


def section_unregister(key: str) -> None:
    _sections.pop(key, None)
    _forget(key)


def _forget(key: str) -> None:
    _ordered_sections.cache_clear()
    _file_sections.cache_clear()
    for cached in [k for k in _rows_queries if k[0] == key]:
        del _rows_queries[cached]
    probe_sql.cache_clear()
    _empty_html.clear()
    from credit import file_html  # the contents list the sections

    file_html.forget_contents()


def account_panel_register(panel: AccountPanel) -> None:
    if panel.key in _panels and _panels[panel.key] != panel:
        raise ValueError(f"account panel {panel.key!r} is registered twice")
    _panels[panel.key] = panel


@functools.cache
def _ordered_sections() -> tuple[Section, ...]:
    return tuple(sorted(_sections.values(), key=lambda s: (s.order, s.key)))


def sections() -> tuple[Section, ...]:
    """Every registered section in the file's order."""
    return _ordered_sections()


@functools.cache
def _file_sections(deregistered: bool) -> tuple[Section, ...]:
    if not deregistered:
        return _ordered_sections()
    return tuple(
        replace(section, rows=section.kept_rows, kept_rows=None, negative=False)
        if section.negative else section
        for section in _ordered_sections()
        if not section.negative or section.kept_rows is not None
    )


def file_sections(*, deregistered: bool = False) -> tuple[Section, ...]:
    """The sections of one enterprise's file, in order. For a deregistered enterprise the
    negative sections are left out, and a negative section with `kept_rows` runs on those rows
    only (the same key, template and load): SAMR Order 107 Art. 20."""
    return _file_sections(bool(deregistered))


def negative_sections() -> tuple[Section, ...]:
    """The registered sections whose rows are (at least partly) negative records."""
    return tuple(section for section in _ordered_sections() if section.negative)


def account_panels() -> tuple[AccountPanel, ...]:
    return tuple(sorted(_panels.values(), key=lambda p: (p.order, p.key)))


# --- SQL written once per process --------------------------------------------------


@dataclass(frozen=True)
class CompiledQuery:
    """A queryset's SQL with the positions of the subject's values among its parameters.

    Compiling a queryset costs more Python than running it (about half a millisecond for
    a few rows), and the credit file runs several that differ only in the subject."""

    sql: str
    params: tuple[Any, ...]  # constants as compiled, or the name of a subject field

    def bind(self, subject: FileSubject) -> list[Any]:
        return [getattr(subject, p.name) if isinstance(p, _Slot) else p for p in self.params]


@dataclass(frozen=True)
class _Slot:
    name: str


# A second set of stand-ins: a value derived from the subject (a day minus a month, an id
# turned into text) would otherwise be frozen into the SQL as a constant unnoticed.
_CHECK = FileSubject(enterprise_id=-7_770_101, legal_representative_id=-7_770_102, today=dt.date(1902, 3, 4))


def compile_query(build) -> CompiledQuery:
    """The SQL of `build(subject)` (a queryset) with the subject's values as slots.

    Compiled twice with different stand-ins: every parameter that changes with the
    subject must be one of its values, passed through as it is."""
    sql, params = build(_PLACEHOLDER).query.sql_with_params()
    check_sql, check_params = build(_CHECK).query.sql_with_params()
    bound = tuple(_Slot(_SLOTS[p]) if _is_slot(p) else p for p in params)
    if check_sql != sql or len(check_params) != len(params) or any(
        not isinstance(b, _Slot) and a != c for a, b, c in zip(params, bound, check_params, strict=True)
    ):
        raise ValueError(f"a parameter of this query is derived from the subject, not one of its values: {sql}")
    return CompiledQuery(sql, bound)


def _is_slot(value: Any) -> bool:
    return isinstance(value, int | str | dt.date) and not isinstance(value, bool) and value in _SLOTS


def _related_alias(foreign_key: str, name: str) -> str:
    return f"{foreign_key}_shown_{name}"


def related_annotations(related: Related) -> dict[str, F]:
    return {
        _related_alias(foreign_key, name): F(f"{foreign_key}__{name}")
        for foreign_key, names in related
        for name in names
    }


def attach_related(model: type, rows: list, related: Related) -> None:
    """Build each row's related objects from the joined fields. Their other fields are
    deferred: reading one would cost a query, which the query-count tests would catch."""
    for foreign_key, names in related:
        fk = model._meta.get_field(foreign_key)
        related_model = fk.related_model
        attnames = [related_model._meta.pk.attname, *names]
        aliases = [_related_alias(foreign_key, name) for name in names]
        for row in rows:
            pk = getattr(row, fk.attname)
            values = [pk, *(getattr(row, alias) for alias in aliases)]
            fk.set_cached_value(row, None if pk is None else related_model.from_db(row._state.db, attnames, values))


# Per (section key, its rows function): a section runs on its kept_rows for a deregistered enterprise.
_rows_queries: dict[tuple[str, Callable], tuple[type, CompiledQuery]] = {}
# The rows the current credit file's probe brought, per section key (file_rows).
_preloaded: contextvars.ContextVar[tuple[FileSubject, dict[str, list]] | None] = contextvars.ContextVar(
    "credit_file_preloaded", default=None
)


def load_rows(section: Section, subject: FileSubject) -> list:
    """The section's rows through its compiled query, with their related rows attached;
    inside `file_rows` those its probe already brought, without a query."""
    preloaded = _preloaded.get()
    if preloaded is not None and preloaded[0] == subject and section.key in preloaded[1]:
        return list(preloaded[1][section.key])
    cache_key = (section.key, section.rows)
    if cache_key not in _rows_queries:
        queryset = section.rows(_PLACEHOLDER)
        query = compile_query(lambda subject: section.rows(subject).annotate(**related_annotations(section.related)))
        _rows_queries[cache_key] = (queryset.model, query)
    model, query = _rows_queries[cache_key]
    rows = list(model.objects.raw(query.sql, query.bind(subject)))
    attach_related(model, rows, section.related)
    return rows


@dataclass(frozen=True)
class _CompiledRows:
    """A queryset compiled once, with what Django's ModelIterable works out from its compiler
    to build instances (select_related's populators, the annotations' columns, converters)."""

    query: CompiledQuery
    model: type
    fields: tuple[int, int]  # the model's own columns, [start, end)
    init_list: tuple[str, ...]
    populators: tuple
    annotations: tuple[tuple[str, int], ...]
    converters: dict


_compiled_rows: dict[Callable, _CompiledRows] = {}


def _compile_rows(build: Callable[[FileSubject], QuerySet]) -> _CompiledRows:
    from django.db.models.query import ModelIterable, get_related_populators

    queryset = build(_PLACEHOLDER)
    if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
        raise ValueError("load_queryset builds model instances with their select_related rows only")
    compiler = queryset.query.get_compiler(connection.alias)
    compiler.as_sql()  # fills select, klass_info and annotation_col_map
    select, klass_info = compiler.select, compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return _CompiledRows(
        query=compile_query(build),
        model=klass_info["model"],
        fields=(start, end),
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        populators=tuple(get_related_populators(klass_info, select, connection.alias)),
        annotations=tuple((compiler.annotation_col_map or {}).items()),
        converters=compiler.get_converters([column[0] for column in select]),
    )


def converted(row, converters: dict):
    """A row as the ORM gives it: each column through the database converters the compiler
    worked out for it (`compiler.get_converters`); the row itself when there are none."""
    if not converters:
        return row
    row = list(row)
    for position, (functions, expression) in converters.items():
        for function in functions:
            row[position] = function(row[position], expression, connection)
    return row


def load_queryset(build: Callable[[FileSubject], QuerySet], subject: FileSubject) -> list:
    """The instances `list(build(subject))` gives, select_related and annotations included
    (no prefetch_related), through SQL compiled once per process and prepared on
    PostgreSQL. For a section's `load` that reads related rows of its own: compiling a
    queryset with four joins costs several times what running it does. `build` must be a
    module-level function (its compiled form is kept under it) and every parameter that
    changes with the subject one of its values (compile_query checks)."""
    compiled = _compiled_rows.get(build)
    if compiled is None:
        compiled = _compiled_rows[build] = _compile_rows(build)
    with prepared_cursor() as cursor:
        cursor.execute(compiled.query.sql, compiled.query.bind(subject))
        rows = cursor.fetchall()
    alias = connection.alias
    start, end = compiled.fields
    instances = []
    for row in rows:
        row = converted(row, compiled.converters)
        instance = compiled.model.from_db(alias, compiled.init_list, row[start:end])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotations:
            setattr(instance, name, row[position])
        instances.append(instance)
    return instances


# --- The probe: which sections have rows, and the rows of most, in one query -------------

_SEQ = "file_row_seq"


@dataclass(frozen=True)
class _RowSet:
    """How one section's rows come back from the probe: as a JSON array of objects."""

    model: type
    columns: tuple[str, ...]
    annotations: tuple[str, ...]
    related: Related


def _ordering(queryset: QuerySet) -> list:
    return list(queryset.query.order_by or queryset.model._meta.ordering or ("pk",))


def _rows_json(section: Section) -> tuple[CompiledQuery, _RowSet]:
    """A scalar subquery answering the section's rows (its own queryset, related fields
    joined, numbered in its own order) as one JSON array."""

    def build(subject: FileSubject) -> QuerySet:
        queryset = section.rows(subject)
        return queryset.annotate(**related_annotations(section.related),
                                 **{_SEQ: Window(RowNumber(), order_by=_ordering(queryset))})

    query = compile_query(build)
    compiler = build(_PLACEHOLDER).query.get_compiler(connection.alias)
    compiler.as_sql()
    names = [alias or expression.target.column for expression, _, alias in compiler.select]
    model = section.rows(_PLACEHOLDER).model
    columns = {f.column for f in model._meta.concrete_fields}
    row_set = _RowSet(
        model=model,
        columns=tuple(n for n in names if n in columns),
        annotations=tuple(n for n in names if n not in columns),
        related=section.related,
    )
    if connection.vendor == "postgresql":
        sql = f"(SELECT COALESCE(json_agg(row_to_json(s)), '[]')::text FROM ({query.sql}) s)"  # noqa: S608
    else:
        pairs = ", ".join(f"'{name}', s.{connection.ops.quote_name(name)}" for name in names)
        sql = f"(SELECT COALESCE(json_group_array(json_object({pairs})), '[]') FROM ({query.sql}) s)"  # noqa: S608
    return CompiledQuery(sql, query.params), row_set


def _from_json(field: models.Field, value: Any) -> Any:
    """A column's value as JSON gave it, as the model's field holds it."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        parsed = parse_datetime(value) if isinstance(value, str) else value
        if parsed is not None and timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without an offset
        return parsed
    if isinstance(field, models.DateField):
        return parse_date(value[:10]) if isinstance(value, str) else value
    if isinstance(field, models.DecimalField):
        number = decimal.Decimal(str(value))
        return number.quantize(decimal.Decimal(1).scaleb(-field.decimal_places)) if field.decimal_places else number
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(field, models.JSONField):
        # SQLite's json_object passes a JSON column on as its text; PostgreSQL nests it.
        return json.loads(value) if isinstance(value, str) else value
    return field.to_python(value)


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """`_from_json` for one field, with the field's type looked at once."""
    if isinstance(field, models.CharField | models.TextField):
        return lambda value: value if value is None or isinstance(value, str) else field.to_python(value)
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        return lambda value: value if value is None or type(value) is int else _from_json(field, value)
    return functools.partial(_from_json, field)


@functools.cache
def _decoding(row_set: _RowSet) -> tuple:
    """How the probe's JSON becomes rows of `row_set`: worked out once per process."""
    model = row_set.model
    fields = [model._meta.get_field(f.name) for f in model._meta.concrete_fields if f.column in row_set.columns]
    # A joined field comes as JSON gave it too: typed as the related model's field holds it.
    joined = {
        _related_alias(foreign_key, name): model._meta.get_field(foreign_key).related_model._meta.get_field(name)
        for foreign_key, names in row_set.related
        for name in names
    }
    columns = tuple((f.column, _converter(f)) for f in fields)
    annotations = tuple(
        (name, _converter(joined[name]) if name in joined else None) for name in row_set.annotations if name != _SEQ
    )
    return [f.attname for f in fields], columns, annotations


def _decode(row_set: _RowSet, text: str) -> list:
    if text == "[]":
        return []  # most sections of most files
    model = row_set.model
    attnames, columns, annotations = _decoding(row_set)
    rows = []
    alias = connection.alias
    for item in sorted(json.loads(text, parse_float=decimal.Decimal), key=lambda item: item[_SEQ]):
        instance = model.from_db(alias, attnames, [convert(item[column]) for column, convert in columns])
        for name, convert in annotations:
            setattr(instance, name, item[name] if convert is None else convert(item[name]))
        rows.append(instance)
    attach_related(model, rows, row_set.related)
    return rows


@dataclass(frozen=True)
class _Probe:
    query: CompiledQuery
    # Per output column: (key, row set or None for a plain EXISTS, whether it is a section's
    # own: a companion's rows are not a section of the file).
    columns: tuple[tuple[str, _RowSet | None, bool], ...]


@functools.cache
def _probe(deregistered: bool = False) -> _Probe:
    parts, params, columns = [], [], []
    for section in file_sections(deregistered=deregistered):
        if not section.preloaded:
            exists = compile_query(lambda subject, section=section: section.rows(subject).order_by().values("pk")[:1])
            parts.append(f"EXISTS ({exists.sql})")
            params.extend(exists.params)
            columns.append((section.key, None, True))
            continue
        for part in (section, *section.companions):
            query, row_set = _rows_json(part)
            parts.append(query.sql)
            params.extend(query.params)
            columns.append((part.key, row_set, part is section))
    return _Probe(CompiledQuery("SELECT " + ", ".join(parts), tuple(params)), tuple(columns))


def probe_sql(*, deregistered: bool = False) -> CompiledQuery:
    """One query answering, for every section, whether it has a row (EXISTS over each
    section's own queryset, so that each filter is written once) and, for the sections
    whose rows come through load_rows, the rows themselves as JSON. A deregistered
    enterprise's probe asks only the sections of file_sections(deregistered=True)."""
    return _probe(bool(deregistered)).query


probe_sql.cache_clear = _probe.cache_clear  # section_register clears the compiled probe


def _run_probe(subject: FileSubject) -> tuple[dict[str, bool], dict[str, list]]:
    probe = _probe(subject.deregistered)
    with prepared_cursor() as cursor:
        cursor.execute(probe.query.sql, probe.query.bind(subject))
        values = cursor.fetchone()
    present: dict[str, bool] = {}
    rows: dict[str, list] = {}
    for (key, row_set, own), value in zip(probe.columns, values, strict=True):
        if row_set is None:
            present[key] = bool(value)  # SQLite answers 0/1
            continue
        rows[key] = _decode(row_set, value)
        if own:
            present[key] = bool(rows[key])
    return present, rows


def sections_present(subject: FileSubject) -> dict[str, bool]:
    return _run_probe(subject)[0]


@contextmanager
def file_rows(subject: FileSubject) -> Iterator[dict[str, bool]]:
    """Run the probe for one file: yields which sections have rows, and while open,
    load_rows answers the sections the probe brought from its answer, without a query.
    A credit file of any size costs this one query plus one per section (or prefetch)
    whose `load` reads other querysets."""
    present, rows = _run_probe(subject)
    token = _preloaded.set((subject, rows))
    try:
        yield present
    finally:
        _preloaded.reset(token)


# --- Rendering a section into the file ---------------------------------------------

# A section without rows renders the same in every file: its template reads only its empty
# context (a constant) and `negative_records_withheld`, so its HTML is kept per language
# (test_file_html checks it for every registered section). A section with `finish` is kept so
# only when its finish found nothing either (credit.selectors.credit_file). Kept with the
# template object it came from: a template loader that reloads (DEBUG) gives a new one, and
# the HTML is redone.
_empty_html: dict[tuple[str, str, bool], tuple[Any, str]] = {}


def section_html(section: Section, context) -> str:
    """The HTML of `section` in the file being rendered (a template Context holding
    credit.selectors.credit_file's context), as `{% include section.template %}` gives it,
    or as its `html` builds it."""
    if section.html is not None:
        return section.html(context)
    template = context.template.engine.get_template(section.template)
    if section.key not in context.get("empty_sections", ()):
        with context.push():  # what the template sets ({% ... as name %}) stays inside it
            return template.render(context)
    key = (section.template, get_language(), bool(context.get("negative_records_withheld")))
    kept = _empty_html.get(key)
    if kept is None or kept[0] is not template:
        with context.push():
            kept = _empty_html[key] = (template, template.render(context))
    return kept[1]
