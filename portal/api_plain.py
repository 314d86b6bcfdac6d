"""Rows to JSON-ready dicts without DRF's per-request serializer and field instances.

A DRF serializer used with `many=True` builds a ListSerializer, a child serializer and a deep
copy of every field for each use, then walks the fields through generators, `inspect.signature`
of every callable source and a method call per value. For a credit file of twenty sections
that was some 3 ms of the 12 ms of Python a cold file cost (bench/api_cpu.py; 0.6 ms compiled). `plain_serializer(SomeSerializer)` reads the class's
own fields ONCE (from one prototype instance, so the field list, names, sources and formats
keep their one home: the serializer class, which also feeds the OpenAPI schema) and compiles
a plain function row -> dict that does what DRF's `Serializer.to_representation` does:

- the value of each readable field from its `source_attrs` (attributes or mapping keys, a
  simple callable called), `None` kept as `None`, anything else through the field's
  representation: `str` for a CharField, `int` for an IntegerField, ISO dates, and the
  prototype field's own `to_representation` for the kinds whose output depends on the value
  and the settings only (decimals, datetimes in the current time zone, choices, and custom
  fields that declare `plain_representation = True` in their own class body);
- a failed lookup (AttributeError, KeyError, a missing related object) is answered by the
  prototype field's own `get_attribute`, so defaults, `allow_null`, skipped fields and errors
  are DRF's;
- SerializerMethodField through the serializer's method, on one instance of the class per
  call of `many`/`one` carrying the caller's context (never one per row);
- nested serializers and `many=True` lists of them, compiled the same way.

Anything else (another field kind, a serializer overriding `to_representation`, a related
field) makes the whole class fall back to DRF (`PlainSerializer.fallback` says why), so the
output never silently differs from `Serializer(rows, many=True).data`; portal/tests/
test_api_plain.py and credit/tests/test_api_plain.py prove it equal for every section of the
credit file.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.manager import BaseManager
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.fields import BuiltinSignatureError, SkipField, is_simple_callable
from rest_framework.settings import api_settings

# Field kinds whose output depends on the value (and settings such as the time zone) only:
# the prototype field's to_representation is called as is. Exact types: a subclass may
# override to_representation and is then unsupported unless it says otherwise.
_BOUND_KINDS = (drf_fields.DecimalField, drf_fields.DateTimeField, drf_fields.ChoiceField, drf_fields.FloatField)

_STATIC_GET_FIELDS = (serializers.Serializer.get_fields, serializers.ModelSerializer.get_fields)

_simple_callables: dict[Any, bool] = {}


def _signature_key(obj) -> Any:
    """What decides whether `obj` is a simple callable (DRF's rule reads its signature): the
    function behind it, plus what a partial binds. None when there is no such stable key."""
    kind = type(obj)
    if kind is types.MethodType and type(obj.__func__) is types.FunctionType:
        return ("method", obj.__func__)
    if kind is types.FunctionType:
        return ("function", obj)
    if kind is functools.partial:
        inner = _signature_key(obj.func)
        if inner is not None:
            return ("partial", inner, len(obj.args), tuple(sorted(obj.keywords)))
    return None


def _call_if_simple(obj):
    """DRF's `is_simple_callable` (called and its result used), its answer kept per function:
    reading a signature costs more than the rest of a field."""
    key = _signature_key(obj)
    if key is None:
        return obj() if is_simple_callable(obj) else obj
    simple = _simple_callables.get(key)
    if simple is None:
        simple = _simple_callables[key] = is_simple_callable(obj)
    return obj() if simple else obj


def _getter(field: serializers.Field) -> Callable[[Any], Any]:
    attrs = tuple(field.source_attrs)
    drf_get = field.get_attribute
    if not attrs:
        return lambda instance: instance

    def get(instance):
        try:
            value = instance
            for attr in attrs:
                value = value[attr] if type(value) is dict or isinstance(value, Mapping) else getattr(value, attr)
                if callable(value):
                    value = _call_if_simple(value)
            return value
        except (AttributeError, KeyError, ObjectDoesNotExist, BuiltinSignatureError):
            # DRF's own answer to a failed lookup: the default, None, SkipField or its error.
            return drf_get(instance)

    return get


def _boolean(field: serializers.BooleanField) -> Callable[[Any], Any]:
    slow = field.to_representation
    return lambda value: value if value is True or value is False else slow(value)


def _date(field: serializers.DateField) -> Callable[[Any], Any]:
    slow = field.to_representation
    if str(getattr(field, "format", api_settings.DATE_FORMAT)).lower() != drf_fields.ISO_8601:
        return slow
    return lambda value: value.isoformat() if type(value) is dt.date else slow(value)


def _identity(value):
    return value


# Plan steps: (name, get, how, what): how 0 = convert with `what`, 1 = the method named `what`
# of the call's instance, 2 = nested serializer `what`, 3 = list of nested `what`.
_CONVERT, _METHOD, _NESTED, _NESTED_MANY = range(4)


class Unsupported(Exception):
    pass


class PlainSerializer:
    """The compiled form of one serializer class (see the module's doc)."""

    def __init__(self, serializer_class: type[serializers.Serializer]):
        self.serializer_class = serializer_class
        self.fallback: str | None = None
        self.has_methods = False
        # Whether a row's dict depends on the caller's context (a method here or nested):
        # if not, the bound function is built once and reused.
        self.uses_context = False
        self._context_free: Callable[[Any], dict[str, Any]] | None = None
        self._plan: list[tuple[str, Callable, int, Any]] = []
        try:
            self._compile(serializer_class)
        except Unsupported as reason:
            self.fallback = str(reason)
            self._plan = []

    def _compile(self, serializer_class) -> None:
        from portal.api import CachedFieldsModelSerializer

        label = serializer_class.__name__
        if serializer_class.to_representation is not serializers.Serializer.to_representation:
            raise Unsupported(f"{label} overrides to_representation")
        if serializer_class.get_fields not in _STATIC_GET_FIELDS + (CachedFieldsModelSerializer.get_fields,):
            # Its fields may depend on the request or on registrations made later.
            raise Unsupported(f"{label} builds its fields itself (get_fields)")
        list_class = getattr(getattr(serializer_class, "Meta", None), "list_serializer_class", None)
        if list_class not in (None, serializers.ListSerializer):
            raise Unsupported(f"{label} has its own list serializer")
        prototype = serializer_class()
        for field in prototype._readable_fields:
            name = f"{label}.{field.field_name}"
            kind = type(field)
            if kind.get_attribute is not drf_fields.Field.get_attribute and kind is not serializers.SerializerMethodField:
                raise Unsupported(f"{name}: {kind.__name__} overrides get_attribute")
            get = _getter(field)
            if kind is serializers.SerializerMethodField:
                self.has_methods = self.uses_context = True
                self._plan.append((field.field_name, get, _METHOD, field.method_name))
            elif kind is serializers.ListSerializer:
                child = plain_serializer(type(field.child))
                if child.fallback:
                    raise Unsupported(f"{name}: {child.fallback}")
                self._plan.append((field.field_name, get, _NESTED_MANY, child))
                self.uses_context |= child.uses_context
            elif isinstance(field, serializers.ListSerializer):
                raise Unsupported(f"{name}: {kind.__name__} is a list serializer of its own")
            elif isinstance(field, serializers.BaseSerializer):
                child = plain_serializer(kind)
                if child.fallback:
                    raise Unsupported(f"{name}: {child.fallback}")
                self._plan.append((field.field_name, get, _NESTED, child))
                self.uses_context |= child.uses_context
            else:
                self._plan.append((field.field_name, get, _CONVERT, self._converter(name, field)))

    @staticmethod
    def _converter(name: str, field: serializers.Field) -> Callable[[Any], Any]:
        kind = type(field)
        if kind is drf_fields.CharField:
            return str
        if kind is drf_fields.IntegerField:
            return int
        if kind is drf_fields.BigIntegerField:
            # Its setting decides between str and int once (DRF reads it per value).
            as_string = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
            return str if as_string else int
        if kind is drf_fields.BooleanField:
            return _boolean(field)
        if kind is drf_fields.DateField:
            return _date(field)
        if kind is drf_fields.ReadOnlyField:
            return _identity
        if kind in _BOUND_KINDS or kind.__dict__.get("plain_representation") is True:
            return field.to_representation
        raise Unsupported(f"{name}: {kind.__name__} is not a supported field kind")

    def bind(self, context: dict[str, Any] | None = None) -> Callable[[Any], dict[str, Any]]:
        """A function row -> dict for one use with `context` (the serializer methods' context)."""
        context = {} if context is None else context
        if self.fallback:
            serializer_class = self.serializer_class
            return lambda row: serializer_class(row, context=context).data
        if not self.uses_context:
            if self._context_free is None:
                self._context_free = self._bound(context)
            return self._context_free
        return self._bound(context)

    def _bound(self, context: dict[str, Any]) -> Callable[[Any], dict[str, Any]]:
        # The methods' `self`: one instance for this use, carrying its context.
        host = self.serializer_class(context=context) if self.has_methods else None
        steps = []
        for name, get, how, what in self._plan:
            if how == _METHOD:
                steps.append((name, get, getattr(host, what)))
            elif how == _NESTED:
                steps.append((name, get, what.bind(context)))
            elif how == _NESTED_MANY:
                steps.append((name, get, _many(what.bind(context))))
            else:
                steps.append((name, get, what))

        def row_dict(row) -> dict[str, Any]:
            result = {}
            for name, get, convert in steps:
                try:
                    value = get(row)
                except SkipField:
                    continue
                result[name] = None if value is None else convert(value)
            return result

        return row_dict

    def one(self, row, context: dict[str, Any] | None = None) -> dict[str, Any]:
        """As `Serializer(row, context=context).data`."""
        return self.bind(context)(row)

    def many(self, rows, context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """As `Serializer(rows, many=True, context=context).data`."""
        if self.fallback:
            return self.serializer_class(rows, many=True, context={} if context is None else context).data
        if type(rows) is list and not rows:
            return []  # most sections of most files: nothing to bind
        return _many(self.bind(context))(rows)


def _many(row_dict: Callable[[Any], dict[str, Any]]) -> Callable[[Any], list[dict[str, Any]]]:
    def rows_list(rows) -> list[dict[str, Any]]:
        # As ListSerializer.to_representation: a related manager is read with .all().
        return [row_dict(row) for row in (rows.all() if isinstance(rows, BaseManager) else rows)]

    return rows_list


@functools.cache
def plain_serializer(serializer_class: type[serializers.Serializer]) -> PlainSerializer:
    """The compiled form of `serializer_class`, built once per class and process."""
    return PlainSerializer(serializer_class)
