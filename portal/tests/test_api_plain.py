"""portal.api_plain: a serializer's fields compiled once into a plain function give DRF's own
output, field kind by field kind, and anything it does not know falls back to DRF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from portal.api_plain import PlainSerializer, plain_serializer

TZ = ZoneInfo("Asia/Shanghai")


class Missing(ObjectDoesNotExist, AttributeError):
    """As Django's RelatedObjectDoesNotExist: both."""


class Row(SimpleNamespace):
    @property
    def absent(self):
        raise Missing("no related row")

    def shout(self):
        return self.name.upper()

    def needs_an_argument(self, value):
        return value


class Agency(serializers.Serializer):
    name = serializers.CharField()
    name_en = serializers.CharField()


class Item(serializers.Serializer):
    code = serializers.CharField(source="key")


class Every(serializers.Serializer):
    name = serializers.CharField()
    shout = serializers.CharField()
    method_source = serializers.CharField(source="needs_an_argument", required=False)
    city = serializers.CharField(source="address.city")
    city_or_default = serializers.CharField(source="nowhere.city", default="?")
    city_or_null = serializers.CharField(source="nowhere.city", allow_null=True)
    skipped = serializers.CharField(source="nowhere.city", required=False)
    from_missing_relation = serializers.CharField(source="absent.name")
    count = serializers.IntegerField()
    big = serializers.BigIntegerField(source="count")
    big_text = serializers.BigIntegerField(source="count", coerce_to_string=True)
    flag = serializers.BooleanField()
    day = serializers.DateField()
    moment = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    ratio = serializers.FloatField()
    choice = serializers.ChoiceField(choices=["a", "b"])
    anything = serializers.ReadOnlyField()
    nothing = serializers.CharField(allow_null=True)
    agency = Agency()
    agency_or_null = Agency(source="no_agency", allow_null=True)
    items = Item(many=True)
    from_dicts = Item(source="dicts", many=True)
    url = serializers.SerializerMethodField()

    def get_url(self, row) -> str:
        return f"{self.context['base']}/{row.name}"


def every_row(**changes):
    values = dict(
        name="acme", address={"city": "北京"}, nowhere=SimpleNamespace(), count="7", flag=1,
        day=dt.date(2026, 1, 2), moment=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        amount=Decimal("12.345"), ratio=0.5, choice="b", anything={"k": [1]}, nothing=None,
        agency=SimpleNamespace(name="海淀区市场监督管理局", name_en="Haidian AMR"), no_agency=None,
        items=[SimpleNamespace(key="x"), SimpleNamespace(key="y")], dicts=[{"key": "z"}],
    )
    values.update(changes)
    return Row(**values)


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


def test_every_supported_kind_gives_drf_output():
    rows = [every_row(), every_row(flag=False, amount=7, nothing="x", day=dt.date(1999, 12, 31), items=[])]
    plain = PlainSerializer(Every)
    assert plain.fallback is None
    context = {"base": "https://example.cn"}
    with timezone.override(TZ):
        expected = Every(rows, many=True, context=context).data
        got = plain.many(rows, context)
        assert rendered(got) == rendered(expected)
        assert rendered(plain.one(rows[0], context)) == rendered(Every(rows[0], context=context).data)
    first = got[0]
    assert "skipped" not in first and first["city_or_default"] == "?" and first["city_or_null"] is None
    assert first["from_missing_relation"] is None and first["agency_or_null"] is None
    assert first["shout"] == "ACME" and first["moment"] == "2026-01-02T11:04:05+08:00"
    assert first["amount"] == "12.34" and first["count"] == 7 and first["flag"] is True
    assert first["big"] == 7 and first["big_text"] == "7"
    assert first["url"] == "https://example.cn/acme" and first["from_dicts"] == [{"code": "z"}]


def test_a_lookup_that_breaks_raises_as_drf_does():
    class Strict(serializers.Serializer):
        city = serializers.CharField(source="nowhere.city")

    with pytest.raises(AttributeError) as drf_error:
        Strict(every_row()).data  # noqa: B018
    with pytest.raises(AttributeError) as plain_error:
        plain_serializer(Strict).one(every_row())
    assert str(plain_error.value) == str(drf_error.value)


class Unknown(serializers.Field):
    def to_representation(self, value):
        return f"<{value}>"


class Declared(serializers.Field):
    plain_representation = True

    def to_representation(self, value):
        return f"<{value}>"


class Inherits(Declared):
    def to_representation(self, value):
        return f"[{value}]"


class Shouting(serializers.CharField):
    def to_representation(self, value):
        return str(value).upper()


class WithUnknown(serializers.Serializer):
    name = Unknown()


class WithShouting(serializers.Serializer):
    name = Shouting()


class WithInherits(serializers.Serializer):
    name = Inherits()


class WithDeclared(serializers.Serializer):
    name = Declared()


class OwnRepresentation(serializers.Serializer):
    name = serializers.CharField()

    def to_representation(self, instance):
        return {"name": instance.name * 2}


class NestsAnUnknown(serializers.Serializer):
    inner = WithUnknown(source="*")


class OwnFields(serializers.Serializer):
    def get_fields(self):
        return {"name": serializers.CharField()}


class Related(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)


@pytest.mark.parametrize("serializer_class", [WithUnknown, WithShouting, WithInherits, OwnRepresentation,
                                              NestsAnUnknown, OwnFields, Related])
def test_what_it_does_not_know_falls_back_to_drf(serializer_class):
    rows = [every_row(owner=SimpleNamespace(pk=3))]
    plain = PlainSerializer(serializer_class)
    assert plain.fallback
    assert rendered(plain.many(rows)) == rendered(serializer_class(rows, many=True).data)
    assert rendered(plain.one(rows[0])) == rendered(serializer_class(rows[0]).data)


def test_a_custom_field_that_declares_itself_plain_is_called_as_is():
    plain = PlainSerializer(WithDeclared)
    assert plain.fallback is None
    assert plain.one(every_row()) == {"name": "<acme>"}


def test_it_compiles_once_per_class():
    assert plain_serializer(Every) is plain_serializer(Every)
