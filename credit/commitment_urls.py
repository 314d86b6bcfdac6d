"""The public pages of credit commitment letters under /commitments/ (docs/addresses.md)."""

from django.urls import path

from credit import commitment_views

app_name = "commitments"

urlpatterns = [
    path("", commitment_views.letter_list, name="list"),
    path("verify_commitment.py", commitment_views.verifier_script, name="verifier"),
    path("<int:pk>/", commitment_views.letter_detail, name="detail"),
    path("<int:pk>/letter.txt", commitment_views.letter_document, name="document"),
]
