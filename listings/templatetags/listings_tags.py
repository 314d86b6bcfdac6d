"""Only an older name of credit_tags' localized_name, kept for the templates not yet moved
to it (templates/listings/credit_file_sections.html and templates/account/home.html):
replace `|lname` with `|localized_name` (loading credit_tags) there, then delete this file."""

from __future__ import annotations

from django import template

from credit.templatetags.credit_tags import localized_name

register = template.Library()
register.filter("lname", localized_name)
