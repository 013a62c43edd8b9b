"""The /data/ pages, the admin integration and the commands: permissions, the preview → confirm flow, query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cluster_portal.tabular import permissions, registry
from projects.models import JointResearchProject
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "プロジェクトコード,地域,研究テーマ名,開始日"


def upload(content: bytes, name="projects.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


# --- permissions (a table) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "resource", "can_import", "can_export"),
    [
        ("administrator", "grants", True, True),
        ("ministry", "grants", True, True),
        ("ministry", "organizations", True, True),
        ("hq", "projects", True, True),
        ("hq", "outcomes", True, True),
        ("hq", "grants", False, True),
        ("hq", "regions", False, True),
        ("hq", "organizations", False, True),
        ("reviewer", "projects", False, False),
        ("anonymous", "projects", False, False),
    ],
)
def test_permission_table(role, resource, can_import, can_export, region):
    from django.contrib.auth.models import AnonymousUser

    if role == "anonymous":
        user = AnonymousUser()
    elif role == "hq":
        user = factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=region))
    else:
        user = factories.UserFactory(**{role: True})
    spec = registry.get(resource)
    assert permissions.can_import(user, spec) is can_import
    assert permissions.can_export(user, spec) is can_export


# --- access to the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("dataio:index"),
        reverse("dataio:export", args=["projects"]),
        reverse("dataio:import", args=["projects"]),
    ],
)
def test_anonymous_user_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_confirm_is_sent_to_login(client):
    response = client.post(reverse("dataio:confirm", args=["projects"]), {"token": "x"})
    assert response.status_code == 302


def test_reviewer_gets_403(client, reviewer_user):
    client.force_login(reviewer_user)
    assert client.get(reverse("dataio:index")).status_code == 403
    assert client.get(reverse("dataio:import", args=["projects"])).status_code == 403


def test_hq_user_cannot_open_grant_import(client, hq_user):
    client.force_login(hq_user)
    assert client.get(reverse("dataio:import", args=["grants"])).status_code == 403


def test_unknown_data_set_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("dataio:import", args=["nothing"])).status_code == 404


def test_index_lists_what_the_hq_user_may_do_and_links_back_to_the_workspace(client, hq_user):
    client.force_login(hq_user)
    page = client.get(reverse("dataio:index")).content.decode()
    assert reverse("dataio:import", args=["projects"]) in page
    assert reverse("dataio:import", args=["grants"]) not in page
    assert reverse("dataio:export", args=["grants"]) in page
    assert reverse("workspace:dashboard") in page


def test_nav_link_is_shown_to_hq_ministry_and_admin_only(client, hq_user, ministry_user, reviewer_user):
    for user, shown in ((hq_user, True), (ministry_user, True), (reviewer_user, False)):
        client.force_login(user)
        assert ("データ取込・出力" in client.get(reverse("home")).content.decode()) is shown


def test_index_query_count_does_not_grow_with_data(client, ministry_user, region, django_assert_max_num_queries):
    client.force_login(ministry_user)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("dataio:index")).status_code == 200
    for _ in range(20):
        factories.ProjectFactory(region=region)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("dataio:index")).status_code == 200


# --- import flow -----------------------------------------------------------------------------------


def test_upload_previews_then_confirm_imports(client, hq_user, region, django_capture_on_commit_callbacks):
    client.force_login(hq_user)
    content = f"{HEADER}\nP-1,{region.slug},テーマ,2008-04-01\n".encode("cp932")
    response = client.post(
        reverse("dataio:import", args=["projects"]),
        {"file": upload(content), "file_format": "auto", "encoding": "auto"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "プレビュー（まだ保存していません）" in page
    assert "Shift_JIS（CP932" in page
    assert not JointResearchProject.objects.exists()

    token = response.context["token"]
    with django_capture_on_commit_callbacks(execute=True):  # the confirmed import is a task
        response = client.post(reverse("dataio:confirm", args=["projects"]), {"token": token})
    assert response.status_code == 302 and "/data/jobs/" in response["Location"]
    assert JointResearchProject.objects.get(code="P-1").region == region
    job_page = client.get(response["Location"]).content.decode()
    assert "共同研究プロジェクトを取り込みました（新規 1件、更新 0件、変更なし 0件）。" in job_page

    # The token is single-use: a second confirm imports nothing more and says why.
    again = client.post(reverse("dataio:confirm", args=["projects"]), {"token": token}, follow=True)
    assert "既に取り込み済み" in again.content.decode()


def test_preview_with_errors_shows_them_and_offers_no_confirm(client, hq_user, region, other_region):
    client.force_login(hq_user)
    content = f"{HEADER}\nP-1,{other_region.slug},テーマ,2008-04-01\n".encode()
    response = client.post(
        reverse("dataio:import", args=["projects"]),
        {"file": upload(content), "file_format": "csv", "encoding": "auto"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "2行目 地域: 他の地域を指しています" in page
    assert "取込を確定する" not in page
    assert not JointResearchProject.objects.exists()


def test_upload_without_a_file_re_renders_the_form_with_an_error(client, hq_user):
    client.force_login(hq_user)
    response = client.post(reverse("dataio:import", args=["projects"]), {"file_format": "auto", "encoding": "auto"})
    assert response.status_code == 422
    assert 'aria-describedby="id_file_error' in response.content.decode() or "field--error" in response.content.decode()


def test_confirm_with_a_token_of_another_session_imports_nothing(client, hq_user, region):
    client.force_login(hq_user)
    response = client.post(reverse("dataio:confirm", args=["projects"]), {"token": "forged"})
    assert response.status_code == 302
    assert not JointResearchProject.objects.exists()


def test_export_page_downloads_the_chosen_format(client, hq_user, region):
    factories.ProjectFactory(region=region, code="DL-1")
    client.force_login(hq_user)
    response = client.get(reverse("dataio:export", args=["projects"]), {"file_format": "csv", "encoding": "utf-8-sig"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="projects-')
    assert "DL-1" in response.content.decode("utf-8-sig")


# --- admin -----------------------------------------------------------------------------------------


def test_admin_export_honours_the_changelist_filters(client, admin_user, region, other_region):
    factories.ProjectFactory(region=region, code="A-1")
    factories.ProjectFactory(region=other_region, code="B-1")
    client.force_login(admin_user)
    url = reverse("admin:projects_jointresearchproject_export") + f"?region__id__exact={region.pk}"
    form = client.get(url).context["form"]
    data = {"format": "1", "resource": "0"}  # formats: XLSX, CSV, JSON
    data |= {name: "on" for name, field in form.fields.items() if field.__class__.__name__ == "BooleanField"}
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    content = response.content.decode("utf-8-sig")
    assert "A-1" in content
    assert "B-1" not in content
    assert content.startswith("プロジェクトコード")


def test_admin_import_button_leads_to_the_portal_import_page(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:projects_jointresearchproject_import"))
    assert response.status_code == 302
    assert response.url == reverse("dataio:import", args=["projects"])


# --- commands --------------------------------------------------------------------------------------


def test_import_data_command_imports_and_reports(tmp_path, region):
    path = tmp_path / "projects.csv"
    path.write_bytes(f"{HEADER}\nC-1,{region.slug},テーマ,2008-04-01\n".encode("cp932"))
    out = io.StringIO()
    call_command("import_data", str(path), "--resource", "projects", "--no-progress", stdout=out)
    assert "新規 1" in out.getvalue()
    assert "Shift_JIS" in out.getvalue()
    assert JointResearchProject.objects.filter(code="C-1").exists()


def test_import_data_command_dry_run_saves_nothing(tmp_path, region):
    path = tmp_path / "projects.csv"
    path.write_bytes(f"{HEADER}\nC-1,{region.slug},テーマ,2008-04-01\n".encode())
    call_command("import_data", str(path), "--resource", "projects", "--dry-run", "--no-progress", stdout=io.StringIO())
    assert not JointResearchProject.objects.exists()


def test_import_data_command_fails_with_the_error_report_and_saves_nothing(tmp_path, region, db_snapshot):
    path = tmp_path / "projects.csv"
    path.write_bytes(f"{HEADER}\nC-1,{region.slug},テーマ,2008-04-01\nC-2,{region.slug},テーマ,bad\n".encode())
    err = io.StringIO()
    before = db_snapshot()
    with pytest.raises(CommandError, match="何も保存していません"):
        call_command(
            "import_data", str(path), "--resource", "projects", "--no-progress", stdout=io.StringIO(), stderr=err
        )
    assert "3行目 開始日: 日付は 2020-04-01、2020/4/1、2020年4月1日、令和2年4月1日" in err.getvalue()
    assert db_snapshot() == before


def test_import_data_command_with_a_user_applies_their_region_scope(tmp_path, hq_user, other_region):
    path = tmp_path / "projects.csv"
    path.write_bytes(f"{HEADER}\nC-1,{other_region.slug},テーマ,2008-04-01\n".encode())
    with pytest.raises(CommandError):
        call_command(
            "import_data",
            str(path),
            "--resource",
            "projects",
            "--user",
            hq_user.username,
            "--no-progress",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not JointResearchProject.objects.exists()


def test_export_data_command_writes_the_file(tmp_path, region):
    factories.ProjectFactory(region=region, code="E-1")
    path = tmp_path / "out.csv"
    call_command(
        "export_data", "--resource", "projects", "--format", "csv", "--output", str(path), stderr=io.StringIO()
    )
    assert "E-1" in path.read_bytes().decode("utf-8-sig")
