"""Content-checked uploads: PDF, JPEG and PNG recognised by their bytes and opened, limits per
file and per application, sanitised names, stored under MEDIA_ROOT with unguessable names.

The interface the repair application codes against (listings.repair): validate_uploads ->
[CheckedUpload], store_upload(checked) -> stored name, UploadRules().help_text(), and the form
field MultipleUploadField."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
_EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}


@dataclass(frozen=True)
class UploadRules:
    max_file_bytes: int = 10 * 1024 * 1024
    max_total_bytes: int = 30 * 1024 * 1024
    max_files: int = 10

    def help_text(self) -> str:
        return gettext("PDF, JPEG or PNG; at most %(files)d files, %(file)d MB each and %(total)d MB together.") % {
            "files": self.max_files, "file": self.max_file_bytes // (1024 * 1024),
            "total": self.max_total_bytes // (1024 * 1024)}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    file: Any


def sanitised_name(name: str) -> str:
    """The file's own name without any path, control characters or characters unsafe in a header."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]+', "_", name).strip(" .")
    return (name or "file")[:200]


def _content_type(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        from pypdf import PdfReader

        try:
            PdfReader(io.BytesIO(data)).pages[0]  # noqa: B018  (opening the first page checks the file)
        except Exception:  # noqa: BLE001 - any parser failure means "not a usable PDF"
            return None
        return PDF
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                fmt = image.format
        except Exception:  # noqa: BLE001 - any decoder failure means "not a usable image"
            return None
        return {"JPEG": JPEG, "PNG": PNG}.get(fmt)
    return None


def validate_uploads(files: list[UploadedFile], rules: UploadRules = UploadRules()) -> list[CheckedUpload]:  # noqa: B008
    """Every file checked by its content; a ValidationError names the file and the rule broken."""
    files = [f for f in files if f]
    if len(files) > rules.max_files:
        raise ValidationError(gettext("Files: at most %(count)d files.") % {"count": rules.max_files},
                              code="too_many_files")
    checked, errors, total = [], [], 0
    for upload in files:
        name = sanitised_name(upload.name)
        if upload.size > rules.max_file_bytes:
            errors.append(gettext("%(name)s: larger than %(limit)d MB.") % {
                "name": name, "limit": rules.max_file_bytes // (1024 * 1024)})
            continue
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        content_type = _content_type(data)
        if content_type is None:
            errors.append(gettext("%(name)s: not a PDF, JPEG or PNG file that can be opened.") % {"name": name})
            continue
        total += len(data)
        checked.append(CheckedUpload(name=name, content_type=content_type, size=len(data),
                                     sha256=hashlib.sha256(data).hexdigest(), file=upload))
    if total > rules.max_total_bytes:
        errors.append(gettext("Files: more than %(limit)d MB together.") % {
            "limit": rules.max_total_bytes // (1024 * 1024)})
    if errors:
        raise ValidationError(errors, code="invalid_upload")
    return checked


def upload_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def store_upload(checked: CheckedUpload) -> str:
    """Write the file under MEDIA_ROOT/uploads with an unguessable name; returns that name."""
    stored_name = secrets.token_urlsafe(24) + _EXTENSIONS[checked.content_type]
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    checked.file.seek(0)
    with open(root / stored_name, "xb") as out:
        for chunk in checked.file.chunks() if hasattr(checked.file, "chunks") else [checked.file.read()]:
            out.write(chunk)
    return stored_name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleUploadField(forms.FileField):
    """Several files in one input; cleaned to the list of files (checked by validate_uploads)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _("PDF, JPEG or PNG files."))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item] or ([] if not self.required else [single(None)])
        return [single(data, initial)] if data else ([] if not self.required else [single(None)])
