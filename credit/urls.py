from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("<str:uscc>/", views.enterprise_detail, name="enterprise_detail"),
    path("<str:uscc>/annual-reports/<int:year>/", views.annual_report_detail, name="annual_report_detail"),
]
