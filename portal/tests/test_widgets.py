"""RenderedOnceSelect writes the bytes Django's Select writes, for every choice, in both
languages, with and without error attributes, rendering the options once."""

from __future__ import annotations

from unittest import mock

import pytest
from django import forms
from django.http import QueryDict
from django.utils import translation

from credit.filters import EnterpriseFilter
from credit.models import Enterprise
from portal import widgets

pytestmark = pytest.mark.django_db

FIELDS = ("province", "entity_type", "status", "risk_class")


def plain(field: forms.BoundField) -> str:
    widget = forms.Select(attrs=field.field.widget.attrs, choices=field.field.widget.choices)
    attrs = field.build_widget_attrs({})  # as BoundField.as_widget builds them
    attrs.setdefault("id", field.auto_id)
    return str(widget.render(field.html_name, field.value(), attrs=attrs))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_it_writes_what_django_writes_for_every_choice(language):
    with translation.override(language):
        empty = EnterpriseFilter(QueryDict(""), queryset=Enterprise.objects.none()).form
        for name in FIELDS:
            values = ["", "not-a-choice", *(str(value) for value, _ in empty.fields[name].choices if value)]
            for value in values:
                form = EnterpriseFilter(QueryDict(f"q=科技&{name}={value}"), queryset=Enterprise.objects.none()).form
                form.is_valid()
                assert str(form[name]) == plain(form[name]), (name, value)


def test_it_renders_the_options_once_per_language():
    widgets._rendered.clear()
    with mock.patch.object(forms.Select, "render", autospec=True, side_effect=forms.Select.render) as rendered:
        for language in ("zh-hans", "en", "zh-hans", "en"):
            with translation.override(language):
                for value in ("11", "31", ""):
                    form = EnterpriseFilter(QueryDict(f"province={value}"), queryset=Enterprise.objects.none()).form
                    str(form["province"])
    assert rendered.call_count == 2
