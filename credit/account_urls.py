"""The enterprise's own area at /account/ (docs/addresses.md): its liaison signs in here.

Agency staff keep the admin's own login at /admin/login/.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from credit import account_views, views

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
    path("annual-reports/", account_views.annual_reports, name="annual_reports"),
    path("annual-reports/<int:year>/", account_views.annual_report_edit, name="annual_report_edit"),
]
