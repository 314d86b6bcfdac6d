"""Staff pages of credit commitment letters under /staff/commitments/ (docs/addresses.md)."""

from django.urls import path

import portal.converters  # noqa: F401 (registers <id:...>)
from credit import commitment_views

app_name = "commitments_staff"

urlpatterns = [
    path("", commitment_views.staff_letters, name="list"),
    path("<id:pk>/breach/", commitment_views.staff_breach, name="breach"),
    path("<id:pk>/fulfil/", commitment_views.staff_fulfil, name="fulfil"),
]
