"""The proof-of-correction files of credit repair applications, served only to their two parties
(docs/addresses.md): the applying enterprise's liaison logins at
/account/repairs/files/<stored_name>/ and the deciding agency's staff at
/lists/staff/repairs/files/<stored_name>/.

Everyone else gets the 404 of a missing file, anonymous visitors included, whichever address they
try: a file address reveals nothing, not even that the file exists. The file is always an
attachment (portal.uploads.upload_response). A staff download is audited
(`listings.repair_file.downloaded`: the file's id, its application and SHA-256, never its content).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from listings.models import RepairFile
from portal import access
from portal.audit import audit_record
from portal.uploads import STORED_NAME, upload_response

# What the admin requires to see repair applications (portal.access: the staff pages ask the same).
VIEW_REPAIR = "listings.view_repairapplication"


def _file_or_404(stored_name: str) -> RepairFile:
    if not STORED_NAME.match(stored_name):
        raise Http404
    repair_file = RepairFile.objects.select_related("application").filter(stored_name=stored_name).first()
    if repair_file is None:
        raise Http404
    return repair_file


def _serve(repair_file: RepairFile) -> HttpResponse:
    return upload_response(repair_file.stored_name, repair_file.original_name, repair_file.content_type)


@require_safe
def account_repair_file(request: HttpRequest, stored_name: str) -> HttpResponse:
    """The applying enterprise's own file: a liaison login of the enterprise that applied."""
    principal = access.who(request)
    if principal.kind is not access.Kind.ENTERPRISE:
        raise Http404
    repair_file = _file_or_404(stored_name)
    if repair_file.application.enterprise_id != principal.enterprise_id:
        raise Http404
    return _serve(repair_file)


@require_safe
def staff_repair_file(request: HttpRequest, stored_name: str) -> HttpResponse:
    """A file for the staff of the application's deciding agency holding the permission to see
    repair applications; audited."""
    principal = access.who(request)
    if principal.agency is None or not access.has_perms(request, [VIEW_REPAIR]):
        raise Http404
    repair_file = _file_or_404(stored_name)
    if repair_file.application.deciding_agency_id != principal.agency.pk:
        raise Http404
    response = _serve(repair_file)
    audit_record(
        action="listings.repair_file.downloaded", actor=request.user, obj=repair_file,
        payload={"application": repair_file.application_id, "sha256": repair_file.sha256},
    )
    return response
