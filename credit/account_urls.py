"""The enterprise's own area at /account/ (docs/addresses.md): its liaison signs in here.

Agency staff keep the admin's own login at /admin/login/.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from credit import account_views, commitment_views, disclosure_views, views

app_name = "account"

urlpatterns = [
    path("", views.account_home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="account/login.html", next_page=reverse_lazy("account:home")),
        name="login",
    ),
    # Django's LogoutView accepts POST only, so a link or prefetch cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("activate/", account_views.activate, name="activate"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", account_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/done/", account_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

# Instant disclosures (credit/disclosure_views.py) and annual reports (credit/account_views.py).
urlpatterns += [
    path("disclosures/", disclosure_views.disclosure_list, name="disclosures"),
    path("disclosures/new/<slug:kind>/", disclosure_views.disclosure_new, name="disclosure_new"),
    path("disclosures/<int:pk>/correct/", disclosure_views.disclosure_correct, name="disclosure_correct"),
    path("annual-reports/", account_views.annual_reports, name="annual_reports"),
    path("annual-reports/<int:year>/", account_views.annual_report_edit, name="annual_report_edit"),
]

# Credit commitment letters (credit/commitment_views.py).
urlpatterns += [
    path("commitments/", commitment_views.account_letters, name="commitments"),
    path("commitments/sign/", commitment_views.account_sign, name="commitment_sign"),
]
