"""The parts of the credit file built in Python (credit.file_html) give what their templates
gave: the templates as they were before (below, verbatim) rendered on rich files in both
languages, compared with the new output, whitespace aside. And the sections rendered once
per language (credit.sections.section_html) do not depend on the file they are in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template, TemplateSyntaxError, engines
from django.template.loader import render_to_string
from django.utils import translation

from credit import file_html, sections, selectors, services
from credit.models import EntityType, RegistrationStatus
from credit.tests import factories as f
from credit.tests.test_credit_file import fill_every_app_section

pytestmark = pytest.mark.django_db

# templates/credit/file_body.html before credit.file_html: the header, notices, contents, registration.
OLD_HEAD = """{% load i18n credit_tags %}{% with e=enterprise branch=enterprise.is_branch %}
<header class="file-head">
  <p class="file-kind">{% translate "Enterprise credit file" %}</p>
  <h1>{{ e.name }}</h1>
  {% if e.name_en %}<p class="name-en" lang="en">{{ e.name_en }}</p>{% endif %}
  <p class="file-ids"><span>{% translate "Unified social credit code" %}: <strong class="code">{{ e.uscc }}</strong></span>
    <span class="status status-{{ e.status }}">{{ e.get_status_display }}</span></p>
  <p class="file-actions"><button type="button" class="print-button" data-print hidden>{% translate "Print this file" %}</button>
    <a class="follow-link" href="/follow/enterprises/{{ e.uscc }}/">{% translate "Follow this enterprise by e-mail" %}</a></p>
</header>
{% if notices or negative_records_withheld %}
<div class="file-notices">{% if negative_records_withheld %}
  <p id="negative-records-withheld" class="file-notice file-notice-status" role="status">{% translate "This enterprise is deregistered; its negative records are no longer published (SAMR Order 107 Art. 20)." %}</p>{% endif %}{% for notice in notices %}
  <p{% if notice.anchor %} id="{{ notice.anchor }}"{% endif %} class="file-notice file-notice-{{ notice.kind }}" role="{{ notice.role }}">{{ notice.text }} <a href="{{ notice.url }}">{% translate "See the entry" %}</a></p>{% endfor %}
</div>
{% endif %}

<nav class="toc" aria-labelledby="toc-h">
  <h2 id="toc-h">{% translate "Contents" %}</h2>
  <ol>
    <li><a href="#registration">{% translate "Registration" %}</a></li>
    {% for section in agency_sections %}{% for anchor, title in section.contents %}<li><a href="#{{ anchor }}">{{ title }}</a></li>
    {% endfor %}{% endfor %}{% for section in self_disclosed_sections %}{% for anchor, title in section.contents %}<li{% if forloop.parentloop.first and forloop.first %} class="toc-divider"{% endif %}><a href="#{{ anchor }}">{{ title }}</a></li>
    {% endfor %}{% endfor %}
  </ol>
</nav>

<section id="registration" class="file-section">
  <h2 id="registration-h">{% translate "Registration" %}</h2>
  <dl class="reg-grid">
    <div><dt>{% translate "Unified social credit code" %}</dt><dd class="code">{{ e.uscc }}</dd></div>
    <div><dt>{% translate "Name" %}</dt><dd>{{ e.name }}</dd></div>
    <div><dt>{% translate "Type" %}</dt><dd>{{ e.get_entity_type_display }}</dd></div>
    <div><dt>{% if branch %}{% translate "Person in charge" %}{% else %}{% translate "Legal representative" %}{% endif %}</dt><dd>{{ e.legal_representative_name|default:"—" }}</dd></div>
    {% if not branch %}<div><dt>{% translate "Registered capital" %}</dt><dd>{{ e|registered_capital|default:"—" }}</dd></div>{% endif %}
    <div><dt>{% translate "Establishment date" %}</dt><dd>{{ e.established_on|date }}</dd></div>
    <div><dt>{% translate "Operating period" %}</dt><dd>{{ e.operating_from|date|default:"—" }} – {% if e.operating_to %}{{ e.operating_to|date }}{% else %}{% translate "no fixed term" %}{% endif %}</dd></div>
    <div><dt>{% translate "Registration authority" %}</dt><dd>{{ e.registration_authority|localized_name }}</dd></div>
    <div><dt>{% translate "Registration status" %}</dt><dd>{{ e.get_status_display }}</dd></div>
    <div><dt>{% translate "Approval date" %}</dt><dd>{{ e.approved_on|date|default:"—" }}</dd></div>
    <div><dt>{% translate "Province" %}</dt><dd>{{ e.region_code|province|default:e.region_code }}</dd></div>
    <div><dt>{% translate "Risk class" %}</dt><dd>{{ e.get_risk_class_display }}</dd></div>
    <div class="wide"><dt>{% if branch %}{% translate "Business premises" %}{% else %}{% translate "Domicile" %}{% endif %}</dt><dd>{{ e.domicile }}</dd></div>
    <div class="wide"><dt>{% translate "Business scope" %}</dt><dd>{{ e.business_scope|default:"—" }}</dd></div>
  </dl>
</section>
{% endwith %}"""

# The row loops of the sections' templates before credit_tags' row filters.
OLD_ROWS = {
    "shareholders": """{% load i18n credit_tags %}{% for r in shareholders %}
      <tr{% if r.withdrawn_at %} class="withdrawn"{% endif %}><td>{{ r.name }}<br><span class="meta">{{ r.get_shareholder_type_display }}</span></td>
        <td>{% if r.person %}{{ r.person.get_id_type_display }}<br><span class="code">{{ r.person.masked_id_number }}</span>{% else %}<span class="code">{{ r.licence_number|licence_number|default:"—" }}</span>{% endif %}</td>
        <td class="num">{{ r.subscribed_amount|amount }}</td><td class="num">{{ r.paid_amount|amount }}</td>
        <td>{% for c in r.contribution_rows %}<span class="contrib">{{ c.get_kind_display }}: {{ c.get_form_display }} {{ c.amount|amount }} · {{ c.contributed_on|date }}</span>{% empty %}—{% endfor %}</td>
        {{ r|provenance }}</tr>
    {% endfor %}""",
    "key_personnel": """{% load i18n credit_tags %}{% for r in key_personnel %}
      <tr{% if r.withdrawn_at %} class="withdrawn"{% endif %}><td>{{ r.person.name }}</td><td>{{ r.position }}</td>{{ r|provenance }}</tr>
    {% endfor %}""",
    "changes": """{% load i18n credit_tags %}{% for r in changes %}
      <tr{% if r.withdrawn_at %} class="withdrawn"{% endif %}><td>{{ r.item }}</td><td>{{ r.before }}</td><td>{{ r.after }}</td><td>{{ r.changed_on|date }}</td>{{ r|provenance }}</tr>
    {% endfor %}""",
    "licences": """{% load i18n credit_tags %}{% for r in licences %}
      <tr{% if r.withdrawn_at %} class="withdrawn"{% endif %}><td>{{ r.name }}</td><td>{{ r.valid_from|date }} – {% if r.valid_to %}{{ r.valid_to|date }}{% else %}{% translate "no fixed term" %}{% endif %}</td><td>{{ r.content }}</td><td>{{ r.get_status_display }}</td>{{ r|provenance }}</tr>
    {% endfor %}""",
    "annual_reports": """{% load i18n credit_tags %}{% for y in annual_reports %}
      <tr><td>{{ y.year }}</td><td>{{ y.filed_at|date }}{% if y.late %} <span class="late-mark">{% translate "(filed late)" %}</span>{% endif %}</td>
        <td>{% if y.corrected_at %}{% blocktranslate count n=y.corrections with on=y.corrected_at|date %}Corrected on {{ on }} (1 correction){% plural %}Corrected on {{ on }} ({{ n }} corrections){% endblocktranslate %}{% else %}—{% endif %}</td>
        <td><a href="{% url 'credit:annual_report_detail' enterprise.uscc y.year %}">{% blocktranslate with year=y.year %}Annual report {{ year }}{% endblocktranslate %}</a>{% if not y.public %} <span class="note">{% translate "(filed; the individual business chose not to publish the report)" %}</span>{% endif %}</td></tr>
    {% endfor %}""",
}
# The sections built by credit.file_html.TableSection: their templates before, verbatim, the
# rows filter of each standing for its row loop (OLD_ROWS) as it was before the filters.
OLD_SECTIONS = {
    "shareholders": """{% load i18n credit_tags portal_tags %}<section id="shareholders" class="file-section">
  <h2 id="shareholders-h">{% translate "Shareholders and capital contributions" %} <span class="count">({{ shareholders|length }})</span></h2>
  {% if shareholders %}<div class="table-wrap" tabindex="0" role="region" aria-labelledby="shareholders-h"><table class="data">
    {% per_language %}<thead><tr><th scope="col">{% translate "Shareholder" %}</th><th scope="col">{% translate "Identity or licence" %}</th><th scope="col" class="num">{% translate "Subscribed (10,000)" %}</th><th scope="col" class="num">{% translate "Paid in (10,000)" %}</th><th scope="col">{% translate "Contributions (form, amount, date)" %}</th><th scope="col">{% translate "Source" %}</th></tr></thead>{% endper_language %}
    <tbody>{{ shareholders|shareholder_rows }}</tbody></table></div>
  {% else %}<p class="empty">{% translate "No records in this section." %}</p>{% endif %}
</section>
""",
    "key_personnel": """{% load i18n credit_tags portal_tags %}<section id="key-personnel" class="file-section">
  <h2 id="key-personnel-h">{% translate "Key personnel" %} <span class="count">({{ key_personnel|length }})</span></h2>
  {% if key_personnel %}<div class="table-wrap" tabindex="0" role="region" aria-labelledby="key-personnel-h"><table class="data">
    {% per_language %}<thead><tr><th scope="col">{% translate "Name" %}</th><th scope="col">{% translate "Position" %}</th><th scope="col">{% translate "Source" %}</th></tr></thead>{% endper_language %}
    <tbody>{{ key_personnel|key_person_rows }}</tbody></table></div>
  {% else %}<p class="empty">{% translate "No records in this section." %}</p>{% endif %}
</section>
""",
    "changes": """{% load i18n credit_tags portal_tags %}<section id="changes" class="file-section">
  <h2 id="changes-h">{% translate "Change records" %} <span class="count">({{ changes|length }})</span></h2>
  {% if changes %}<div class="table-wrap" tabindex="0" role="region" aria-labelledby="changes-h"><table class="data">
    {% per_language %}<thead><tr><th scope="col">{% translate "Item changed" %}</th><th scope="col">{% translate "Before" %}</th><th scope="col">{% translate "After" %}</th><th scope="col">{% translate "Change date" %}</th><th scope="col">{% translate "Source" %}</th></tr></thead>{% endper_language %}
    <tbody>{{ changes|change_rows }}</tbody></table></div>
  {% else %}<p class="empty">{% translate "No records in this section." %}</p>{% endif %}
</section>
""",
    "licences": """{% load i18n credit_tags portal_tags %}<section id="licences" class="file-section">
  <h2 id="licences-h">{% translate "Administrative licences" %} <span class="count">({{ licences|length }})</span></h2>
  {% if licences %}<div class="table-wrap" tabindex="0" role="region" aria-labelledby="licences-h"><table class="data">
    {% per_language %}<thead><tr><th scope="col">{% translate "Licence" %}</th><th scope="col">{% translate "Valid" %}</th><th scope="col">{% translate "Licensed content" %}</th><th scope="col">{% translate "Status" %}</th><th scope="col">{% translate "Source" %}</th></tr></thead>{% endper_language %}
    <tbody>{{ licences|licence_rows }}</tbody></table></div>
  {% else %}<p class="empty">{% translate "No records in this section." %}</p>{% endif %}
</section>
""",
    "annual_reports": """{% load i18n credit_tags portal_tags %}<section id="annual-reports" class="file-section">
  <h2 id="annual-reports-h">{% translate "Annual reports" %} <span class="count">({{ annual_reports|length }})</span></h2>
  {% if annual_reports %}<div class="table-wrap" tabindex="0" role="region" aria-labelledby="annual-reports-h"><table class="data">
    {% per_language %}<thead><tr><th scope="col">{% translate "Report year" %}</th><th scope="col">{% translate "Filed on" %}</th><th scope="col">{% translate "Corrected" %}</th><th scope="col">{% translate "Details" %}</th></tr></thead>{% endper_language %}
    <tbody>{{ annual_reports|annual_report_rows:enterprise.uscc }}</tbody></table></div>
  {% else %}<p class="empty">{% translate "No records in this section." %}</p>{% endif %}
</section>
""",
}
NEW_ROWS = {
    "shareholders": file_html.shareholder_rows,
    "key_personnel": file_html.key_person_rows,
    "changes": file_html.change_rows,
    "licences": file_html.licence_rows,
    "annual_reports": file_html.annual_report_rows,
}
NEW_SECTIONS = {
    "shareholders": file_html.SHAREHOLDERS,
    "key_personnel": file_html.KEY_PERSONNEL,
    "changes": file_html.CHANGES,
    "licences": file_html.LICENCES,
    "annual_reports": file_html.ANNUAL_REPORTS,
}
_ROWS_FILTER = re.compile(r"\{\{ [a-z_]+\|[a-z_]+_rows(:enterprise\.uscc)? \}\}")


def old_section(key: str) -> str:
    """The section's template as it was, its rows filter replaced by the row loop it replaced."""
    rows = OLD_ROWS[key].removeprefix("{% load i18n credit_tags %}")
    source, replaced = _ROWS_FILTER.subn(lambda match: rows, OLD_SECTIONS[key])
    assert replaced == 1, key
    return source


def normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def render_old(source: str, context: dict) -> str:
    return Template(source).render(Context(context))


def rich_files(now) -> list:
    """Files that take every branch of the frame and the rows: every section filled, with
    withdrawn and corrected records, a late and corrected annual report, notices; a branch;
    a deregistered enterprise; one with nothing but its registration."""
    rich = f.EnterpriseFactory(legal_representative=f.PersonFactory(), name_en="Rich & <Co>", operating_to=None,
                               business_scope="")
    fill_every_app_section(rich, 2, now)
    f.ShareholderFactory(enterprise=rich, person=None, licence_number="110101199003071234")
    f.KeyPersonFactory(enterprise=rich)
    change = f.ChangeRecordFactory(enterprise=rich, before="<b>旧</b>")
    services.credit_object_save(obj=change, actor=None, correction_reason="录入有误 & 更正")
    licence = f.LicenceFactory(enterprise=rich, valid_to=None)
    services.published_record_withdraw(record=licence, actor=None, reason="撤销 <原因>")
    # A report filed late and corrected twice, and one the individual business keeps private.
    late = dt.datetime(2021, 9, 1, 9, 0, tzinfo=dt.UTC)
    for version in (1, 2, 3):
        f.AnnualReportFactory(enterprise=rich, year=2020, version=version, submitted_at=late + dt.timedelta(days=version))
    f.AnnualReportFactory(enterprise=rich, year=2019, report_public=False)
    branch = f.EnterpriseFactory(entity_type=EntityType.BRANCH, operating_from=None, approved_on=None)
    f.LicenceFactory(enterprise=branch)
    gone = f.EnterpriseFactory(status=RegistrationStatus.DEREGISTERED)
    f.PenaltyFactory(enterprise=gone, publication_ends_on=None)
    return [rich, branch, gone, f.EnterpriseFactory(registered_capital=None, legal_representative_name="")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_frame_and_the_rows_are_what_the_templates_gave(language, now):
    files = rich_files(now)
    with translation.override(language):
        for enterprise in files:
            loaded = selectors.enterprise_get(uscc=enterprise.uscc)
            context = selectors.credit_file(enterprise=loaded)
            assert normal(file_html.file_head_html(context)) == normal(render_old(OLD_HEAD, context))
            for key, source in OLD_ROWS.items():
                # The whole section, exactly, rows or none; and its rows alone.
                assert NEW_SECTIONS[key](Context(context)) == render_old(old_section(key), context), key
                if context[key]:
                    assert normal(NEW_ROWS[key](context[key], context)) == normal(render_old(source, context)), key
        # The whole file still has every section and its rows.
        body = render_to_string("credit/file_body.html", selectors.credit_file(enterprise=files[0]))
        for anchor in ("registration", "shareholders", "key-personnel", "changes", "licences", "annual-reports",
                       "penalties", "abnormal-operations", "credit-repair"):
            assert f'id="{anchor}"' in body, anchor
        assert "Rich &amp; &lt;Co&gt;" in body and "&lt;b&gt;旧&lt;/b&gt;" in body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_section_without_rows_renders_the_same_in_every_file(language, today):
    """The rendering kept per language must not depend on the file: each registered section's
    template, given its empty context, renders the same in two different files (another
    enterprise, code, branch or not, another day)."""
    one = f.EnterpriseFactory()
    other = f.EnterpriseFactory(entity_type=EntityType.BRANCH)
    engine = engines["django"].engine
    with translation.override(language):
        for deregistered in (False, True):
            for section in sections.file_sections(deregistered=deregistered):
                if not section.shown:
                    continue
                rendered = []
                for enterprise, day in ((one, today), (other, today + dt.timedelta(days=400))):
                    context = selectors.credit_file(enterprise=selectors.enterprise_get(uscc=enterprise.uscc),
                                                    today=day)
                    context.update(section.empty_context())
                    context["negative_records_withheld"] = deregistered
                    context["empty_sections"] = {section.key}
                    rendered.append(section.html(Context(context)) if section.html is not None
                                    else engine.get_template(section.template).render(Context(context)))
                assert rendered[0] == rendered[1], section.key


def test_a_section_kept_per_language_is_rendered_in_each_language(client):
    """The HTML of an empty section kept from one language's file is never given to another's."""
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts[language] = (translation.gettext("No records in this section."), translation.gettext("Branches"))
    assert texts["en"] != texts["zh-hans"]
    for language, other in (("en", "zh-hans"), ("zh-hans", "en"), ("en", "zh-hans")):
        body = client.get(f"/enterprises/{f.EnterpriseFactory().uscc}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        branches = re.search(r'<section id="branches".*?</section>', body, re.S).group(0)
        assert all(text in branches for text in texts[language]), language
        assert not any(text in branches for text in texts[other]), language


def test_per_language_renders_its_text_once_per_language_and_refuses_variables():
    source = '{% load i18n portal_tags %}{% per_language %}<th>{% translate "Name" %}</th>{% endper_language %}'
    template = Template(source)
    with translation.override("en"):
        assert template.render(Context()) == "<th>Name</th>"
    with translation.override("zh-hans"):
        chinese = template.render(Context())
    assert chinese != "<th>Name</th>" and chinese.startswith("<th>")
    for inside in ("{{ name }}", '{% translate name %}', '{% translate "Name" as label %}', "{% if x %}x{% endif %}"):
        with pytest.raises(TemplateSyntaxError):
            Template("{% load i18n portal_tags %}{% per_language %}" + inside + "{% endper_language %}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_amounts_are_grouped_as_django_groups_them(language):
    from decimal import Decimal

    from django.utils import formats

    values = ["0", "7", "999", "1000", "1234.5", "-1234567.890", "0.05", "100.00", "12345678901234.5678", "-0.5",
              "1E+3", 5, 1234567, "99999.99"]
    with translation.override(language):
        for value in values:
            expected = Decimal(value)
            expected = expected.quantize(Decimal(1)) if expected == expected.to_integral_value() else expected.normalize()
            assert file_html.amount(value) == formats.number_format(expected, use_l10n=True, force_grouping=True), value
    assert file_html.amount(None) == file_html.amount("") == ""
    # The language asked for, whichever is active.
    with translation.override("zh-hans" if language == "en" else "en"):
        other = file_html.amount("1234567.5")
    with translation.override("zh-hans" if language == "en" else "en"):
        assert file_html.amount("1234567.5", language) != other
