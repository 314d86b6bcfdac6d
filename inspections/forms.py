"""The per-plan results table: one row form per task, in a formset (inspections/views.py
`staff_plan_results`). The rules of a result are the service's (services.task_result_check);
the forms only parse the input, so every error a row shows comes from its one home."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.translation import gettext_lazy as _

from credit.models import validate_plausible_date
from inspections.models import Result, Task


class ResultRowForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), required=False,
                               choices=[("", _("(not recorded)")), *Result.choices])
    completed_on = forms.DateField(label=_("Completion date"), required=False,
                                   validators=[validate_plausible_date],
                                   # ISO, whatever the language: a date input drops any other format,
                                   # and a recorded date would be lost on the next save.
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2, "cols": 30}))
    selected = forms.BooleanField(label=_("Select for publication"), required=False)

    def __init__(self, *args, task: Task, **kwargs):
        self.task = task
        kwargs.setdefault("initial", {
            "task": task.pk, "result": task.result, "completed_on": task.completed_on, "findings": task.findings,
        })
        super().__init__(*args, **kwargs)
        if task.result_is_public:
            # A published result is history: shown, never sent back.
            for name in ("result", "completed_on", "findings", "selected"):
                self.fields[name].disabled = True

    def clean_task(self):
        if self.cleaned_data["task"] != self.task.pk:
            raise ValidationError(_("Row: the plan's tasks changed since this page was loaded; reload it."),
                                  code="stale")
        return self.task.pk

    @property
    def entered(self) -> bool:
        """The row carries a result that differs from the stored one (and so is to be recorded)."""
        data = self.cleaned_data
        if self.task.result_is_public or not (data.get("result") or data.get("completed_on")
                                              or (data.get("findings") or "").strip()):
            return False
        return (data.get("result"), data.get("completed_on"), (data.get("findings") or "").strip()) != (
            self.task.result or "", self.task.completed_on, self.task.findings)

    def apply_error(self, error: ValidationError) -> None:
        """A service's refusal, on the field it names (or on the row)."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class BaseResultRowFormSet(forms.BaseFormSet):
    def __init__(self, *args, tasks: list[Task], **kwargs):
        self.tasks = tasks
        super().__init__(*args, **kwargs)

    def total_form_count(self) -> int:
        return len(self.tasks)

    def initial_form_count(self) -> int:
        return len(self.tasks)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "task": self.tasks[index]}

    def clean(self):
        if self.is_bound and self.management_form.is_valid() and (
                self.management_form.cleaned_data[TOTAL_FORM_COUNT] != len(self.tasks)):
            raise ValidationError(_("The plan's tasks changed since this page was loaded; reload it."),
                                  code="stale")


ResultRowFormSet = forms.formset_factory(ResultRowForm, formset=BaseResultRowFormSet, extra=0)
