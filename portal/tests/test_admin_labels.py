"""Every label of the admin is translated: walk each registered model admin in Chinese.

For each ModelAdmin of admin.site (and its inlines): the model's verbose names, every field's
verbose name and help text, every form field's label and help text, the change list's column
headers, the fieldset titles, the actions and the list filters' titles. A label counts as
translated when its Chinese rendering contains Chinese characters or differs from its English
one. Django's own models (users, groups) and the installed packages' (django-axes,
django-celery-beat) are walked too: their marked strings come with those packages' catalogues,
and where a package's catalogue lacks one, this project's catalogue translates it. A package's
unmarked strings (a column named after a method, django-celery-beat's "Task Name") no catalogue
can reach; they are left out, for the project's own apps they count as untranslated.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.test import RequestFactory
from django.utils import translation
from django.utils.functional import Promise

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The same in both languages: Latin abbreviations used as such in Chinese texts.
PROJECT_APPS = {"portal", "credit", "listings", "inspections", "following"}
SAME_IN_BOTH = {"ID", "URL", "IP", "USCC", "JSON", "CSV", "HTTP", "HTTPS", "UTC", ""}


def _texts(model_admin, request):
    """(where, lazy or plain text) for everything the admin shows as a label."""
    model = model_admin.model
    opts = model._meta
    where = opts.label
    yield f"{where} verbose_name", opts.verbose_name
    yield f"{where} verbose_name_plural", opts.verbose_name_plural
    for field in opts.get_fields(include_hidden=False):
        if field.auto_created and not field.concrete:
            continue  # reverse relations: named by the other model
        if getattr(field, "primary_key", False) and field.auto_created:
            continue
        yield f"{where}.{field.name} verbose_name", field.verbose_name
        if getattr(field, "help_text", ""):
            yield f"{where}.{field.name} help_text", field.help_text
    if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
        form = model_admin.get_form(request)
        for name, form_field in form.base_fields.items():
            yield f"{where} form {name} label", form_field.label
            if form_field.help_text:
                yield f"{where} form {name} help_text", form_field.help_text
        for title, _options in model_admin.get_fieldsets(request):
            if title:
                yield f"{where} fieldset", title
    for name in model_admin.get_list_display(request):
        if name == "__str__":
            continue
        yield f"{where} column {getattr(name, '__name__', name)}", label_for_field(name, model, model_admin)
    for name, (_function, _name, description) in (model_admin.get_actions(request) or {}).items():
        yield f"{where} action {name}", description
    for spec in model_admin.get_list_filter(request):
        if isinstance(spec, (list, tuple)):
            spec = spec[0]
        if isinstance(spec, str):
            *path, last = spec.split("__")
            target = model
            for part in path:
                target = target._meta.get_field(part).related_model
            yield f"{where} filter {spec}", target._meta.get_field(last).verbose_name
        else:
            yield f"{where} filter {spec.__name__}", spec.title
    for inline in model_admin.get_inline_instances(request):
        inline_opts = inline.model._meta
        yield f"{where} inline {inline_opts.label}", inline.verbose_name or inline_opts.verbose_name
        yield f"{where} inline {inline_opts.label} plural", inline.verbose_name_plural or inline_opts.verbose_name_plural
        for field in inline_opts.get_fields(include_hidden=False):
            if field.concrete and not (getattr(field, "primary_key", False) and field.auto_created):
                yield f"{inline_opts.label}.{field.name} verbose_name", field.verbose_name


def translated(text, language: str = "zh-hans") -> bool:
    """Whether `text` shows in Chinese under `language`: it contains Chinese characters there, or
    differs from its English rendering (or is one of the few Latin abbreviations used as such)."""
    with translation.override("en"):
        english = str(text)
    with translation.override(language):
        shown = str(text)
    return english.strip() in SAME_IN_BOTH or shown != english or bool(CJK.search(shown))


def _walk(language: str = "zh-hans") -> list[tuple[str, object]]:
    """The labels, with forms built in `language` as a page in that language builds them (Django
    adds some help texts already translated, such as the one of a multiple select)."""
    from portal.testing.personas import build_personas

    request = RequestFactory().get("/admin/")
    request.user = build_personas().users["superuser"]
    found = []
    with translation.override(language):
        for model_admin in admin.site._registry.values():
            own = model_admin.model._meta.app_label in PROJECT_APPS
            found += [(where, text) for where, text in _texts(model_admin, request)
                      if own or isinstance(text, Promise)]
    return found


def untranslated(language: str = "zh-hans") -> list[str]:
    return sorted({f"{where}: {str(text)!r}" for where, text in _walk(language) if not translated(text, language)})


def test_every_admin_label_is_translated_into_chinese():
    assert untranslated() == []


def test_no_admin_label_shows_chinese_on_an_english_page():
    # The other direction: every label is an English msgid, so English pages show no Chinese label.
    with translation.override("en"):
        chinese = sorted({f"{where}: {str(text)!r}" for where, text in _walk("en") if CJK.search(str(text))})
    assert chinese == []


def test_the_check_finds_an_untranslated_label():
    from django.utils.translation import gettext_lazy

    assert not translated(gettext_lazy("a label nobody has translated"))
    assert not translated("a plain string")
    assert translated(gettext_lazy("enterprise")) and translated("ID")
    walked = dict(_walk())
    assert "credit.Enterprise verbose_name" in walked and "inspections.Plan form ratio_a label" in walked
    assert any(where.startswith("credit.AdministrativePenalty action") for where in walked)
    assert any(where.startswith("listings.ListEntry filter") for where in walked)
