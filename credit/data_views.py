"""/data/: the bulk files (credit/bulk.py), their manifests and the feed's daily heads."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from credit import bulk
from credit.changes import datasets, feed_head
from credit.models import ChangeHead

EARLIER_DAYS = 30
HEADS_SHOWN = 30


@require_safe
def data_index(request):
    found = bulk.manifests()
    latest = bulk.manifest_read(found[0][1]) if found else None
    context = {
        "manifest": latest,
        "files": latest["files"] if latest else [],
        "earlier": [day for day, _path in found[1:EARLIER_DAYS + 1]],
        "heads": list(ChangeHead.objects.order_by("-day")[:HEADS_SHOWN]),
        "current": feed_head(),
        "datasets": [(s.dataset, ["id", *s.columns]) for s in datasets()],
        "licence": bulk.LICENCE,
    }
    return render(request, "credit/data/index.html", context)


def _download(path, content_type: str, filename: str):
    if path is None:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type=content_type, as_attachment=True,  # noqa: SIM115
                            filename=filename)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def file_download(request, folder: str, name: str):
    return _download(bulk.file_path(folder, name), "application/gzip", f"{folder}-{name}")


@require_safe
def manifest_download(request, date: str | None = None):
    path = bulk.manifest_path(date)
    response = _download(path, "application/json", path.name if path else "")
    if date is None:
        response["Cache-Control"] = "public, max-age=300"
    return response
