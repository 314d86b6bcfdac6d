"""Template tags for the parts of a page that are the same for every request in a language.

An uncached page's CPU goes mostly to Django's template engine, and a large share of it to
text that never changes: table heads of translated labels, the static files' addresses.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django import template
from django.template.base import Node, TextNode, Variable
from django.template.defaulttags import URLNode
from django.template.library import SimpleNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from portal.i18n import day_html

register = template.Library()


class PerLanguageNode(Node):
    # Not walked for {% block %}s (it holds none): {% extends %} walks the parent's whole tree
    # on every render.
    child_nodelists = ()

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[tuple[str | None, str], str] = {}

    def render(self, context) -> str:
        # An address reversed inside starts with the script prefix (SCRIPT_NAME).
        key = (get_language(), get_script_prefix())
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = self.nodelist.render(context)
        return html


def _constant_translation(node) -> bool:
    expression = node.filter_expression
    return (
        node.asvar is None and node.message_context is None and not expression.filters
        and isinstance(expression.var, Variable) and expression.var.lookups is None
    )


def _constant_address(node) -> bool:
    """`{% url 'name' %}` (not namespaced) without arguments or `as`, or `{% static_url 'path' %}`: the same
    address for every request of a process (given the script prefix)."""
    if isinstance(node, URLNode):
        return (node.asvar is None and not node.args and not node.kwargs
                and isinstance(node.view_name.var, str) and not node.view_name.filters
                # a namespaced name resolves against the request's current app
                and ":" not in node.view_name.var)
    return (isinstance(node, SimpleNode) and node.func is static_url and node.target_var is None
            and not node.kwargs and len(node.args) == 1 and isinstance(node.args[0].var, str))


@register.tag
def per_language(parser, token):
    """`{% per_language %}...{% endper_language %}`: text, `{% translate "..." %}` of constant
    strings and constant addresses (`{% url 'name' %}`, `{% static_url 'path' %}`), rendered
    once per language and process. Anything else inside (a variable, another tag) would
    differ between requests and is refused when the template is loaded."""
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    for node in nodelist:
        if not (isinstance(node, TextNode) or (isinstance(node, TranslateNode) and _constant_translation(node))
                or _constant_address(node)):
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


@register.simple_tag(takes_context=True)
def printed_from(context) -> str:
    """The print footer's line: `{% now "DATE_FORMAT" as printed_on %}{% blocktranslate with
    url=request.build_absolute_uri %}Printed from {{ url }} on {{ printed_on }}{% endblocktranslate %}`
    without the template engine's cost on every page."""
    request = context.get("request")
    url = conditional_escape(request.build_absolute_uri()) if request is not None else ""
    # Both values escaped: the translation's own text is the .po file's, as blocktranslate's.
    return mark_safe(  # noqa: S308
        gettext("Printed from %(url)s on %(printed_on)s") % {"url": url, "printed_on": day_html(timezone.localdate())})


@register.simple_tag(takes_context=True)
def session_nav(context) -> str:
    """The header's links for the visitor: the staff's or the enterprise's home and the
    sign-out form when signed in, otherwise the sign-in link back to this page. What the
    template's `{% if user.is_authenticated %}...{% endif %}` gave, built in Python: it is on
    every page and was a fifth of base.html's rendering."""
    user = context.get("user")
    # Read as the template read them: an object without them is nobody signed in.
    if getattr(user, "is_authenticated", False):
        if getattr(user, "is_staff", False):
            home = (f'<a href="{_address("portal:staff_home")}">{conditional_escape(gettext("Staff home"))}</a>'
                    f' <a href="/admin/">{conditional_escape(gettext("Agency administration"))}</a>')
        else:
            home = f'<a href="{_address("account:home")}">{conditional_escape(gettext("My enterprise"))}</a>'
        token = context.get("csrf_token")
        csrf = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{conditional_escape(token)}">'
                if token and token != "NOTPROVIDED" else "")
        return mark_safe(  # noqa: S308 - every value is escaped
            f"\n        {home}\n        "
            f'<form class="logout-form" action="{_address("account:logout")}" method="post">{csrf}'
            f'<button type="submit">{conditional_escape(gettext("Sign out"))}</button></form>\n      ')
    login_url = _reversed("account:login", get_script_prefix(), get_urlconf())
    request = context.get("request")
    back = ""
    if request is None or request.path != login_url:
        back = "?next=" + conditional_escape(quote(request.get_full_path() if request is not None else ""))
    return mark_safe(  # noqa: S308 - every value is escaped
        f'\n        <a href="{conditional_escape(login_url)}{back}">{conditional_escape(gettext("Sign in"))}</a>\n      ')


def _address(name: str) -> str:
    return conditional_escape(_reversed(name, get_script_prefix(), get_urlconf()))


@functools.lru_cache(maxsize=64)
def _reversed(name: str, script_prefix: str, urlconf) -> str:
    # The header's addresses, the same for every request given the script prefix and the
    # URLconf (which key the cache): each namespace named here has one instance, so the
    # request's current app, which {% url %} passes, does not change them.
    return reverse(name, urlconf=urlconf)
