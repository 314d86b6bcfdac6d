"""Form widgets that cost less to render.

`RenderedOnceSelect` is a drop-down whose options are the same for every visitor (the
search page's province, entity type, status and risk class): Django renders a <select>
through a template per option, most of a search page's rendering time. This one renders
its HTML once per process, language, name, attributes and choices, with nothing chosen,
and marks the chosen option in a copy of that text: the same bytes Django would write
(portal/tests/test_widgets.py compares them for every choice).
"""

from __future__ import annotations

import threading

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

_lock = threading.Lock()
_rendered: dict[tuple, str] = {}
# Languages x fields x attribute sets (an error adds aria attributes): a few dozen in all.
_MAX_ENTRIES = 512


class RenderedOnceSelect(forms.Select):
    def _choices_key(self) -> tuple:
        return tuple((str(value), str(label)) for value, label in self.choices)

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        chosen = chosen[0] if chosen else ""
        key = (get_language(), name, tuple(sorted(self.build_attrs(self.attrs, attrs).items())), self._choices_key())
        html = _rendered.get(key)
        if html is None:
            html = str(super().render(name, None, attrs, renderer))
            with _lock:
                if len(_rendered) >= _MAX_ENTRIES:
                    _rendered.clear()
                _rendered[key] = html
        if chosen:
            html = html.replace('<option value="" selected>', '<option value="">', 1).replace(
                f'<option value="{escape(chosen)}">', f'<option value="{escape(chosen)}" selected>', 1
            )
        return mark_safe(html)  # noqa: S308 - Django's own rendering, with one attribute added
