from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.index, name="index"),
    path("verify_draw.py", views.verifier_script, name="verifier"),
    path("plans/<str:number>/", views.plan_detail, name="plan"),
    path("plans/<str:number>/files.zip", views.plan_zip, name="plan_zip"),
    path("plans/<str:number>/files/<str:name>", views.plan_file, name="plan_file"),
]
