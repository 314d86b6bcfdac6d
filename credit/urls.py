from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("<str:uscc>/", views.enterprise_detail, name="enterprise_detail"),
]
