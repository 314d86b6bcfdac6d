"""The forms of following by e-mail: what to be told, how often, at which address."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.changes import KINDS
from following.models import Frequency


def kind_choices() -> list[tuple[str, str]]:
    from following.email import KIND_LABELS

    return [(kind, KIND_LABELS[kind]) for kind in KINDS]


class FollowSettingsForm(forms.Form):
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices, initial=Frequency.IMMEDIATE,
                                  widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of change"), choices=kind_choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to hear of every kind of change."),
        error_messages={"invalid_choice": _("Kinds of change: %(value)s is not a kind of change of this portal.")},
    )


class FollowForm(FollowSettingsForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             error_messages={"invalid": _("E-mail address: enter a valid address, like name@example.cn."),
                                             "required": _("E-mail address: give the address the alerts are sent to.")})

    field_order = ["email", "frequency", "kinds"]
