"""Receipts (領収書) of execution entries: PDF or image judged by content, stored under random names, served
only to the headquarters of the entry's region, listed beside the entry and counted in the budget views,
deleted with history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Receipt
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def expenditure(region):
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)
    budget = factories.ProjectBudgetFactory(
        project=factories.ProjectFactory(region=region), grant=grant, allocated=10_000_000
    )
    return factories.ExpenditureFactory(budget=budget, amount=1_000_000)


FIRST_TOKEN = "receipt-token-0001"


def upload(client, expenditure, name, content, token=FIRST_TOKEN):
    return client.post(
        reverse("workspace:receipt_upload", args=[expenditure.pk]),
        {"form_token": token, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_a_pdf_receipt_is_stored_under_a_random_name_listed_and_counted(client, hq_user, expenditure, media):
    client.force_login(hq_user)
    page = upload(client, expenditure, "3月分タクシー.pdf", PDF).content.decode()
    assert "領収書を添付しました。" in page
    receipt = Receipt.objects.get()
    assert receipt.expenditure == expenditure and receipt.uploaded_by == hq_user
    assert "タクシー" not in receipt.file.name and receipt.file.name.endswith(".pdf")
    assert (media / receipt.file.name).read_bytes() == PDF
    assert "3月分タクシー.pdf" in page  # listed on the entry's page
    upload(client, expenditure, "scan.png", PNG, token="receipt-token-0002")
    detail = client.get(reverse("workspace:budget_detail", args=[expenditure.budget_id])).content.decode()
    assert "2件" in detail
    overview = client.get(reverse("workspace:budget_overview")).content.decode()
    assert "領収書（件）" in overview
    assert "<td>2</td>" in overview


def test_html_renamed_to_pdf_is_refused_by_content_and_nothing_is_kept(client, hq_user, expenditure, media):
    client.force_login(hq_user)
    page = upload(client, expenditure, "receipt.pdf", HTML).content.decode()
    assert "ファイルの内容が拡張子と一致しないか、受け付けない形式です" in page
    assert Receipt.objects.count() == 0
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_an_office_file_is_not_a_receipt(client, hq_user, expenditure, media):
    client.force_login(hq_user)
    upload(client, expenditure, "receipt.txt", "領収書".encode())
    assert Receipt.objects.count() == 0


def test_the_size_limit_is_stated(client, hq_user, expenditure, media, monkeypatch):
    monkeypatch.setattr("projects.models.budgets.RECEIPT_MAX_BYTES", 1024 * 1024)
    client.force_login(hq_user)
    page = upload(client, expenditure, "big.pdf", PDF + b"0" * (1024 * 1024)).content.decode()
    assert "領収書のファイルは1MB以下にしてください。" in page
    assert Receipt.objects.count() == 0


def test_the_own_region_downloads_it_as_an_attachment(client, hq_user, expenditure, media):
    client.force_login(hq_user)
    upload(client, expenditure, "r.pdf", PDF)
    response = client.get(reverse("workspace:receipt_download", args=[Receipt.objects.get().pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_other_regions_get_404_and_the_public_the_login_page(client, hq_user, other_hq_user, expenditure, media):
    client.force_login(hq_user)
    upload(client, expenditure, "r.pdf", PDF)
    receipt = Receipt.objects.get()
    client.logout()
    download = reverse("workspace:receipt_download", args=[receipt.pk])
    assert client.get(download).status_code == 302  # to the login page
    client.force_login(other_hq_user)
    assert client.get(download).status_code == 404
    delete = reverse("workspace:receipt_delete", args=[receipt.pk])
    assert client.post(delete, {"form_token": "receipt-token-9999"}).status_code == 404
    assert upload(client, expenditure, "x.pdf", PDF, token="receipt-token-8888").status_code == 404
    assert Receipt.objects.count() == 1
    assert not Receipt.objects.published().exists()


def test_deleting_a_receipt_keeps_its_history_and_removes_the_file(
    client, hq_user, expenditure, media, django_capture_on_commit_callbacks
):
    client.force_login(hq_user)
    upload(client, expenditure, "wrong.pdf", PDF)
    receipt = Receipt.objects.get()
    stored = media / receipt.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion is committed
        page = client.post(
            reverse("workspace:receipt_delete", args=[receipt.pk]), {"form_token": "receipt-token-del1"}, follow=True
        ).content.decode()
    assert "領収書を削除しました。" in page
    assert Receipt.objects.count() == 0 and not stored.exists()
    history = list(
        Receipt.history.order_by("history_date").values_list("history_type", "history_user", "original_name")
    )
    assert history == [("+", hq_user.pk, "wrong.pdf"), ("-", hq_user.pk, "wrong.pdf")]
    assert "削除: wrong.pdf" in page  # the entry's page shows the receipts' history
