"""Abuse cases in the create/edit forms of the portal (issue 7, part 6).

SQL-injection and XSS payloads (Japanese and ASCII) typed into every free-text field of
every create/edit form are stored as plain text, exactly as typed, and rendered escaped
on the object's pages; over-long input and control characters get a clear Japanese
message (or are stored safely), never a 500.

Every form is one entry of ``FORMS``: the role that uses it, the page that shows it,
the object that holds the text once saved and the pages that show that object. The
fields are read from the page itself (``tests/abuse_helpers.py``), so a field added to
a form is covered without editing this file; a new form needs one ``FormCase``.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Model
from django.forms import BaseForm, BaseFormSet
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from coordinators.models import CoordinationActivity, Coordinator
from projects.models import Expenditure, JointResearchProject, Outcome, ProgressReport, ProjectBudget
from regions.models import Call, Evaluation, Event, Grant, GrantAmendment, Proposal, SelectionDecision
from tests import factories
from tests.abuse_helpers import build_world, fill, post_form
from tests.test_security_abuse import CRAWL_PAYLOADS, PAYLOADS, SQL_PAYLOADS, XSS_PAYLOADS, assert_escaped

pytestmark = pytest.mark.django_db


def latest(model) -> Callable[[dict], Model]:
    return lambda world: model.objects.order_by("-pk").first()


def refreshed(key: str) -> Callable[[dict], Model]:
    def get(world):
        world[key].refresh_from_db()
        return world[key]

    return get


def url(name: str, key: str | None = None, attribute: str = "pk") -> Callable[[dict], str]:
    return lambda world: reverse(name, args=[getattr(world[key], attribute)] if key else [])


@dataclass(frozen=True)
class FormCase:
    id: str
    role: str  # "headquarters", "ministry" or "reviewer"
    page: Callable[[dict], str]  # the page that shows the form
    saved: Callable[[dict], Model]  # the object that holds the text after a save
    shown_on: Callable[[dict, Model], list[str]]  # its detail page first, then list pages
    target: Callable[[dict], str] | None = None  # the form's action when it is not the page itself
    structured: tuple[str, ...] = ("code", "doi")  # text fields with a format of their own: left valid
    overrides: Callable[[dict], dict] = field(default=lambda world: {})
    nested: Callable[[Model], list[str]] = field(default=lambda stored: [])  # texts saved in rows of a formset
    confirm_step: bool = False  # the form leads to a summary whose 「確定する」 (``confirm``) saves


def send_form(case: FormCase, client, target: str, data: dict):
    """POST the form; through its summary page when the case has a confirm step (decide → summary →
    confirm: the summary carries the same data in hidden fields)."""
    response = client.post(target, data)
    if case.confirm_step and response.status_code == 200 and "confirm" in response.content.decode():
        response = client.post(target, {**data, "confirm": "1"})
    return response


def milestone_texts(report) -> list[str]:
    return [
        text
        for milestone in report.milestones.all()
        for text in (milestone.title, milestone.planned, milestone.achieved)
    ]


def review_comments(assignment) -> list[str]:
    return [review.comment for review in assignment.scores.all()]


def project_pages(world, project):
    return [reverse("workspace:project_detail", args=[project.pk]), reverse("workspace:project_list")]


def budget_pages(world, budget):
    return [reverse("workspace:budget_detail", args=[budget.pk]), reverse("workspace:budget_overview")]


def report_pages(world, report):
    return [reverse("workspace:report_detail", args=[report.pk]), reverse("workspace:report_list")]


def outcome_pages(world, outcome):
    return [reverse("workspace:outcome_detail", args=[outcome.pk]), reverse("workspace:outcome_list")]


def coordinator_pages(world, coordinator):
    return [reverse("workspace:coordinator_detail", args=[coordinator.pk]), reverse("workspace:coordinator_list")]


def activity_pages(world, activity):
    return [reverse("workspace:coordinator_detail", args=[activity.coordinator_id])]


def event_pages(world, event):
    return [reverse("workspace:event_detail", args=[event.pk]), reverse("workspace:event_list")]


def call_pages(world, call):
    return [reverse("ministry:call_detail", args=[call.code]), reverse("ministry:call_list")]


def proposal_pages(world, proposal):
    return [reverse("proposals:detail", args=[proposal.pk]), reverse("proposals:list")]


def evaluation_pages(world, evaluation):
    # No detail page: the edit form shows the stored text.
    return [reverse("ministry:evaluation_edit", args=[evaluation.pk]), reverse("ministry:evaluation_list")]


FORMS = [
    # headquarters workspace
    FormCase(
        "project_create",
        "headquarters",
        url("workspace:project_create"),
        latest(JointResearchProject),
        project_pages,
        overrides=lambda world: {"code": "ABUSE-1"},
    ),
    FormCase(
        "project_edit", "headquarters", url("workspace:project_edit", "project"), refreshed("project"), project_pages
    ),
    FormCase(
        "budget_create",
        "headquarters",
        url("workspace:budget_create", "project"),
        latest(ProjectBudget),
        budget_pages,
        overrides=lambda world: {"fiscal_year": str(world["next_grant"].fiscal_year)},
    ),
    FormCase("budget_edit", "headquarters", url("workspace:budget_edit", "budget"), refreshed("budget"), budget_pages),
    FormCase(
        "expenditure_create",
        "headquarters",
        url("workspace:expenditure_create", "budget"),
        latest(Expenditure),
        lambda world, expenditure: budget_pages(world, expenditure.budget),
    ),
    FormCase(
        "expenditure_edit",
        "headquarters",
        url("workspace:expenditure_edit", "expenditure"),
        refreshed("expenditure"),
        lambda world, expenditure: budget_pages(world, expenditure.budget),
    ),
    FormCase(
        "report_create",
        "headquarters",
        url("workspace:report_create", "project"),
        latest(ProgressReport),
        report_pages,
        overrides=lambda world: {"fiscal_year": "2009"},
        nested=milestone_texts,
    ),
    FormCase(
        "report_edit",
        "headquarters",
        url("workspace:report_edit", "report"),
        refreshed("report"),
        report_pages,
        nested=milestone_texts,
    ),
    FormCase(
        "outcome_create",
        "headquarters",
        url("workspace:outcome_create", "project"),
        latest(Outcome),
        outcome_pages,
        overrides=lambda world: {"kind": "paper"},
    ),
    FormCase(
        "outcome_edit", "headquarters", url("workspace:outcome_edit", "outcome"), refreshed("outcome"), outcome_pages
    ),
    FormCase(
        "coordinator_create",
        "headquarters",
        url("workspace:coordinator_create"),
        latest(Coordinator),
        coordinator_pages,
        overrides=lambda world: {"code": "abuse-cd-1"},
    ),
    FormCase(
        "coordinator_edit",
        "headquarters",
        url("workspace:coordinator_edit", "coordinator"),
        refreshed("coordinator"),
        coordinator_pages,
    ),
    FormCase(
        "activity_create",
        "headquarters",
        url("workspace:activity_create", "coordinator"),
        latest(CoordinationActivity),
        activity_pages,
        structured=("code", "doi", "org_q"),  # the organisation picker's search box: not stored
    ),
    FormCase(
        "activity_edit",
        "headquarters",
        url("workspace:activity_edit", "activity"),
        refreshed("activity"),
        activity_pages,
        structured=("code", "doi", "org_q"),  # the organisation picker's search box: not stored
    ),
    FormCase("event_create", "headquarters", url("workspace:event_create"), latest(Event), event_pages),
    FormCase("event_edit", "headquarters", url("workspace:event_edit", "event"), refreshed("event"), event_pages),
    # ministry workflow
    FormCase(
        "call_create",
        "ministry",
        url("ministry:call_create"),
        latest(Call),
        call_pages,
        structured=("code", "criteria_text", "budgets_text"),
        overrides=lambda world: {
            "code": "abuse-call",
            "fiscal_year": "2040",
            "criteria_text": "独創性,1",
            "budgets_text": "2040,1000000",
        },
    ),
    FormCase(
        "call_edit",
        "ministry",
        url("ministry:call_edit", "call", "code"),
        refreshed("call"),
        call_pages,
        structured=("code", "criteria_text", "budgets_text"),
    ),
    FormCase(
        "proposal_create",
        "headquarters",
        url("proposals:create", "call", "code"),
        latest(Proposal),
        proposal_pages,
    ),
    FormCase("proposal_edit", "headquarters", url("proposals:edit", "draft"), refreshed("draft"), proposal_pages),
    FormCase(
        "review_scores",
        "reviewer",
        url("reviews:detail", "assignment"),
        refreshed("assignment"),
        lambda world, assignment: [reverse("reviews:detail", args=[assignment.pk]), reverse("reviews:list")],
        nested=review_comments,
    ),
    FormCase(
        "selection_decision",
        "ministry",
        url("proposals:detail", "under_review"),
        lambda world: SelectionDecision.objects.get(proposal=world["under_review"]),
        lambda world, decision: [
            reverse("proposals:detail", args=[decision.proposal_id]),
            reverse("ministry:proposal_list"),
        ],
        target=url("ministry:decide", "under_review"),
        confirm_step=True,
    ),
    FormCase(
        "grant_create",
        "ministry",
        url("ministry:grant_create"),
        latest(Grant),
        lambda world, grant: [reverse("ministry:grant_detail", args=[grant.pk]), reverse("ministry:grant_list")],
        overrides=lambda world: {
            "region": str(world["region"].pk),
            "call": str(world["grant_call"].pk),
            "fiscal_year": "2031",
            "amount": "1000",
        },
    ),
    FormCase(
        "grant_amend",
        "ministry",
        url("ministry:grant_detail", "ministry_grant"),
        latest(GrantAmendment),
        lambda world, amendment: [reverse("ministry:grant_detail", args=[amendment.grant_id])],
        overrides=lambda world: {"new_amount": "2000"},
    ),
    FormCase(
        "evaluation_create",
        "ministry",
        url("ministry:evaluation_create"),
        latest(Evaluation),
        evaluation_pages,
        overrides=lambda world: {"region": str(world["other_region"].pk), "fiscal_year": "2009"},
    ),
    FormCase(
        "evaluation_edit",
        "ministry",
        url("ministry:evaluation_edit", "evaluation"),
        refreshed("evaluation"),
        evaluation_pages,
    ),
]
FORM_IDS = [case.id for case in FORMS]
# Per form: SQL and XSS payloads, ASCII and Japanese (the crawl's four), and a bare <script>.
# Every payload of tests/test_security_abuse.py goes through one form of each app below.
FORM_PAYLOADS = [*CRAWL_PAYLOADS, XSS_PAYLOADS[0]]


@pytest.fixture
def world(region, other_region, hq_user, ministry_user, reviewer_user):
    world = build_world(region=region, other_region=other_region, hq_user=hq_user, reviewer_user=reviewer_user)
    world["next_grant"] = factories.GrantFactory(region=region, fiscal_year=2009, amount=300_000_000)
    world["users"] = {"headquarters": hq_user, "ministry": ministry_user, "reviewer": reviewer_user}
    return world


def open_form(case: FormCase, world: dict):
    """A logged-in client of the form's role, and the form as the page shows it."""
    client = Client(raise_request_exception=False)
    client.force_login(world["users"][case.role])
    page_url = case.page(world)
    response = client.get(page_url)
    assert response.status_code == 200, (case.id, page_url, response.status_code)
    target = case.target(world) if case.target else page_url
    return client, target, post_form(response.content.decode(), page_url, target)


def submit(case: FormCase, world: dict, text: str):
    client, target, form = open_form(case, world)
    data, carried = fill(form, text, structured=case.structured, overrides=case.overrides(world))
    assert carried, f"{case.id}: no free-text field found"
    response = send_form(case, client, target, data)
    assert response.status_code < 500, (case.id, response.status_code)
    return client, response, carried


def form_errors(response) -> str:
    """The errors of every form and formset the page was rendered with."""
    texts = []
    seen = set()
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, BaseForm) and value.is_bound:
                texts.append(value.errors.as_text())
            elif isinstance(value, BaseFormSet) and value.is_bound:
                texts.extend(form.errors.as_text() for form in value.forms)
                texts.append(value.non_form_errors().as_text())
    return "\n".join(text for text in texts if text)


def saved(response) -> bool:
    return response.status_code == 302


# ---------------------------------------------------------------- the list of forms itself


def test_every_create_and_edit_form_is_listed():
    """Each form view of the workspace and the ministry workflow appears in FORMS (by its URL name)."""
    listed = {case.id for case in FORMS}
    for name in ("project", "budget", "expenditure", "report", "outcome", "coordinator", "activity", "event"):
        assert {f"{name}_create", f"{name}_edit"} <= listed, name
    assert {"call_create", "call_edit", "proposal_create", "proposal_edit", "review_scores"} <= listed
    assert {"selection_decision", "grant_create", "grant_amend", "evaluation_create", "evaluation_edit"} <= listed


# ---------------------------------------------------------------- payloads are stored as typed and shown escaped


@pytest.mark.parametrize("payload", FORM_PAYLOADS, ids=lambda payload: f"p{FORM_PAYLOADS.index(payload)}")
@pytest.mark.parametrize("case", FORMS, ids=FORM_IDS)
def test_payload_in_every_text_field_is_stored_as_typed_and_shown_escaped(case, payload, world):
    assert_stored_as_typed_and_shown_escaped(case, world, payload)


EDIT_FORMS_FOR_EVERY_PAYLOAD = ["project_edit", "coordinator_edit", "report_edit", "proposal_edit", "call_edit"]


@pytest.mark.parametrize("case_id", EDIT_FORMS_FOR_EVERY_PAYLOAD)
def test_every_payload_is_stored_as_typed_through_an_edit_form_of_each_area(case_id, world):
    case = next(case for case in FORMS if case.id == case_id)
    for payload in PAYLOADS:
        assert_stored_as_typed_and_shown_escaped(case, world, payload)


def assert_stored_as_typed_and_shown_escaped(case: FormCase, world: dict, payload: str):
    client, response, carried = submit(case, world, payload)
    if not saved(response):
        # Refused: the payload comes back escaped in the form, never as markup.
        page = response.content.decode()
        assert response.status_code in (200, 400)
        assert html.escape(payload) in page, (case.id, form_errors(response))
        assert_escaped(response, payload)
        pytest.fail(f"{case.id} refused plain text {payload!r}: {form_errors(response)}")
    stored = case.saved(world)
    compared = [name for name in carried if name in {f.name for f in stored._meta.concrete_fields}]
    assert compared, f"{case.id}: none of {carried} is a field of {type(stored).__name__}"
    for name in compared:
        assert getattr(stored, name) == payload, (case.id, name)
    for text in case.nested(stored):
        assert text == payload, case.id
    pages = case.shown_on(world, stored)
    for index, path in enumerate(pages):
        shown = client.get(path)
        assert shown.status_code == 200, (case.id, path)
        assert_escaped(shown, payload)
        if index == 0:
            assert html.escape(payload) in shown.content.decode(), (case.id, path)


# ---------------------------------------------------------------- over-long input and control characters


LONG_TEXT = "あ" * 100_000


def _first(form, predicate, structured):
    for item in form.fields:
        if item.is_free_text and item.name.rsplit("-", 1)[-1] not in structured and predicate(item):
            return item.name
    return None


@pytest.mark.parametrize("kind", ["char field with max_length", "text field"])
@pytest.mark.parametrize("case", FORMS, ids=FORM_IDS)
def test_over_long_input_gets_a_japanese_message_not_a_500(case, kind, world):
    client, target, form = open_form(case, world)
    if kind == "text field":
        name = _first(form, lambda item: item.tag == "textarea", case.structured)
    else:
        name = _first(form, lambda item: item.maxlength is not None, case.structured)
    if name is None:
        pytest.skip(f"{case.id} has no {kind}")
    data, _carried = fill(form, "試験", structured=case.structured, overrides=case.overrides(world))
    data[name] = LONG_TEXT
    response = send_form(case, client, target, data)
    assert response.status_code < 500, (case.id, name)
    if saved(response):
        # An unlimited text field may keep it all, but then exactly as typed.
        stored = case.saved(world)
        assert getattr(stored, name, LONG_TEXT) == LONG_TEXT, (case.id, name)
        assert kind == "text field", (case.id, name)
        return
    assert response.status_code in (200, 400)
    errors = form_errors(response)
    assert errors, (case.id, name)
    assert any("\u3040" <= char <= "\u30ff" for char in errors), errors  # kana: the message is Japanese


CONTROL_TEXTS = {"NUL": "試験\x00データ", "escape sequence": "試験\x1b[31mデータ\x07"}


@pytest.mark.parametrize("kind", CONTROL_TEXTS)
@pytest.mark.parametrize("case", FORMS, ids=FORM_IDS)
def test_control_characters_are_refused_clearly_or_stored_harmlessly(case, kind, world):
    text = CONTROL_TEXTS[kind]
    _client, response, carried = submit(case, world, text)
    if saved(response):
        # Kept as typed or with the control characters removed; never a NUL in the database.
        assert kind != "NUL", case.id
        stored = case.saved(world)
        for name in carried:
            value = getattr(stored, name, None)
            if value is not None:
                assert value in (text, "".join(char for char in text if char.isprintable())), (case.id, name)
        return
    errors = form_errors(response)
    assert errors, case.id
    if kind == "NUL":
        with translation.override("ja"):
            assert translation.gettext(ProhibitNullCharactersValidator.message) in errors, errors


def test_the_message_for_a_nul_character_says_what_is_wrong(world):
    # Django's own Japanese catalogue says 「何か文字を入力してください。」; locale/ja overrides it.
    case = next(case for case in FORMS if case.id == "event_create")
    _client, response, _carried = submit(case, world, CONTROL_TEXTS["NUL"])
    assert response.status_code == 400
    errors = form_errors(response)
    assert "何か文字を入力してください" not in errors
    assert any(word in errors for word in ("NUL", "ヌル", "制御文字")), errors


def test_a_sql_payload_is_stored_and_found_as_text_not_run(world):
    """The payload meant to drop a table is a project title like any other; the table is still there."""
    case = next(case for case in FORMS if case.id == "project_create")
    _client, response, _carried = submit(case, world, SQL_PAYLOADS[1])
    assert saved(response)
    assert JointResearchProject.objects.filter(title=SQL_PAYLOADS[1]).count() == 1
    assert JointResearchProject.objects.count() == 2


def test_the_form_refused_for_another_reason_keeps_the_payload_escaped(world):
    """A form that refuses (here: a missing required title) shows the typed payload escaped, not as markup."""
    case = next(case for case in FORMS if case.id == "event_create")
    client, target, form = open_form(case, world)
    data, _carried = fill(form, XSS_PAYLOADS[1], overrides=case.overrides(world))
    data["title"] = ""
    response = send_form(case, client, target, data)
    assert response.status_code == 400
    assert html.escape(XSS_PAYLOADS[1]) in response.content.decode()
    assert_escaped(response, XSS_PAYLOADS[1])


# ---------------------------------------------------------------- import upload (cluster_portal/dataio)


def import_csv(client, region, theme: str):
    """Upload a one-row project CSV whose theme is ``theme`` (written with the csv module: quotes escaped)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["プロジェクトコード", "地域", "研究テーマ名", "開始日"])
    writer.writerow(["P-ABUSE", region.slug, theme, "2008-04-01"])
    upload = SimpleUploadedFile("projects.csv", buffer.getvalue().encode(), content_type="text/csv")
    return client.post(
        reverse("dataio:import", args=["projects"]), {"file": upload, "file_format": "auto", "encoding": "auto"}
    )


@pytest.mark.parametrize("payload", FORM_PAYLOADS, ids=lambda payload: f"p{FORM_PAYLOADS.index(payload)}")
def test_payload_in_an_imported_file_is_previewed_escaped_and_stored_as_typed(
    payload, client, hq_user, region, django_capture_on_commit_callbacks
):
    client.force_login(hq_user)
    preview = import_csv(client, region, payload)
    assert preview.status_code == 200
    assert_escaped(preview, payload)  # the preview lists keys and changed columns, not the values
    with django_capture_on_commit_callbacks(execute=True):  # the confirmed import runs as a task
        confirmed = client.post(reverse("dataio:confirm", args=["projects"]), {"token": preview.context["token"]})
    assert confirmed.status_code == 302
    project = JointResearchProject.objects.get(code="P-ABUSE")
    assert project.title == payload
    shown = client.get(reverse("workspace:project_detail", args=[project.pk]))
    assert_escaped(shown, payload)
    assert html.escape(payload) in shown.content.decode()


@pytest.mark.parametrize("text", ["試験\x00データ", "あ" * 100_000], ids=["NUL", "over-long"])
@override_settings(DATAIO_INLINE_PREVIEW_BYTES=10 * 1024 * 1024)  # previewed within the request, as shown here
def test_control_characters_and_over_long_cells_in_an_imported_file_are_refused_not_a_500(
    text, client, hq_user, region, django_capture_on_commit_callbacks
):
    """Refused in the preview with the row named (in Japanese), or imported without the NUL; never a 500."""
    client.force_login(hq_user)
    preview = import_csv(client, region, text)
    assert preview.status_code in (200, 422)
    page = preview.content.decode()
    assert "\x00" not in page
    if preview.status_code == 422:
        assert "2行目" in page, "the refusal names the row and column of the problem"
        assert not JointResearchProject.objects.filter(code="P-ABUSE").exists()
        return
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("dataio:confirm", args=["projects"]), {"token": preview.context["token"]})
    assert confirmed.status_code < 500
    stored = JointResearchProject.objects.filter(code="P-ABUSE").first()
    assert stored is None or "\x00" not in stored.title, "a NUL character was stored from an imported file"


# ---------------------------------------------------------------- every saved value comes back

EDIT_FORMS = [case for case in FORMS if case.id.endswith("_edit") or case.id == "review_scores"]
VOLATILE = {"version", "updated_at", "created_at", "submitted_at"}  # bookkeeping of when, not what


def stored_values(obj: Model) -> dict:
    """What a user could notice of ``obj``: its fields, many-to-many members and child rows."""
    obj.refresh_from_db()
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in VOLATILE}
    for relation in obj._meta.many_to_many:
        values[relation.name] = sorted(getattr(obj, relation.name).values_list("pk", flat=True))
    for related in obj._meta.related_objects:
        if related.one_to_many and related.related_model._meta.app_label in {"regions", "projects", "coordinators"}:
            rows = getattr(obj, related.get_accessor_name()).all()
            fields = [  # child rows replaced by a formset get new ids: compare what they say
                f.attname for f in related.related_model._meta.concrete_fields if f.attname not in {*VOLATILE, "id"}
            ]
            values[related.name] = sorted(tuple(str(v) for v in row) for row in rows.values_list(*fields))
    return values


@pytest.mark.parametrize("case", EDIT_FORMS, ids=[case.id for case in EDIT_FORMS])
def test_saving_an_edit_form_unchanged_changes_nothing(world, case):
    """Every value a user saved is shown again when they edit, so a save without changes keeps it
    (a reviewer's 総評 was blanked by the next save of the score form)."""
    client, target, form = open_form(case, world)
    first, _ = fill(form, "一度目に保存した文章", structured=case.structured, overrides=case.overrides(world))
    assert send_form(case, client, target, first).status_code in (200, 302)
    before = stored_values(case.saved(world))

    client, target, form = open_form(case, world)
    unchanged, _ = fill(form, None, structured=case.structured)
    response = send_form(case, client, target, unchanged)

    assert response.status_code == 302, (case.id, form_errors(response))
    assert stored_values(case.saved(world)) == before
