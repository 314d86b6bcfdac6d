"""The search page's prepared rows and cached filters write what the templates wrote before
(credit/search_rows.py): the former template code is kept here and both are compared."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from credit import search_rows
from credit.filters import EnterpriseFilter
from credit.models import Enterprise, RegistrationStatus
from credit.tests.factories import EnterpriseFactory, PersonFactory
from portal.i18n import date_formatter

pytestmark = pytest.mark.django_db

OLD_ROWS = Template(
    "{% load credit_tags %}{% for e in rows %}"
    '<tr><td><a href="{{ e.get_absolute_url }}">{{ e|localized_name }}</a></td><td class="code">{{ e.uscc }}</td>'
    "<td>{{ e.legal_representative_name }}</td><td>{{ e.get_status_display }}</td><td>{{ e.established_on|date }}"
    "</td><td>{{ e.region_code|province }}</td></tr>\n{% endfor %}"
)
OLD_FILTERS = Template(
    '{% for f in form %}{% if f.name != "q" %}<div class="field{% if f.errors %} has-error{% endif %}">'
    '<label for="{{ f.id_for_label }}">{{ f.label }}</label>{{ f }}'
    '{% if f.errors %}<p class="field-error" role="alert">{{ f.errors|join:" " }}</p>{% endif %}</div>'
    "{% endif %}{% endfor %}"
)


def squeezed(html) -> str:
    return "".join(str(html).split())


@pytest.fixture
def rows():
    person = PersonFactory(name="王<小>明")
    made = [
        EnterpriseFactory(name="北京\"甲&乙\"科技有限公司", name_en="Beijing <Jia> & 'Yi' Ltd.", legal_representative=person,
                          status=RegistrationStatus.REVOKED, established_on=dt.date(2003, 1, 9), region_code="110108"),
        EnterpriseFactory(name="上海丙丁贸易有限公司", name_en="", status=RegistrationStatus.ACTIVE,
                          established_on=dt.date(2019, 12, 31), region_code="310101"),
        EnterpriseFactory(name="未知地区有限公司", status=RegistrationStatus.MOVED_OUT, established_on=dt.date(2010, 10, 10),
                          region_code="990000"),
        EnterpriseFactory(name="广州戊己有限公司", status=RegistrationStatus.DEREGISTERED,
                          established_on=dt.date(1999, 5, 1), region_code="440106"),
    ]
    return list(Enterprise.objects.filter(pk__in=[e.pk for e in made]).order_by("id"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_prepared_rows_are_the_former_template_rows(rows, language):
    with translation.override(language):
        old = OLD_ROWS.render(Context({"rows": rows}))
        new = search_rows.enterprise_rows_html(rows)
    assert squeezed(new) == squeezed(old)
    assert "&lt;Jia&gt;" in new if language == "en" else "&quot;甲&amp;乙&quot;" in new


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_fast_date_format_is_djangos(language):
    from django.utils.formats import date_format

    formatted = None
    with translation.override(language):
        formatted = date_formatter()
        assert formatted is not date_format  # both languages' formats take the fast way
        for day in (dt.date(1, 1, 1), dt.date(2003, 1, 9), dt.date(2026, 9, 30), dt.date(2024, 2, 29)):
            assert formatted(day) == date_format(day)
        for month in range(1, 13):
            assert formatted(dt.date(2020, month, 15)) == date_format(dt.date(2020, month, 15))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("data", [
    None, {"q": "科技"}, {"q": "科技", "province": "44"}, {"q": "x"},
    {"province": "11", "entity_type": "partnership", "status": "revoked", "risk_class": "D"},
    {"q": "科技", "province": "99"}, {"q": "科技", "status": "nonsense", "risk_class": "Z"},
])
def test_the_cached_filters_are_the_former_template_filters(language, data):
    with translation.override(language):
        for _ in range(2):  # the second is taken from the cache where there is no error
            form = EnterpriseFilter(data=data, queryset=Enterprise.objects.none()).form
            form.is_valid()
            assert squeezed(search_rows.filter_fields_html(form)) == squeezed(OLD_FILTERS.render(Context({"form": form})))


def test_filters_of_other_languages_and_choices_are_kept_apart():
    with translation.override("en"):
        form = EnterpriseFilter(data={"q": "科技", "province": "44"}, queryset=Enterprise.objects.none()).form
        english = str(search_rows.filter_fields_html(form))
    with translation.override("zh-hans"):
        form = EnterpriseFilter(data={"q": "科技", "province": "44"}, queryset=Enterprise.objects.none()).form
        chinese = str(search_rows.filter_fields_html(form))
        form = EnterpriseFilter(data={"q": "科技"}, queryset=Enterprise.objects.none()).form
        unchosen = str(search_rows.filter_fields_html(form))
    assert english != chinese
    assert '<option value="44" selected>' in chinese
    assert '<option value="44" selected>' not in unchosen


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_search_page_shows_the_rows_and_filters(client, rows, language):
    response = client.get("/search/", {"q": "有限公司", "status": ""}, HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    with translation.override(language):
        assert squeezed(OLD_ROWS.render(Context({"rows": response.context["result"].page.rows}))) in squeezed(html)
        assert squeezed(OLD_FILTERS.render(Context({"form": response.context["form"]}))) in squeezed(html)


OLD_HEAD = Template(
    '{% load i18n %}<caption class="visually-hidden">{% translate "Matching enterprises" %}</caption>'
    '<thead><tr><th scope="col">{% translate "Name" %}</th><th scope="col">{% translate "Unified social credit code" %}'
    '</th><th scope="col">{% translate "Legal representative" %}</th><th scope="col">{% translate "Status" %}</th>'
    '<th scope="col">{% translate "Established" %}</th><th scope="col">{% translate "Province" %}</th></tr></thead>'
)


def test_the_results_head_is_the_former_template_head_in_each_language():
    heads = set()
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            head = search_rows.results_head_html()
            assert squeezed(head) == squeezed(OLD_HEAD.render(Context({})))
            heads.add(str(head))
    assert len(heads) == 2
