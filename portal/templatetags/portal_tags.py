"""Template tags for the parts of a page that are the same for every request in a language.

An uncached page's CPU goes mostly to Django's template engine, and a large share of it to
text that never changes: table heads of translated labels, the static files' addresses.
"""

from __future__ import annotations

import functools

from django import template
from django.template.base import Node, TextNode, Variable
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


class PerLanguageNode(Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[str | None, str] = {}

    def render(self, context) -> str:
        language = get_language()
        html = self.rendered.get(language)
        if html is None:
            html = self.rendered[language] = self.nodelist.render(context)
        return html


def _constant_translation(node) -> bool:
    expression = node.filter_expression
    return (
        node.asvar is None and node.message_context is None and not expression.filters
        and isinstance(expression.var, Variable) and expression.var.lookups is None
    )


@register.tag
def per_language(parser, token):
    """`{% per_language %}...{% endper_language %}`: text and `{% translate "..." %}` of
    constant strings, rendered once per language and process. Anything else inside (a
    variable, another tag) would differ between requests and is refused when the template
    is loaded."""
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    for node in nodelist:
        if not (isinstance(node, TextNode) or (isinstance(node, TranslateNode) and _constant_translation(node))):
            raise template.TemplateSyntaxError(
                f"per_language holds only text and translations of constant strings, not {node!r}")
    return PerLanguageNode(nodelist)


@functools.lru_cache(maxsize=256)
def _static_url(path: str) -> str:
    return conditional_escape(static(path))


@register.simple_tag
def static_url(path: str) -> str:
    """`{% static_url 'css/portal.css' %}`: `{% static %}`'s address, worked out once per
    process (the manifest does not change while it runs)."""
    return _static_url(path)
