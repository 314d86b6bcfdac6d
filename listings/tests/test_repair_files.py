"""Serving repair applications' proof files (listings/repair_files.py): only to the applying
enterprise and the deciding agency's staff, always as an attachment."""

from __future__ import annotations

import pytest

from listings.tests.factories import make_repair_file
from portal.audit import AuditEvent
from portal.testing.uploads import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def proof(personas):
    # Enterprise B applied; agency B decides.
    return make_repair_file(enterprise=personas.firm_b, deciding_agency=personas.agency_b, name="现场照片.png",
                            data=png_bytes())


def account_url(proof) -> str:
    return f"/account/repairs/files/{proof.stored_name}/"


def staff_url(proof) -> str:
    return f"/lists/staff/repairs/files/{proof.stored_name}/"


def test_the_applying_enterprise_downloads_its_file_as_an_attachment(personas, proof):
    response = personas.client("enterprise_b").get(account_url(proof))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_deciding_agency_staff_download_it_and_the_download_is_audited(personas, proof):
    response = personas.client("staff_b").get(staff_url(proof))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; ")
    event = AuditEvent.objects.get(action="listings.repair_file.downloaded")
    assert event.object_id == str(proof.pk)
    assert event.payload == {"application": proof.application_id, "sha256": proof.sha256}


@pytest.mark.parametrize("persona", ["anonymous", "enterprise_a", "staff_a", "staff_b", "staff_a_no_perms",
                                     "staff_without_agency", "superuser"])
def test_everyone_but_the_applicant_gets_a_404_at_the_account_address(personas, proof, persona):
    assert personas.client(persona).get(account_url(proof)).status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "enterprise_a", "enterprise_b", "staff_a", "staff_a_no_perms",
                                     "staff_without_agency", "superuser"])
def test_everyone_but_the_deciding_agency_gets_a_404_at_the_staff_address(personas, proof, persona):
    assert personas.client(persona).get(staff_url(proof)).status_code == 404
    assert not AuditEvent.objects.filter(action="listings.repair_file.downloaded").exists()


def test_staff_of_the_deciding_agency_without_the_permission_get_a_404(personas, proof):
    from django.contrib.auth.models import Permission

    user = personas.users["staff_b"]
    user.groups.clear()
    user.user_permissions.set(Permission.objects.filter(codename="view_listentry"))
    assert personas.client("staff_b").get(staff_url(proof)).status_code == 404


@pytest.mark.parametrize("name", ["..%2F..%2Fetc%2Fpasswd", "not-a-stored-name", "A" * 32, "%2e%2e"])
def test_names_that_are_no_stored_file_are_a_404(personas, proof, name):
    assert personas.client("enterprise_b").get(f"/account/repairs/files/{name}/").status_code == 404
    assert personas.client("staff_b").get(f"/lists/staff/repairs/files/{name}/").status_code == 404


def test_a_file_missing_on_disk_is_a_404_not_a_500(personas, proof):
    from portal.uploads import upload_dir

    (upload_dir() / proof.stored_name).unlink()
    assert personas.client("enterprise_b").get(account_url(proof)).status_code == 404


def test_a_post_is_not_allowed(personas, proof):
    assert personas.client("enterprise_b").post(account_url(proof)).status_code == 405


def test_the_file_is_never_put_in_the_page_cache(personas, proof):
    client = personas.client("enterprise_b")
    first = client.get(account_url(proof))
    second = client.get(account_url(proof))
    assert first.status_code == second.status_code == 200
    assert "public" not in second["Cache-Control"]


@pytest.mark.parametrize("others", [0, 30])
def test_a_download_costs_a_constant_number_of_queries(personas, proof, others, django_assert_num_queries):
    # Other files of the same application change nothing: the file is read by its name.
    for _ in range(others):
        make_repair_file(enterprise=personas.firm_b, deciding_agency=personas.agency_b, application=proof.application,
                         data=png_bytes())
    client = personas.client("enterprise_b")
    # The session, the user, who() (the login's link), the file with its application.
    with django_assert_num_queries(4):
        assert client.get(account_url(proof)).status_code == 200
    staff = personas.client("staff_b")
    # The session, the user, who(), the permissions (group and user), the file, the audit event.
    with django_assert_num_queries(7):
        assert staff.get(staff_url(proof)).status_code == 200
