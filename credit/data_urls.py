from django.urls import path, re_path

from credit import data_views

urlpatterns = [
    path("", data_views.data_index, name="data_index"),
    path("manifest.json", data_views.manifest_download, name="data_manifest_latest"),
    re_path(r"^manifest-(?P<date>\d{4}-\d{2}-\d{2})\.json$", data_views.manifest_download, name="data_manifest"),
    re_path(r"^(?P<folder>(?:snapshot|delta)-\d{4}-\d{2}-\d{2})/(?P<name>[a-z_]{1,40}\.(?:csv|jsonl)\.gz)$",
            data_views.file_download, name="data_file"),
]
