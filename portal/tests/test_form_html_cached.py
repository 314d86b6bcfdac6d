"""A filter form's HTML is rendered once per form, language, version and submitted values."""

from __future__ import annotations

import pytest
from django import forms
from django.core.cache import cache
from django.http import QueryDict
from django.utils import translation

from portal.forms import form_html_cached


class KindForm(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], required=False)


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()
    yield
    cache.clear()


def test_the_same_filters_are_rendered_once(monkeypatch):
    renders = []
    original = KindForm.as_div
    monkeypatch.setattr(KindForm, "as_div", lambda self: renders.append(1) or original(self))
    with translation.override("fr"):
        first = form_html_cached(KindForm(QueryDict("kind=a&_=1")), version="v1")
        again = form_html_cached(KindForm(QueryDict("kind=a&_=2")), version="v1")
        other = form_html_cached(KindForm(QueryDict("kind=b")), version="v1")
        form_html_cached(KindForm(QueryDict("kind=a")), version="v2")  # a new catalogue: rendered again  # other parameters ignored
    assert first == again
    assert 'value="a" selected' in first
    assert 'value="b" selected' in other
    assert len(renders) == 3
    with translation.override("en"):
        form_html_cached(KindForm(QueryDict("kind=a")), version="v1")
    with translation.override("zh-hans"):
        form_html_cached(KindForm(QueryDict("kind=a")), version="v1")
    assert len(renders) == 5


def test_an_invalid_value_shows_its_error_from_the_cache_too():
    with translation.override("en"):
        first = form_html_cached(KindForm(QueryDict("kind=zzz")), version="v1")
        again = form_html_cached(KindForm(QueryDict("kind=zzz")), version="v1")
    assert first == again and "Select a valid choice" in first
