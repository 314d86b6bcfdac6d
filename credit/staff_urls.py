"""Staff pages of enterprise logins under /staff/enterprises/ (docs/addresses.md)."""

from django.urls import path

from credit import staff_views

app_name = "credit_staff"

urlpatterns = [
    path("accounts/", staff_views.accounts_index, name="accounts_index"),
    path("<str:uscc>/accounts/", staff_views.enterprise_accounts, name="enterprise_accounts"),
]
