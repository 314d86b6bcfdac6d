"""portal/uploads.py: files checked by content, names sanitised, stored privately, served as attachments."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zlib
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from portal import uploads
from portal.testing.uploads import jpeg_bytes, pdf_bytes, png_bytes, upload
from portal.uploads import (
    MultipleUploadField,
    UploadRules,
    sanitise_filename,
    store_upload,
    upload_response,
    validate_uploads,
)


def messages(files, rules=None) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        validate_uploads(files, rules or UploadRules())
    return raised.value.messages


# --- what a file is: its content, never its name or the browser's type -----------------


def test_it_refuses_a_shell_script_renamed_pdf():
    assert messages([upload("report.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")]) == [
        "report.pdf: not a PDF, JPEG or PNG file (its content is not one of them)"]


def test_it_refuses_an_html_file_sent_as_image_png():
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    assert messages([upload("scan.png", html, "image/png")]) == [
        "scan.png: not a PDF, JPEG or PNG file (its content is not one of them)"]


def test_it_refuses_a_pdf_header_followed_by_garbage():
    [message] = messages([upload("x.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 200, "application/pdf")])
    assert message == "x.pdf: the PDF cannot be opened (it is damaged or not really a PDF)"


def test_it_refuses_a_pdf_header_followed_by_html():
    html = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n"
    assert "cannot be opened" in messages([upload("x.pdf", html)])[0]


def test_it_refuses_a_truncated_png():
    data = png_bytes((40, 40))
    [message] = messages([upload("scan.png", data[: len(data) // 2], "image/png")])
    assert message.startswith("scan.png: the image cannot be opened")


def test_it_refuses_a_truncated_jpeg():
    data = jpeg_bytes((64, 64))
    assert "cannot be opened" in messages([upload("photo.jpg", data[:200], "image/jpeg")])[0]


def test_it_refuses_a_png_carrying_another_file_after_its_end():
    # A polyglot: a valid image with an HTML page (or a ZIP) appended after IEND.
    data = png_bytes() + b"<html><script>alert(1)</script></html>"
    assert messages([upload("scan.png", data, "image/png")]) == [
        "scan.png: there is other data after the end of the image"]


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_it_refuses_a_decompression_bomb_before_decoding_it():
    bomb = _png_header_only(100_000, 100_000)  # 10 gigapixels declared in a few bytes
    assert messages([upload("bomb.png", bomb, "image/png")]) == [
        "bomb.png: the image has more than 50 million pixels"]


def test_it_refuses_an_encrypted_pdf():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert "encrypted" in messages([upload("locked.pdf", out.getvalue())])[0]


def test_it_refuses_a_pdf_that_runs_javascript_when_opened():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hello');")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    assert messages([upload("active.pdf", out.getvalue())]) == [
        "active.pdf: the PDF contains scripts, actions or embedded files, which are not accepted"]


def test_it_refuses_a_pdf_with_an_embedded_file():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.add_attachment("run.sh", b"#!/bin/sh\n")
    out = io.BytesIO()
    writer.write(out)
    assert "embedded files" in messages([upload("carrier.pdf", out.getvalue())])[0]


@pytest.mark.parametrize(
    ("make", "name", "browser_type", "content_type", "shown_as"),
    [
        (pdf_bytes, "整改报告.pdf", "application/pdf", "application/pdf", "整改报告.pdf"),
        (jpeg_bytes, "photo.JPEG", "image/png", "image/jpeg", "photo.JPEG"),
        (png_bytes, "scan.png", "text/html", "image/png", "scan.png"),
        # The name's extension follows the content: another allowed kind's is replaced, others kept.
        (pdf_bytes, "x.png", "image/png", "application/pdf", "x.pdf"),
        (png_bytes, "notes.sh", "application/x-sh", "image/png", "notes.sh.png"),
        (jpeg_bytes, "no extension", "", "image/jpeg", "no extension.jpg"),
    ],
)
def test_it_accepts_real_files_with_their_detected_type_and_sha256(make, name, browser_type, content_type, shown_as):
    data = make()
    [checked] = validate_uploads([upload(name, data, browser_type)])
    assert checked.content_type == content_type
    assert checked.name == shown_as
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


# --- limits -------------------------------------------------------------------------------


def test_it_refuses_an_empty_file_naming_it():
    assert messages([upload("blank.pdf", b"")]) == ["blank.pdf: empty file"]


def test_it_refuses_an_oversized_file_naming_the_limit():
    data = pdf_bytes() + b"%" * 6 * 1024 * 1024
    assert messages([upload("big.pdf", data)]) == ["big.pdf: larger than 5 MB"]


def test_it_refuses_files_together_over_the_total():
    files = [upload(f"p{i}.png", png_bytes() + b"") for i in range(3)]
    size = len(png_bytes())
    rules = UploadRules(max_file_bytes=size, max_total_bytes=2 * size, max_files=5)
    assert messages(files, rules) == [f"together larger than {uploads._mb(2 * size)} MB"]


def test_it_refuses_too_many_files():
    files = [upload(f"p{i}.png", png_bytes()) for i in range(4)]
    assert messages(files, UploadRules(max_files=3)) == ["too many files: at most 3 files"]


def test_it_lists_every_problem_of_a_submission_at_once():
    found = messages([upload("a.pdf", b""), upload("b.png", b"GIF89a...", "image/png"), upload("c.png", png_bytes())])
    assert found == ["a.pdf: empty file", "b.png: not a PDF, JPEG or PNG file (its content is not one of them)"]


def test_the_help_text_names_the_limits_and_kinds():
    with translation.override("en"):
        assert UploadRules().help_text() == (
            "PDF, JPEG or PNG files only (checked by their content), at most 5 MB each and 20 MB together, "
            "up to 10 files.")
    with translation.override("zh-hans"):
        assert "5" in UploadRules().help_text() and "MB" in UploadRules().help_text()


def test_the_rules_come_from_settings(settings):
    settings.UPLOAD_MAX_FILE_BYTES = 2 * 1024 * 1024
    settings.UPLOAD_MAX_FILES = 2
    rules = UploadRules()
    assert (rules.max_file_bytes, rules.max_files) == (2 * 1024 * 1024, 2)


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("..%2F..%2Fetc%2Fpasswd", "%2F..%2Fetc%2Fpasswd"),  # not decoded: just characters, no leading dots
        ("/tmp/../.bashrc", "bashrc"),
        ("repo\u202Efdp.exe", "repofdp.exe"),  # the right-to-left override that disguises "exe.pdf"
        ("a\x00b\x1fc\x7f.pdf", "abc.pdf"),
        ("zero\u200bwidth\ufeff.pdf", "zerowidth.pdf"),
        ("new\nline\t.pdf", "newline.pdf"),
        ("   ...", "file"),
        ("", "file"),
        ("\u202e", "file"),
        ("整改报告（第二版）.pdf", "整改报告（第二版）.pdf"),
        ("e\u0301cole.pdf", "\u00e9cole.pdf"),  # NFC
        ('what?<is>"this".pdf', "what__is__this_.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("report.pdf.", "report.pdf"),
    ],
)
def test_it_sanitises_file_names(given, expected):
    assert sanitise_filename(given) == expected


def test_a_long_name_keeps_its_extension():
    name = sanitise_filename("长" * 300 + ".pdf")
    assert len(name) == uploads.FILENAME_MAX_LENGTH and name.endswith(".pdf")


def test_the_names_of_refused_files_are_shown_sanitised():
    [message] = messages([upload("../../x\u202e.pdf", b"<html>")])
    assert message.startswith("x.pdf: ")


# --- storing --------------------------------------------------------------------------------


def test_it_stores_outside_the_static_area_with_an_unguessable_name_and_mode_0600():
    data = pdf_bytes()
    [checked] = validate_uploads([upload("报告.pdf", data)])
    first, second = store_upload(checked), store_upload(checked)
    assert first != second
    for stored in (first, second):
        assert uploads.STORED_NAME.match(stored) and len(stored) == 32
        assert "报告" not in stored and "." not in stored
        path = Path(settings.MEDIA_ROOT) / "uploads" / stored
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not path.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())
        for static_dir in settings.STATICFILES_DIRS:
            assert not path.resolve().is_relative_to(Path(static_dir).resolve())
    assert stat.S_IMODE((Path(settings.MEDIA_ROOT) / "uploads").stat().st_mode) == 0o700


def test_it_never_overwrites_an_existing_file(monkeypatch):
    [checked] = validate_uploads([upload("a.png", png_bytes())])
    taken = store_upload(checked)
    names = iter([taken, "B" * 32])
    monkeypatch.setattr(uploads.secrets, "token_urlsafe", lambda n: next(names))
    assert store_upload(checked) == "B" * 32
    assert (Path(settings.MEDIA_ROOT) / "uploads" / taken).read_bytes() == png_bytes()


def test_it_refuses_to_store_content_that_changed_after_the_check():
    file = upload("a.png", png_bytes())
    [checked] = validate_uploads([file])
    file.file = io.BytesIO(b"<html>swapped</html>")
    before = set((Path(settings.MEDIA_ROOT) / "uploads").iterdir())
    with pytest.raises(uploads.StoredContentChanged):
        store_upload(checked)
    assert set((Path(settings.MEDIA_ROOT) / "uploads").iterdir()) == before


def test_the_default_media_root_is_outside_the_static_area_and_ignored_by_git():
    root = Path(settings.BASE_DIR)
    assert "/media/" in (root / ".gitignore").read_text().splitlines()
    assert not (root / "media").is_relative_to(Path(settings.STATIC_ROOT))


def test_a_media_root_inside_the_static_area_is_refused_at_startup(settings):
    assert uploads.media_root_check() == []
    settings.MEDIA_ROOT = Path(settings.STATIC_ROOT) / "media"
    assert [error.id for error in uploads.media_root_check()] == ["portal.E010"]


# --- serving --------------------------------------------------------------------------------


def test_it_serves_a_stored_file_as_an_attachment_with_nosniff():
    data = png_bytes()
    [checked] = validate_uploads([upload("整改 照片.png", data, "text/html")])
    response = upload_response(store_upload(checked), checked.name, checked.content_type)
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"__ __.png\"; filename*=UTF-8''%E6%95%B4%E6%94%B9%20%E7%85%A7%E7%89%87.png")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_an_unknown_content_type_is_served_as_octet_stream():
    [checked] = validate_uploads([upload("a.pdf", pdf_bytes())])
    response = upload_response(store_upload(checked), 'a"; inline.pdf', "text/html")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; filename=\"a__ inline.pdf\";")


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", "", "a" * 31, "a" * 33, "a/b" + "c" * 29,
                                  "%2e%2e%2f" + "a" * 23, "A" * 32])
def test_a_stored_name_outside_the_alphabet_or_missing_is_a_404(name):
    with pytest.raises(Http404):
        upload_response(name, "x.pdf", "application/pdf")


def test_a_symlink_in_the_upload_folder_is_not_followed():
    directory = uploads.upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / ("L" * 32)
    link.unlink(missing_ok=True)
    link.symlink_to("/etc/hostname")
    with pytest.raises(Http404):
        upload_response(link.name, "x.pdf", "application/pdf")


# --- the form field ---------------------------------------------------------------------------


class ProofForm(forms.Form):
    proof = MultipleUploadField(rules=UploadRules(max_files=2))


def test_the_field_returns_checked_uploads_and_names_the_files_it_refuses():
    from django.utils.datastructures import MultiValueDict

    good = ProofForm(files=MultiValueDict({"proof": [upload("a.png", png_bytes()), upload("b.pdf", pdf_bytes())]}))
    assert good.is_valid(), good.errors
    assert [c.content_type for c in good.cleaned_data["proof"]] == ["image/png", "application/pdf"]
    with translation.override("en"):
        bad = ProofForm(data={}, files=MultiValueDict({"proof": [upload("a.pdf", b"#!/bin/sh")]}))
        assert not bad.is_valid()
        assert bad.errors["proof"] == ["a.pdf: not a PDF, JPEG or PNG file (its content is not one of them)"]
        missing = ProofForm(data={}, files=MultiValueDict())
        assert not missing.is_valid() and missing.errors["proof"] == ["This field is required."]


def test_the_field_renders_several_files_the_limits_and_the_accept_hint():
    with translation.override("en"):
        html = str(ProofForm()["proof"]) + str(ProofForm()["proof"].help_text)
    assert 'type="file"' in html and "multiple" in html
    assert 'accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.jpe,.png"' in html
    assert "at most 5 MB each and 20 MB together, up to 2 files" in html


# --- a request body larger than allowed -------------------------------------------------------


@pytest.mark.django_db
def test_a_request_body_over_the_limit_is_a_413_page_not_a_500(client, settings):
    settings.REQUEST_MAX_BODY_BYTES = 1000
    body = b"x" * 2000
    with translation.override("en"):
        response = client.post("/account/login/", data=body, content_type="application/octet-stream",
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    text = response.content.decode()
    assert "Too much sent at once" in text and "Nothing was saved" in text
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_a_multipart_upload_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    response = client.post("/account/login/", {"username": "x", "file": upload("big.pdf", b"%PDF-" + b"0" * 20_000)},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "At most" in response.content.decode()


@pytest.mark.django_db
def test_too_many_form_fields_is_a_400_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = client.post("/account/login/", {f"f{i}": "x" for i in range(20)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
