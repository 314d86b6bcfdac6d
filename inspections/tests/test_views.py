from __future__ import annotations

import datetime as dt
import io
import zipfile
from unittest import mock
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from credit.selectors import credit_file
from credit.tests.factories import AgencyFactory, EnterpriseFactory
from inspections import services
from inspections.draw import algorithm
from inspections.models import PlanFile, Result, Task
from inspections.tests.factories import PlanFactory, entropy_due

pytestmark = pytest.mark.django_db


def drawn_plan(setup_plan, **fields):
    plan, inspectors, user = setup_plan(**fields)
    plan = services.plan_commit(plan=plan, actor=user)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="11 22 33")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    plan.refresh_from_db()
    return plan, user


def publish_all(plan, user, result=Result.NO_PROBLEM):
    for task in Task.objects.filter(plan=plan):
        services.task_result_record(task=task, result=result, findings="", completed_on=dt.date(2026, 10, 28),
                                    actor=user)
    services.plan_results_publish(plan=plan, actor=user)


def test_it_hides_draft_plans(client):
    plan = PlanFactory()
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(f"/inspections/plans/{plan.number}/files/parameters.json").status_code == 404


def test_it_serves_the_frozen_files_before_the_reveal_and_hides_the_rest(client, setup_plan):
    plan, _ = drawn_plan(setup_plan, reveal_policy="on_publication")
    page = client.get(plan.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert plan.commitment in body
    assert bytes(plan.secret).hex() not in body and plan.seed not in body
    for name in ("parameters.json", "pool.csv", "roster.csv", "exclusions.csv"):
        response = client.get(f"/inspections/plans/{plan.number}/files/{name}")
        assert response.status_code == 200
        stored = PlanFile.objects.get(plan=plan, name=name)
        assert response.content == bytes(stored.content)
        assert response["X-Content-SHA256"] == algorithm.sha256_hex(response.content) == stored.sha256
        assert stored.sha256 in body
    for name in ("reveal.json", "result.csv", "nothing.txt"):
        assert client.get(f"/inspections/plans/{plan.number}/files/{name}").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/inspections/plans/{plan.number}/files.zip").content))
    assert sorted(archive.namelist()) == sorted(
        f"{plan.number}/{n}" for n in ("parameters.json", "pool.csv", "roster.csv", "exclusions.csv")
    )


def test_it_reveals_secret_seed_and_result_after_publication(client, setup_plan, tmp_path):
    plan, user = drawn_plan(setup_plan, reveal_policy="on_publication")
    publish_all(plan, user)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert bytes(plan.secret).hex() in body and plan.seed in body and plan.public_entropy in body
    result = client.get(f"/inspections/plans/{plan.number}/files/result.csv")
    assert result.status_code == 200 and result.content.startswith(b"uscc,risk_class,ticket,inspector_codes\n")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/inspections/plans/{plan.number}/files.zip").content))
    archive.extractall(tmp_path)
    from inspections.verify_draw import verify

    count, digest = verify(str(tmp_path / plan.number))
    assert count == 10 and digest == algorithm.sha256_hex(result.content)


def test_it_lists_plans_and_filters_results_with_constant_queries(client, setup_plan, django_assert_num_queries):
    plan, user = drawn_plan(setup_plan)
    publish_all(plan, user)
    other_agency = AgencyFactory(code="AG-OTHER")
    PlanFactory(agency=other_agency, number="SJ-OTHER", year=plan.year - 1, state="committed")
    # session-less anonymous request: the site's version (the page cache's key), plans
    # count + page, results count + page, agency choices for the filter form.
    with django_assert_num_queries(6):
        response = client.get("/inspections/")
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 1 + 2 + 1 + 10
    with django_assert_num_queries(6):
        response = client.get("/inspections/", {"agency": "AG-OTHER"})
    assert "SJ-OTHER" in response.content.decode() and plan.get_absolute_url() not in response.content.decode()
    response = client.get("/inspections/", {"result": "no_problem", "year": str(plan.year)})
    assert response.context["result_page"].paginator.count == 10
    response = client.get("/inspections/", {"result": "unreachable", "year": str(plan.year)})
    assert response.context["result_page"].paginator.count == 0
    response = client.get("/inspections/", {"result": "no_problem", "year": str(plan.year - 1)})
    assert response.context["result_page"].paginator.count == 0
    response = client.get("/inspections/", {"year": "not-a-year"})
    assert response.status_code == 200 and "year" in response.context["filter"].form.errors


def test_it_shows_a_plan_page_with_constant_queries(client, setup_plan, django_assert_num_queries):
    plan, user = drawn_plan(setup_plan)
    # the site's version, plan with agency, items, files (without content), draw, tasks count, tasks
    # page, the agency's coverage of the year (drawn firms, firms on the register), n of m published.
    with django_assert_num_queries(10):
        response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 1 + 6 + 1 + 10


SECTION_TEMPLATES = ("inspections/sections/spot_checks.html", "inspections/sections/double_random.html")


def test_it_renders_the_credit_file_sections_with_published_results_only(setup_plan, django_assert_num_queries):
    plan, user = drawn_plan(setup_plan)
    task = Task.objects.filter(plan=plan).first()
    enterprise = task.enterprise
    empty_context = credit_file(enterprise=EnterpriseFactory())
    empty = "".join(render_to_string(name, empty_context) for name in SECTION_TEMPLATES)
    assert 'id="spot-checks"' in empty and 'id="double-random"' in empty
    services.task_result_record(task=task, result=Result.CORRECTED, findings="年报资产数据有误，已责令更正",
                                completed_on=dt.date(2026, 10, 28), actor=user)
    assert credit_file(enterprise=enterprise)["inspection_results"] == []
    services.plan_results_publish(plan=plan, actor=user)
    for _ in range(3):
        services.spot_check_publish(enterprise=enterprise, agency=plan.agency, kind="即时信息抽查",
                                    checked_on=dt.date(2026, 5, 1), result=Result.NO_PROBLEM, actor=user)
    # which sections have rows with the spot checks and their agencies (the probe), tasks
    # with plans and agencies, the plans' items.
    with django_assert_num_queries(3):
        context = credit_file(enterprise=enterprise)
        html = "".join(render_to_string(name, context) for name in SECTION_TEMPLATES)
    assert task.number in html and plan.number in html
    assert html.count("<tr>") == 1 + 3 + 1 + 1


def test_it_names_each_downloaded_file_exactly_as_published(client, setup_plan, tmp_path):
    plan, user = drawn_plan(setup_plan, reveal_policy="on_publication")
    publish_all(plan, user)
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("parameters.json", "pool.csv", "roster.csv", "exclusions.csv", "reveal.json", "result.csv"):
        response = client.get(f"/inspections/plans/{plan.number}/files/{name}")
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        # What a browser saves: the verifier must find the folder complete.
        (folder / response["Content-Disposition"].split('"')[1]).write_bytes(response.content)
    from inspections.verify_draw import verify

    count, _ = verify(str(folder))
    assert count == 10


def test_it_offers_the_standalone_verifier_from_the_plan_page(client, setup_plan):
    from pathlib import Path

    import inspections.verify_draw

    plan, _ = drawn_plan(setup_plan)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert 'href="/inspections/verify_draw.py"' in body
    response = client.get("/inspections/verify_draw.py")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-python")
    assert response["Content-Disposition"] == 'attachment; filename="verify_draw.py"'
    assert response.content == Path(inspections.verify_draw.__file__).read_bytes()


def test_it_names_the_filter_agencies_in_the_page_language(client, setup_plan):
    agency = AgencyFactory(code="AG-EN", name="北京市市场监督管理局", name_en="Beijing Administration for Market Regulation")
    plan, _ = drawn_plan(setup_plan, agency=agency)
    body = client.get("/inspections/").content.decode()
    assert '<option value="AG-EN">Beijing Administration for Market Regulation</option>' in body
    client.cookies["django_language"] = "zh-hans"
    body = client.get("/inspections/").content.decode()
    assert '<option value="AG-EN">北京市市场监督管理局</option>' in body


def test_it_answers_head_on_the_public_pages_and_downloads(client, setup_plan):
    plan, user = drawn_plan(setup_plan, reveal_policy="immediate")
    base = f"/inspections/plans/{plan.number}"
    for address in ("/inspections/", "/inspections/verify_draw.py", f"{base}/", f"{base}/files.zip",
                    f"{base}/files/parameters.json", f"{base}/files/result.csv"):
        response = client.head(address)
        assert response.status_code == 200, address
        assert response.content == b"" and response["Content-Type"] == client.get(address)["Content-Type"]
    assert client.head(f"{base}/files/reveal.json")["X-Content-SHA256"] == PlanFile.objects.get(
        plan=plan, name="reveal.json").sha256
    assert client.post(f"{base}/files/pool.csv").status_code == 405


def test_it_answers_404_for_addresses_outside_the_plan_number_and_file_name_alphabet(client, setup_plan):
    plan, _ = drawn_plan(setup_plan, reveal_policy="immediate")
    base = f"/inspections/plans/{plan.number}"
    # A NUL byte reached PostgreSQL as a text parameter and raised DataError (a 500).
    for address in ("/inspections/plans/A%00B/", "/inspections/plans/A%00B/files.zip",
                    "/inspections/plans/A%00B/files/pool.csv", f"{base}/files/pool.csv%00",
                    f"{base}/files/%00", f"{base}/files/notes.txt", "/inspections/plans/%E6%B5%8B/",
                    f"/inspections/plans/{'A' * 65}/"):
        # A NUL in the path is refused before routing (portal/middleware.py); the rest are 404s.
        assert client.get(address).status_code == (400 if "%00" in address else 404), address
        with pytest.raises(Resolver404):
            resolve(unquote(address))
    assert client.get(f"{base}/files/result.csv").status_code == 200


def test_it_publishes_only_the_published_firms_before_an_on_publication_reveal(client, setup_plan):
    plan, user = drawn_plan(setup_plan, reveal_policy="on_publication")
    tasks = list(Task.objects.filter(plan=plan).select_related("enterprise").order_by("position"))
    done, waiting = tasks[:2], tasks[2:]
    for task in done:
        services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                    completed_on=dt.date(2026, 10, 28), actor=user)
    services.plan_results_publish(plan=plan, actor=user)
    plan.refresh_from_db()
    body = client.get(plan.get_absolute_url()).content.decode()
    # Unannounced inspections: publishing two results must not name the eight firms still to be inspected.
    assert all(task.uscc in body and task.number in body for task in done)
    assert not [task.uscc for task in waiting if task.uscc in body or task.enterprise.name in body]
    assert bytes(plan.secret).hex() not in body and plan.seed not in body
    for name in ("reveal.json", "result.csv"):
        assert client.get(f"/inspections/plans/{plan.number}/files/{name}").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/inspections/plans/{plan.number}/files.zip").content))
    assert not {f"{plan.number}/reveal.json", f"{plan.number}/result.csv"} & set(archive.namelist())
    assert credit_file(enterprise=done[0].enterprise)["inspection_results"] == [done[0]]
    assert credit_file(enterprise=waiting[0].enterprise)["inspection_results"] == []
    index = client.get("/inspections/").content.decode()
    assert done[0].uscc in index and waiting[0].uscc not in index


def test_it_shows_an_unrevealed_plan_with_published_results_with_constant_queries(
        client, setup_plan, django_assert_num_queries):
    plan, user = drawn_plan(setup_plan, reveal_policy="on_publication")
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))
    for start, count in ((0, 2), (2, 5)):
        for task in tasks[start:count]:
            services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                        completed_on=dt.date(2026, 10, 28), actor=user)
        services.plan_results_publish(plan=plan, actor=user)
        # the site's version, plan with agency, items, files (without content), published tasks count,
        # their page, coverage (2), n of m published.
        with django_assert_num_queries(9):
            response = client.get(plan.get_absolute_url())
        assert response.content.decode().count("<tr>") == 1 + 4 + 1 + count


def test_it_judges_task_visibility_the_same_way_in_a_query_and_on_one_task(setup_plan):
    plan, user = drawn_plan(setup_plan, reveal_policy="on_publication")
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))

    def agree() -> set[int]:
        public = set(Task.objects.publicly_visible().values_list("pk", flat=True))
        results = set(Task.objects.results_published().values_list("pk", flat=True))
        loaded = list(Task.objects.filter(plan=plan).select_related("plan"))
        assert public == {task.pk for task in loaded if task.is_public}
        assert results == {task.pk for task in loaded if task.result_is_public}
        return public

    assert agree() == set()
    for task in tasks[:2]:
        services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                    completed_on=dt.date(2026, 10, 28), actor=user)
    services.plan_results_publish(plan=plan, actor=user)
    assert agree() == {task.pk for task in tasks[:2]}
    for task in tasks[2:]:
        services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                    completed_on=dt.date(2026, 10, 28), actor=user)
    services.plan_results_publish(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.is_revealed
    assert agree() == {task.pk for task in tasks}


def test_the_plan_page_shows_when_the_plan_was_committed_its_entropy_was_due_and_entered_and_the_draw_ran(
        client, setup_plan):
    from django.utils import timezone, translation
    from django.utils.formats import date_format

    plan, _ = drawn_plan(setup_plan)
    moments = (plan.committed_at, plan.entropy_available_at, plan.entropy_entered_at, plan.drawn_at)
    assert moments == tuple(sorted(moments)) and len(set(moments)) >= 3
    for language, labels in (("en", ("Committed at", "Public entropy due", "Public entropy entered at",
                                      "Draw ran at")),
                             ("zh-hans", ("提交承诺时间", "公开随机数预定公布时间", "公开随机数录入时间", "抽取时间"))):
        client.cookies["django_language"] = language
        body = client.get(plan.get_absolute_url()).content.decode()
        with translation.override(language):
            for label, moment in zip(labels, moments, strict=True):
                shown = date_format(timezone.localtime(moment), "DATETIME_FORMAT")
                assert f"<dt>{label}</dt><dd>{shown}</dd>" in body, (language, label, shown)


def test_the_plan_page_says_not_yet_before_the_entropy_and_the_draw(client, setup_plan):
    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "<dt>Public entropy entered at</dt><dd>not yet</dd>" in body
    assert "<dt>Draw ran at</dt><dd>not yet</dd>" in body
    # A plan committed before the time was recorded says so instead of showing a time.
    type(plan).objects.filter(pk=plan.pk).update(entropy_available_at=None)
    cache.clear()  # a change made behind the services' back does not invalidate the cached page
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "<dt>Public entropy due</dt><dd>not named (the plan was committed before this was recorded)</dd>" in body


def unzip_and_run_the_shipped_verifier(client, plan, tmp_path):
    """Do what the plan page tells a reader: unzip files.zip, save verify_draw.py next to the
    folder it makes, run the command the page shows there."""
    import re
    import subprocess
    import sys
    from html import unescape

    body = client.get(plan.get_absolute_url()).content.decode()
    command = unescape(re.search(r'<code id="verify-command" class="hash">([^<]*)</code>', body).group(1)).split()
    assert command[:4] == ["python3", "-I", "-S", "verify_draw.py"]
    folder_named, commitment = command[4:]
    assert f"it makes the folder <code>{folder_named}</code>" in body
    archive = client.get(f"/inspections/plans/{plan.number}/files.zip")
    assert archive["Content-Disposition"] == f'attachment; filename="{plan.number}.zip"'
    with zipfile.ZipFile(io.BytesIO(archive.content)) as unpacked:
        unpacked.extractall(tmp_path)
    assert (tmp_path / folder_named).is_dir() and (tmp_path / folder_named / "parameters.json").is_file()
    (tmp_path / "verify_draw.py").write_bytes(client.get("/inspections/verify_draw.py").content)
    return subprocess.run([sys.executable, *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_the_verifier_matches_on_the_folder_the_plan_page_names_after_unzipping(client, setup_plan, tmp_path):
    plan, _ = drawn_plan(setup_plan)
    assert plan.is_revealed
    completed = unzip_and_run_the_shipped_verifier(client, plan, tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("MATCH: 10 selected firms; result.csv sha256")


@pytest.mark.parametrize("stage", ["committed", "drawn"])
def test_the_verifier_says_not_revealed_yet_on_an_unrevealed_plans_folder(client, setup_plan, tmp_path, stage):
    if stage == "drawn":
        plan, _ = drawn_plan(setup_plan, reveal_policy="on_publication")
    else:
        plan, _, user = setup_plan()
        plan = services.plan_commit(plan=plan, actor=user)
    assert not plan.is_revealed
    completed = unzip_and_run_the_shipped_verifier(client, plan, tmp_path)
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert completed.stdout.startswith(
        f"NOT REVEALED YET: parameters.json matches the commitment given {plan.commitment}")
    assert "MISMATCH" not in completed.stdout


def test_the_plan_page_shows_the_agencys_coverage_against_the_3_percent_minimum(client, setup_plan):
    plan, _ = drawn_plan(setup_plan)  # 12 firms on the register in Beijing, 10 drawn
    body = client.get(plan.get_absolute_url()).content.decode()
    assert f"10 of the 12 firms on the register in the agency's region were drawn by its plans of {plan.year}: " \
           "83.33%." in body
    assert "That meets the minimum of 3% a year." in body
    for _ in range(400):
        EnterpriseFactory()  # same region: 10 of 412 is 2.43%
    cache.clear()  # factories register firms without the publication services
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "10 of the 412 firms" in body and ": 2.43%." in body
    assert "<strong>That is below the minimum of 3% a year.</strong>" in body
    client.cookies["django_language"] = "zh-hans"
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "3%" in body and "2.43%" in body and "低于" in body
