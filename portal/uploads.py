"""Uploaded files: checked by their content, stored where nothing serves them, handed back
only as attachments (docs/rules.md, "Uploads").

- `validate_uploads(files, rules)` decides what a file is from its first bytes only (the
  browser's content type and the name's extension are ignored), then that it opens as that
  kind (pypdf for a PDF, Pillow for an image), and checks the limits of `UploadRules`. It
  returns `CheckedUpload`s or raises one `ValidationError` whose messages name the file and
  the rule broken.
- `sanitise_filename(name)` is the name shown and offered on download: no path parts, no
  control or format characters, NFC, no leading dots, bounded length.
- `store_upload(checked)` writes the file under `MEDIA_ROOT/uploads/` with a random name
  (`secrets.token_urlsafe(24)`, no part of it from the user), mode 0600, never overwriting.
- `store_upload_on_commit(checked)`: the same for a record written in a transaction; the file
  is removed again if the transaction (or savepoint) rolls back (`upload_discard`).
- `upload_response(stored_name, download_name, content_type)` serves it: always an
  attachment, `nosniff`, `private, no-store`, a sandboxing CSP. A stored name outside the
  alphabet and length `store_upload` gives is a 404 before the file system is touched.
- `MultipleUploadField`: the form field for several files, whose clean runs
  `validate_uploads` and whose help text states the limits.

This module is the floor (portal): it knows nothing of the apps whose records own files.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import warnings
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MIB = 1024 * 1024

# kind -> (label, content type, extension given to the stored name shown, magic bytes, other extensions of it)
KINDS: dict[str, tuple[str, str, str, bytes, tuple[str, ...]]] = {
    "pdf": ("PDF", "application/pdf", ".pdf", b"%PDF-", ()),
    "jpeg": ("JPEG", "image/jpeg", ".jpg", b"\xff\xd8\xff", (".jpeg", ".jpe")),
    "png": ("PNG", "image/png", ".png", b"\x89PNG\r\n\x1a\n", ()),
}
CONTENT_TYPES = frozenset(kind[1] for kind in KINDS.values())
_KNOWN_EXTENSIONS = {ext: kind for kind, spec in KINDS.items() for ext in (spec[2], *spec[4])}
_PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG"}

# The names store_upload gives: token_urlsafe(24) is 32 characters of this alphabet.
STORED_NAME = re.compile(r"\A[A-Za-z0-9_-]{32}\Z")
UPLOAD_DIR = "uploads"
FILENAME_MAX_LENGTH = 120
FALLBACK_NAME = "file"
# Characters Windows refuses in a file name (the name is offered on download).
_UNSAFE_IN_NAMES = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = re.compile(r"\A(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?\Z", re.IGNORECASE)
# PDF actions that run something or reach out when the file is opened.
_PDF_ACTIVE_ACTIONS = frozenset({
    "/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMedia", "/Rendition", "/Sound", "/Movie", "/GoToE",
})


def _mb(size: int) -> str:
    """A byte count in MB (MiB: 1,048,576 bytes) as the messages show it: "5", "2.5"."""
    return f"{size / MIB:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class UploadRules:
    """The limits of one upload form. Defaults from settings (UPLOAD_MAX_FILE_BYTES,
    UPLOAD_MAX_TOTAL_BYTES, UPLOAD_MAX_FILES, UPLOAD_MAX_IMAGE_PIXELS)."""

    max_file_bytes: int = field(default_factory=lambda: settings.UPLOAD_MAX_FILE_BYTES)
    max_total_bytes: int = field(default_factory=lambda: settings.UPLOAD_MAX_TOTAL_BYTES)
    max_files: int = field(default_factory=lambda: settings.UPLOAD_MAX_FILES)
    kinds: tuple[str, ...] = ("pdf", "jpeg", "png")
    max_image_pixels: int = field(default_factory=lambda: settings.UPLOAD_MAX_IMAGE_PIXELS)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown upload kinds: {sorted(unknown)}")

    def kinds_text(self) -> str:
        return str(get_text_list([KINDS[kind][0] for kind in self.kinds], _("or")))

    def help_text(self) -> str:
        return ngettext(
            "%(kinds)s files only (checked by their content), at most %(file_mb)s MB each and %(total_mb)s MB "
            "together, up to %(count)d file.",
            "%(kinds)s files only (checked by their content), at most %(file_mb)s MB each and %(total_mb)s MB "
            "together, up to %(count)d files.",
            self.max_files,
        ) % {"kinds": self.kinds_text(), "file_mb": _mb(self.max_file_bytes),
             "total_mb": _mb(self.max_total_bytes), "count": self.max_files}

    def remaining(self, *, files: int, size: int) -> UploadRules:
        """These limits less what was already uploaded (`files` files of `size` bytes in all):
        the limits of one application are for all its submissions together."""
        return replace(self, max_files=max(self.max_files - files, 0),
                                   max_total_bytes=max(self.max_total_bytes - size, 0))

    def accept(self) -> str:
        """The file input's `accept` attribute: a hint for the browser's picker, never a check."""
        types = [KINDS[kind][1] for kind in self.kinds]
        extensions = [ext for kind in self.kinds for ext in (KINDS[kind][2], *KINDS[kind][4])]
        return ",".join([*types, *extensions])


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed validate_uploads: its sanitised name (extension matching its
    content), the detected content type, its size, the SHA-256 of its content (hex), and the
    file object it came from."""

    name: str
    content_type: str
    size: int
    sha256: str
    file: Any = field(repr=False, compare=False)

    @property
    def kind(self) -> str:
        return next(kind for kind, spec in KINDS.items() if spec[1] == self.content_type)


# --- names ------------------------------------------------------------------------------


def sanitise_filename(name: Any) -> str:
    """A user's file name made safe to keep, show and offer on download.

    Everything up to the last / or \\ goes (a path, "C:\\x\\y.pdf", "../../etc/passwd"); control,
    format and other non-characters (Unicode categories C*, the bidi overrides such as U+202E
    included) go; the name is NFC-normalised; characters Windows refuses become "_"; leading
    dots and spaces and trailing dots and spaces go; at most FILENAME_MAX_LENGTH characters
    (the extension kept); a Windows device name gets a leading "_"; "file" when nothing is left.
    Percent escapes are not decoded: "..%2F" is just characters. Chinese stays as it is."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = _UNSAFE_IN_NAMES.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    text = text.lstrip(".")
    if len(text) > FILENAME_MAX_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: FILENAME_MAX_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:FILENAME_MAX_LENGTH].rstrip(" .")
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    return text or FALLBACK_NAME


def name_for_kind(name: str, kind: str) -> str:
    """`name` (already sanitised) ending in the extension of what the file is: an extension of
    another allowed kind is replaced ("x.png" that is a PDF becomes "x.pdf"), any other ending is
    kept and the right extension added ("notes.sh" that is a PDF becomes "notes.sh.pdf")."""
    stem, dot, ext = name.rpartition(".")
    ext = "." + ext.lower() if dot and stem else ""
    if ext and _KNOWN_EXTENSIONS.get(ext) == kind:
        return name
    if ext in _KNOWN_EXTENSIONS:
        name = stem
    result = name + KINDS[kind][2]
    if len(result) > FILENAME_MAX_LENGTH:
        result = name[: FILENAME_MAX_LENGTH - len(KINDS[kind][2])] + KINDS[kind][2]
    return result


# --- content ----------------------------------------------------------------------------


def detect_kind(head: bytes, kinds: tuple[str, ...] = tuple(KINDS)) -> str | None:
    """The kind whose magic bytes `head` starts with, or None. Nothing else is looked at."""
    for kind in kinds:
        if head.startswith(KINDS[kind][3]):
            return kind
    return None


def _pdf_problem(data: bytes, name: str) -> str | None:
    """Why a file starting with %PDF- is refused, or None: pypdf in strict mode must read its
    cross-reference table and at least one page; encrypted files and files with active content
    (JavaScript, launch or submit actions, embedded files, XFA forms) are refused."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            return _("%(name)s: the PDF is encrypted or password-protected; upload it without a password") % {
                "name": name}
        pages = list(reader.pages)
        if not pages:
            raise ValueError("no page")
        active = _pdf_has_active_content(reader, pages)
    except Exception:  # noqa: BLE001 - pypdf raises many kinds of errors on a damaged file: all mean "refused"
        return _("%(name)s: the PDF cannot be opened (it is damaged or not really a PDF)") % {"name": name}
    if active:
        return _("%(name)s: the PDF contains scripts, actions or embedded files, which are not accepted") % {
            "name": name}
    return None


def _action_is_active(action: Any) -> bool:
    action = action.get_object() if hasattr(action, "get_object") else action
    return hasattr(action, "get") and str(action.get("/S", "")) in _PDF_ACTIVE_ACTIONS


def _pdf_has_active_content(reader, pages) -> bool:
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        if "/JavaScript" in names or "/EmbeddedFiles" in names:
            return True
    acroform = root.get("/AcroForm")
    if acroform is not None and "/XFA" in acroform.get_object():
        return True
    if "/AA" in root:
        return True
    open_action = root.get("/OpenAction")
    if open_action is not None and _action_is_active(open_action):
        return True
    for page in pages:
        if "/AA" in page:
            return True
        for annotation in page.get("/Annots", None) or ():
            annotation = annotation.get_object()
            if "/AA" in annotation or str(annotation.get("/Subtype", "")) in {"/FileAttachment", "/RichMedia",
                                                                             "/Screen", "/Movie", "/Sound"}:
                return True
            if annotation.get("/A") is not None and _action_is_active(annotation["/A"]):
                return True
    return False


def _png_ends_at(data: bytes) -> int | None:
    """The offset just after a PNG's IEND chunk, walking its chunks; None if there is none."""
    offset = 8
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        chunk_type = data[offset + 4:offset + 8]
        offset += 12 + length
        if chunk_type == b"IEND":
            return offset if offset <= len(data) else None
    return None


def _image_problem(data: bytes, name: str, kind: str, max_pixels: int) -> str | None:
    """Why an image is refused, or None: Pillow must recognise it as its kind, `verify()` it and
    decode it completely; more than `max_pixels` pixels (a decompression bomb) and, for a PNG,
    anything after its end (a polyglot carrying another file) are refused."""
    from PIL import Image

    damaged = _("%(name)s: the image cannot be opened (it is damaged, truncated or not really a %(kind)s)") % {
        "name": name, "kind": KINDS[kind][0]}
    fmt = _PILLOW_FORMAT[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    return _too_many_pixels(name, max_pixels)
                image.verify()
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _too_many_pixels(name, max_pixels)
    except Exception:  # noqa: BLE001 - any failure to decode is a refusal
        return damaged
    if kind == "png":
        end = _png_ends_at(data)
        if end is None:
            return damaged
        if end != len(data):
            return _("%(name)s: there is other data after the end of the image") % {"name": name}
    return None


def _too_many_pixels(name: str, max_pixels: int) -> str:
    return _("%(name)s: the image has more than %(megapixels)s million pixels") % {
        "name": name, "megapixels": f"{max_pixels / 1_000_000:g}"}


def _read_all(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        data = b"".join(upload.chunks())
    else:
        data = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data


def validate_uploads(files, rules: UploadRules | None = None) -> list[CheckedUpload]:
    """Check every file of one submission; the checked files in the order given, or a
    ValidationError listing every problem (each naming the file and the rule)."""
    rules = rules or UploadRules()
    files = list(files)
    errors: list[ValidationError] = []
    if len(files) > rules.max_files:
        errors.append(ValidationError(
            ngettext("too many files: at most %(count)d file", "too many files: at most %(count)d files",
                     rules.max_files) % {"count": rules.max_files},
            code="too_many_files"))
    checked: list[CheckedUpload] = []
    total = 0
    for upload in files:
        name = sanitise_filename(getattr(upload, "name", ""))
        size = getattr(upload, "size", None)
        if size is not None and size > rules.max_file_bytes:
            total += size
            errors.append(ValidationError(
                _("%(name)s: larger than %(mb)s MB") % {"name": name, "mb": _mb(rules.max_file_bytes)},
                code="file_too_large"))
            continue
        data = _read_all(upload)
        size = len(data)
        total += size
        if size == 0:
            errors.append(ValidationError(_("%(name)s: empty file") % {"name": name}, code="empty"))
            continue
        if size > rules.max_file_bytes:
            errors.append(ValidationError(
                _("%(name)s: larger than %(mb)s MB") % {"name": name, "mb": _mb(rules.max_file_bytes)},
                code="file_too_large"))
            continue
        kind = detect_kind(data[:16], rules.kinds)
        if kind is None:
            errors.append(ValidationError(
                _("%(name)s: not a %(kinds)s file (its content is not one of them)") % {
                    "name": name, "kinds": rules.kinds_text()},
                code="kind"))
            continue
        problem = _pdf_problem(data, name) if kind == "pdf" else _image_problem(data, name, kind,
                                                                                  rules.max_image_pixels)
        if problem is not None:
            errors.append(ValidationError(problem, code="content"))
            continue
        checked.append(CheckedUpload(name=name_for_kind(name, kind), content_type=KINDS[kind][1], size=size,
                                     sha256=hashlib.sha256(data).hexdigest(), file=upload))
    if total > rules.max_total_bytes:
        errors.append(ValidationError(
            _("together larger than %(mb)s MB") % {"mb": _mb(rules.max_total_bytes)}, code="total_too_large"))
    if errors:
        raise ValidationError(errors)
    return checked


# --- storing and serving ----------------------------------------------------------------


def media_root_check(app_configs=None, **kwargs):
    """portal.E010: MEDIA_ROOT (where uploads are stored) must not be inside, or contain, a folder
    whose files are served as they are (STATIC_ROOT, STATICFILES_DIRS)."""
    from django.core import checks

    media = Path(settings.MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT), *(Path(d if isinstance(d, str | Path) else d[1]) for d in
                                            settings.STATICFILES_DIRS)]
    for folder in served:
        folder = folder.resolve()
        if media == folder or media.is_relative_to(folder) or folder.is_relative_to(media):
            return [checks.Error(f"MEDIA_ROOT ({media}) overlaps a static folder ({folder}): uploaded files "
                                 "would be served as they are", id="portal.E010")]
    return []



def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


class StoredContentChanged(Exception):
    """The file's content changed between validation and storing (nothing is kept)."""


def store_upload(checked: CheckedUpload) -> str:
    """Write a checked file under MEDIA_ROOT/uploads/ and return its stored name: 32 random
    URL-safe characters, nothing from the user. Mode 0600 in a 0700 directory; O_EXCL, so
    an existing file is never overwritten (a collision draws a new name). The content written
    is hashed again and must be what was checked."""
    directory = upload_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _attempt in range(5):
        stored_name = secrets.token_urlsafe(24)
        path = directory / stored_name
        try:
            descriptor = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        try:
            os.fchmod(descriptor, 0o600)
            digest = hashlib.sha256()
            with os.fdopen(descriptor, "wb") as out:
                data = _read_all(checked.file)
                digest.update(data)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != checked.sha256:
                raise StoredContentChanged(checked.name)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return stored_name
    raise FileExistsError("no free stored name after 5 attempts")


def upload_discard(stored_name: str) -> None:
    """Remove a stored file that no record names (a transaction that stored it rolled back)."""
    if STORED_NAME.match(stored_name or ""):
        (upload_dir() / stored_name).unlink(missing_ok=True)


class _KeptOnCommit:
    """The on_commit callback of one stored file: run (the transaction committed), it marks the
    file kept. Django drops the callbacks of a transaction or savepoint that rolls back; the
    callback is then freed unrun, and its finalizer removes the file."""

    def __init__(self, state: dict):
        self.state = state

    def __call__(self) -> None:
        self.state["kept"] = True


def _discard_unless_kept(path: Path, state: dict) -> None:
    if not state["kept"]:
        path.unlink(missing_ok=True)


def store_upload_on_commit(checked: CheckedUpload, *, using: str | None = None) -> str:
    """store_upload for a record written in the current transaction: the file is written now
    (its name goes into the record) and removed again if that transaction, or the savepoint it
    was stored in, rolls back, so that no file is left on disk that no record names. Outside a
    transaction the file is kept at once. The services that attach files use this, never
    store_upload itself."""
    stored_name = store_upload(checked)
    state = {"kept": False}
    callback = _KeptOnCommit(state)
    weakref.finalize(callback, _discard_unless_kept, upload_dir() / stored_name, state)
    transaction.on_commit(callback, using=using)
    return stored_name


def _ascii_fallback(name: str) -> str:
    """The name for clients that do not read `filename*`: accents dropped, every other character
    outside plain ASCII letters, digits, " ", ".", "_" and "-" replaced by "_"."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9._ -]", "_", text).strip(" .") or FALLBACK_NAME


def content_disposition(download_name: str) -> str:
    """`attachment` with an ASCII `filename` for old clients and the exact UTF-8 name as
    `filename*` (RFC 6266 / RFC 5987)."""
    name = sanitise_filename(download_name)
    return f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def upload_response(stored_name: str, download_name: str, content_type: str) -> FileResponse:
    """The stored file as a download, never shown inline: a 404 for a name store_upload cannot
    have given or a file that is not there. The content type is the detected one (anything
    else is sent as application/octet-stream)."""
    if not isinstance(stored_name, str) or not STORED_NAME.match(stored_name):
        raise Http404
    path = upload_dir() / stored_name
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        raise Http404 from None
    handle = os.fdopen(descriptor, "rb")
    response = FileResponse(handle, content_type=content_type if content_type in CONTENT_TYPES else
                            "application/octet-stream")
    response["Content-Disposition"] = content_disposition(download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- the form field ---------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    """A file input taking several files (Django's "Uploading multiple files")."""

    allow_multiple_selected = True


class MultipleUploadField(forms.FileField):
    """Several files in one field; `clean` returns validate_uploads' CheckedUpload list.
    The help text states the limits and kinds unless one is given."""

    widget = MultipleFileInput

    def __init__(self, *, rules: UploadRules | None = None, **kwargs):
        self.rules = rules or UploadRules()
        # The limits in the language of the request that renders the form.
        kwargs.setdefault("help_text", lazy(self.rules.help_text, str)())
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": self.rules.accept()}))
        kwargs["allow_empty_file"] = True  # an empty file is refused by validate_uploads, with its name
        kwargs.setdefault("max_length", None)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        items = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if not items:
            single_clean(None, initial)  # "This field is required." when it is
            return []
        files = [single_clean(item, initial) for item in items]
        return validate_uploads([f for f in files if f], self.rules)

