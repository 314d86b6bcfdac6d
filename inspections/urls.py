import re

from django.urls import path, register_converter

from inspections import staff_views, views
from inspections.draw import algorithm

app_name = "inspections"


class PlanNumberConverter:
    """The plan-number alphabet (models.code_validator): anything else, a NUL byte
    included, is a 404 before it reaches the database."""

    regex = r"[A-Za-z0-9._-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PlanFileNameConverter(PlanNumberConverter):
    """Only the fixed names of docs/draw.md."""

    regex = "|".join(re.escape(name) for name in (
        algorithm.PARAMETERS_FILE, *algorithm.FROZEN_FILES, algorithm.REVEAL_FILE, algorithm.RESULT_FILE))


# Converter names are project-wide, hence the prefix.
register_converter(PlanNumberConverter, "inspections_plan")
register_converter(PlanFileNameConverter, "inspections_file")

urlpatterns = [
    path("", views.index, name="index"),
    path("verify_draw.py", views.verifier_script, name="verifier"),
    path("staff/disclosure-orders/", views.staff_disclosure_orders, name="staff_disclosure_orders"),
    path("staff/disclosure-orders/<int:pk>/cure/", views.staff_disclosure_order_cure, name="staff_disclosure_order_cure"),
    path("plans/<inspections_plan:number>/", views.plan_detail, name="plan"),
    path("plans/<inspections_plan:number>/files.zip", views.plan_zip, name="plan_zip"),
    path("plans/<inspections_plan:number>/files/<inspections_file:name>", views.plan_file, name="plan_file"),
    path("staff/plans/<inspections_plan:number>/results/", staff_views.staff_plan_results,
         name="staff_plan_results"),
]
