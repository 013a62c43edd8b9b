"""The workspace's organisation inputs resolve every name the portal lists, however it is typed.

The demo data is loaded once for the module (as in tests/test_load_demo.py); its organisation
names carry full-width brackets (「（デモ）…」), which the normaliser turns into half-width ones,
so a lookup that compared the normalised input with the stored name refused them.
"""

import html
import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from cluster_portal.models import User
from cluster_portal.text import MAX_QUERY_LENGTH, normalize
from projects.models import ParticipationRole
from regions.models import Organization
from workspace.forms import ParticipantForm

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr><th scope="row">(?P<name>[^<]*)</th><td>(?P<kind>[^<]*)</td>')


def full_width(text: str) -> str:
    """ASCII letters, digits and signs in their full-width forms, spaces as U+3000 (what an IME types)."""
    return "".join(
        "\u3000" if char == " " else chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text
    )


def typed_forms(shown: str) -> list[str]:
    """The name as shown, half-width, full-width, and with stray (full-width) spaces around it."""
    half = normalize(shown)
    return [shown, half, full_width(half), f"\u3000{shown} ", full_width(half).replace("\u3000", "\u3000\u3000")]


def resolve_in_participant_form(text: str):
    form = ParticipantForm(data={"organization": text, "role": ParticipationRole.COMPANY})
    assert form.is_valid(), (text, form.errors)
    return form.cleaned_data["organization"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--allow-without-debug", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def shown_names(client, organization) -> list[tuple[str, str]]:
    """(name, kind) of every row the workspace's organisation search shows for ``organization``'s name."""
    response = client.get(reverse("workspace:organization_search"), {"q": organization.name[:MAX_QUERY_LENGTH]})
    assert response.status_code == 200
    page = response.content.decode()
    return [(html.unescape(row["name"]), html.unescape(row["kind"])) for row in ROW.finditer(page)]


def test_lookup_resolves_every_name_the_organisation_search_shows(demo, client):
    client.force_login(User.objects.get(username="hq-hamamatsu"))
    organizations = list(Organization.objects.order_by("pk"))
    assert len(organizations) > 100
    assert any("（" in organization.name for organization in organizations)  # the names that were refused
    for organization in organizations:
        rows = shown_names(client, organization)
        shown = [name for name, kind in rows if normalize(name) == normalize(organization.name)]
        assert (organization.name, organization.get_kind_display()) in rows, organization.name
        # A shared name is typed as 「名称（種別）」, as the form asks.
        label = shown[0] if len(shown) == 1 else f"{organization.name}（{organization.get_kind_display()}）"
        for text in typed_forms(label):
            assert resolve_in_participant_form(text) == organization, text
