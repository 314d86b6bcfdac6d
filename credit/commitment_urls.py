"""The public pages of credit commitment letters under /commitments/ (docs/addresses.md)."""

from django.urls import path

import portal.converters  # noqa: F401 (registers <id:...>)
from credit import commitment_views

app_name = "commitments"

urlpatterns = [
    path("", commitment_views.letter_list, name="list"),
    path("verify_commitment.py", commitment_views.verifier_script, name="verifier"),
    path("<id:pk>/", commitment_views.letter_detail, name="detail"),
    path("<id:pk>/letter.txt", commitment_views.letter_document, name="document"),
]
