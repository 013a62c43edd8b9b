"""The expected permission table: every named URL × every role × GET and POST.

One entry per URL name (``namespace:name``). An entry is a list of cases; a case is
``(sample, GET row, POST row)``:

- ``sample`` names the object of tests/matrix_fixtures.py whose identifiers fill the URL
  (``None`` for URLs without arguments). Samples of region A are used throughout, so the
  ``hq_b`` column shows what another region's headquarters gets for A's private objects.
- a row gives the outcome for each of the seven roles, always all seven, in this order:
  anonymous, reviewer, reviewer with a conflict, headquarters A, headquarters B,
  ministry staff, administrator.

Outcomes:

- ``200`` / ``403`` / ``404`` / ``405``: exactly that status code;
- ``LOGIN``: 302 to the login page (anonymous on a private page);
- ``ADMIN_LOGIN``: 302 to the admin's login page;
- ``REDIRECT``: 302 anywhere except a login page;
- ``ALLOWED``: the role may do this; with an empty POST the answer is one of
  200, 201, 204, 302 (not to a login page), 400 or 409 (validation, not authorisation).

POST rows:

- ``SUBMITS``: the POST row is the GET row with every 200 read as ``ALLOWED``;
- ``READ_ONLY``: a page that changes nothing: POST answers 405, or exactly what GET answers.

The rules (DESIGN.md §2, issues 7 and 18): anonymous users are sent to the login page from every
private page; a role that has no business on a page gets 403 — but on a page about one object only
when the user can see that object anyway (the not-found rule, cluster_portal/guards.py): an object
outside the user's scope is a 404 (never 403) whatever the action and the role. So a headquarters
user gets 404 for anything private of another region (also on the ministry's pages), a reviewer
gets 404 for unpublished data, for a proposal not assigned to them and for an assignment on which
a conflict was declared; the admin is for administrators only (everyone else is sent to the
admin's login page). tests/test_not_found_rule.py walks every URL with an object id for the rule.
"""

from __future__ import annotations

LOGIN = "login"
ADMIN_LOGIN = "admin_login"
REDIRECT = "redirect"
ALLOWED = "allowed"
SUBMITS = "submits"
READ_ONLY = "read_only"

ROLES = ("anonymous", "reviewer", "reviewer_conflict", "hq_a", "hq_b", "ministry", "administrator")


def row(anonymous, reviewer, reviewer_conflict, hq_a, hq_b, ministry, administrator) -> dict:
    """One outcome per role, all seven given, in the column order of the module docstring."""
    return dict(zip(ROLES, (anonymous, reviewer, reviewer_conflict, hq_a, hq_b, ministry, administrator), strict=True))


def everyone(outcome) -> dict:
    return row(*[outcome] * len(ROLES))


# Rows used again and again.                anon   rev  rev-c  hq A  hq B  min  admin
PUBLIC = everyone(200)
METHOD_NOT_ALLOWED = everyone(405)
ADMIN_ONLY = row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200)
HQ_PAGE = row(LOGIN, 403, 403, 200, 200, 403, 403)
#: a private object of region A (or B): reviewers do not see it (404), ministry staff and administrators do (403)
HQ_A_OBJECT = row(LOGIN, 404, 404, 200, 404, 403, 403)
HQ_B_OBJECT = row(LOGIN, 404, 404, 404, 200, 403, 403)
#: an object of region A in a state its headquarters may no longer edit: the edit page sends them back to it
HQ_A_READ_ONLY_STATE = row(LOGIN, 404, 404, REDIRECT, 404, 403, 403)
#: a form action on a private object of region A, for its headquarters only
HQ_A_ACTION = row(LOGIN, 404, 404, ALLOWED, 404, 403, 403)
MINISTRY_PAGE = row(LOGIN, 403, 403, 403, 403, 200, 403)
REVIEWER_PAGE = row(LOGIN, 200, 200, 403, 403, 403, 403)
DATA_PAGE = row(LOGIN, 403, 403, 200, 200, 200, 200)
#: a private object of region A that ministry staff and administrators also see (public pages)
A_PRIVATE_ON_PUBLIC_PAGE = row(404, 404, 404, 200, 404, 200, 200)
#: region B is unpublished: only its own headquarters, the ministry and administrators see it
B_PRIVATE_ON_PUBLIC_PAGE = row(404, 404, 404, 404, 200, 200, 200)
#: the open-data API serves published data only, whoever asks
NOT_PUBLISHED = everyone(404)
#: a ministry action on region A's proposal under review (the first reviewer assigned, the second in conflict)
PROPOSAL_UNDER_REVIEW_ACTION = row(LOGIN, 403, 404, 403, 404, ALLOWED, 403)
#: region A's draft proposal: the region's own until submitted, so the ministry gets 404 (administrators 403)
HQ_A_DRAFT = row(LOGIN, 404, 404, 200, 404, 404, 403)
HQ_A_DRAFT_ACTION = row(LOGIN, 404, 404, ALLOWED, 404, 404, 403)


def case(sample, get, post):
    return (sample, get, post)


def public_page(sample=None):
    return [case(sample, PUBLIC, READ_ONLY)]


def api(sample=None, get=PUBLIC):
    return [case(sample, get, METHOD_NOT_ALLOWED)]


def post_only(sample, post):
    """A form action: GET is refused (405) for everyone, POST as given."""
    return [case(sample, METHOD_NOT_ALLOWED, post)]


MATRIX: dict[str, list] = {
    # --- public site, auth, i18n, health ------------------------------------------------------
    "home": public_page(),
    "login": [case(None, PUBLIC, everyone(ALLOWED))],
    "logout": [case(None, METHOD_NOT_ALLOWED, everyone(REDIRECT))],
    "set_language": [case(None, everyone(ALLOWED), everyone(ALLOWED))],
    "healthz": [case(None, PUBLIC, METHOD_NOT_ALLOWED)],
    # /en/api/…, /en/sitemap.xml …: a permanent redirect to the one language-neutral address
    "language_neutral_redirect": [case("english_api_address", everyone(301), everyone(301))],
    # two-factor sign-in: the sessions here are ministry staff and administrators verified with an
    # authenticator, everyone else signed in with the password alone and no authenticator
    "two_factor:account": [case(None, row(LOGIN, 200, 200, 200, 200, 200, 200), METHOD_NOT_ALLOWED)],
    "two_factor:verify": [case(None, row(LOGIN, *[REDIRECT] * 6), row(LOGIN, *[REDIRECT] * 6))],
    "two_factor:setup": [
        case(
            None,
            row(LOGIN, 200, 200, 200, 200, REDIRECT, REDIRECT),
            row(LOGIN, 200, 200, 200, 200, REDIRECT, REDIRECT),
        )
    ],
    "two_factor:recovery_codes": post_only(None, row(LOGIN, *[REDIRECT] * 4, 200, 200)),
    "two_factor:disable": post_only(None, row(LOGIN, *[REDIRECT] * 6)),
    # browsers post CSP violation reports here; an empty POST is not a report (415/400)
    "csp_report": [case(None, METHOD_NOT_ALLOWED, everyone(ALLOWED))],
    "regions:list": public_page(),
    "regions:detail": [
        case("region_a", PUBLIC, READ_ONLY),
        case("region_b_unpublished", B_PRIVATE_ON_PUBLIC_PAGE, READ_ONLY),
    ],
    "projects:list": public_page(),
    "projects:detail": [
        case("project_a_published", PUBLIC, READ_ONLY),
        case("project_a_unpublished", A_PRIVATE_ON_PUBLIC_PAGE, READ_ONLY),
        case("project_b", B_PRIVATE_ON_PUBLIC_PAGE, READ_ONLY),
    ],
    "public:organization_list": public_page(),
    "public:organization_detail": public_page("organization_public"),
    "public:result_list": public_page(),
    "public:result_detail": [
        case("outcome_a_published", PUBLIC, READ_ONLY),
        case("outcome_a_unpublished_patent", A_PRIVATE_ON_PUBLIC_PAGE, READ_ONLY),
    ],
    "public:event_list": public_page(),
    "public:event_detail": [
        case("event_a_published", PUBLIC, READ_ONLY),
        case("event_a_unpublished", A_PRIVATE_ON_PUBLIC_PAGE, READ_ONLY),
    ],
    "public:event_feed": public_page(),
    "public:event_ics": public_page(),
    "public:result_feed": public_page(),
    "public:funding_flow": public_page(),
    "public:search": public_page(),
    "public:opendata": public_page(),
    "public:opendata_download": public_page("opendata_projects_csv"),
    "public:accessibility": public_page(),
    "public:privacy": public_page(),
    "public:contact": public_page(),
    "public:robots": public_page(),
    "public:sitemap": public_page(),
    "public:sitemap_section": public_page("sitemap_results") + public_page("sitemap_events"),
    "public:favicon": public_page(),
    # --- open-data API (GET only, published data only) -----------------------------------------
    "public:api_index": api(),
    "public:api_openapi": api(),
    "public:api_clusters": api(),
    "public:api_cluster": api("region_a") + api("region_b_unpublished", NOT_PUBLISHED),
    "public:api_projects": api(),
    "public:api_project": api("project_a_published") + api("project_a_unpublished", NOT_PUBLISHED),
    "public:api_organizations": api(),
    "public:api_organization": api("organization_public"),
    "public:api_results": api(),
    "public:api_result": api("outcome_a_published") + api("outcome_a_unpublished_patent", NOT_PUBLISHED),
    "public:api_events": api(),
    "public:api_event": api("event_a_published") + api("event_a_unpublished", NOT_PUBLISHED),
    "public:api_participations": api(),
    "public:api_budgets": api(),
    "public:api_grants": api(),
    "public:api_funding_flow": api(),
    # any other address under /api/: a JSON 404 whatever the method
    "public:api_not_found": [case(None, everyone(404), everyone(404))],
    # --- headquarters workspace (/workspace/): headquarters staff, own region only ------------
    "workspace:dashboard": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:headquarters": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:project_list": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:project_create": [case(None, HQ_PAGE, SUBMITS)],
    "workspace:project_detail": [
        case("project_a_unpublished", HQ_A_OBJECT, READ_ONLY),
        case("project_b", HQ_B_OBJECT, READ_ONLY),
    ],
    "workspace:project_edit": [case("project_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:project_status": post_only("project_a_unpublished", HQ_A_ACTION),
    "workspace:organization_search": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:budget_overview": [case(None, HQ_PAGE, READ_ONLY)],
    # the annual results report of the user's own region (region B has no grant yet: the page says so)
    "workspace:annual_report": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:budget_copy_forward": [case(None, HQ_PAGE, SUBMITS)],
    "workspace:budget_create": [case("project_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:budget_detail": [case("budget_a", HQ_A_OBJECT, READ_ONLY)],
    "workspace:budget_edit": [case("budget_a", HQ_A_OBJECT, SUBMITS)],
    "workspace:expenditure_create": [case("budget_a", HQ_A_OBJECT, SUBMITS)],
    "workspace:expenditure_edit": [case("expenditure_a", HQ_A_OBJECT, SUBMITS)],
    "workspace:expenditure_bulk": [case(None, HQ_PAGE, SUBMITS)],
    "workspace:receipt_upload": post_only("expenditure_a", HQ_A_ACTION),
    "workspace:receipt_download": [case("receipt_a", HQ_A_OBJECT, READ_ONLY)],
    "workspace:receipt_delete": post_only("receipt_a", HQ_A_ACTION),
    "workspace:report_list": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:report_create": [case("project_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:report_detail": [
        # a draft belongs to the headquarters until it is submitted: 404 to the ministry
        case("report_a_draft", row(LOGIN, 404, 404, 200, 404, 404, 403), READ_ONLY),
        case("report_a_submitted", row(LOGIN, 404, 404, 200, 404, 200, 403), READ_ONLY),
    ],
    "workspace:report_edit": [
        case("report_a_draft", HQ_A_OBJECT, SUBMITS),
        # submitted: read-only to the headquarters, both methods go back to the report
        case("report_a_submitted", HQ_A_READ_ONLY_STATE, HQ_A_READ_ONLY_STATE),
    ],
    "workspace:report_submit": post_only("report_a_draft", HQ_A_ACTION),
    "workspace:report_attach": post_only("report_a_draft", HQ_A_ACTION),
    "workspace:attachment_download": [
        case("report_attachment_a_submitted", row(LOGIN, 404, 404, 200, 404, 200, 403), READ_ONLY),
        case("report_attachment_a_draft", row(LOGIN, 404, 404, 200, 404, 404, 403), READ_ONLY),
    ],
    "workspace:report_review": [
        # the region's own headquarters know the report (403); another region's do not (404)
        case("report_a_submitted", row(LOGIN, 404, 404, 403, 404, 200, 403), SUBMITS),
        case("report_a_draft", row(LOGIN, 404, 404, 403, 404, 404, 403), SUBMITS),
    ],
    "workspace:outcome_list": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:outcome_create": [case("project_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:outcome_detail": [case("outcome_a_unpublished_patent", HQ_A_OBJECT, READ_ONLY)],
    "workspace:outcome_edit": [case("outcome_a_unpublished_patent", HQ_A_OBJECT, SUBMITS)],
    "workspace:outcome_grant": [case("outcome_a_unpublished_patent", HQ_A_OBJECT, SUBMITS)],
    "workspace:event_list": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:event_create": [case(None, HQ_PAGE, SUBMITS)],
    "workspace:event_detail": [case("event_a_unpublished", HQ_A_OBJECT, READ_ONLY)],
    "workspace:event_edit": [case("event_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:publication": (
        # headquarters publish their own region's data; the ministry may only withdraw publication
        post_only("publish_project_a_unpublished", HQ_A_ACTION)
        + post_only("unpublish_project_a_published", row(LOGIN, 403, 403, ALLOWED, 404, ALLOWED, 403))
    ),
    "workspace:ministry": [case(None, MINISTRY_PAGE, READ_ONLY)],
    "workspace:coordinator_list": [case(None, HQ_PAGE, READ_ONLY)],
    "workspace:coordinator_create": [case(None, HQ_PAGE, SUBMITS)],
    "workspace:coordinator_detail": [case("coordinator_a_unpublished", HQ_A_OBJECT, READ_ONLY)],
    "workspace:coordinator_edit": [case("coordinator_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:activity_create": [case("coordinator_a_unpublished", HQ_A_OBJECT, SUBMITS)],
    "workspace:activity_edit": [case("activity_a", HQ_A_OBJECT, SUBMITS)],
    # --- import/export (/data/): headquarters (own region's rows), ministry, administrators ----
    "dataio:index": [case(None, DATA_PAGE, READ_ONLY)],
    "dataio:export": [case("dataset_projects", DATA_PAGE, READ_ONLY)],
    "dataio:import": [
        case("dataset_projects", DATA_PAGE, SUBMITS),
        # grants are the ministry's: headquarters may export them, not import
        case("dataset_grants", row(LOGIN, 403, 403, 403, 403, 200, 200), SUBMITS),
    ],
    "dataio:confirm": [
        case("dataset_projects", row(LOGIN, 405, 405, 405, 405, 405, 405), row(LOGIN, 403, 403, *[ALLOWED] * 4)),
    ],
    #: a user's own import/export job: another user's is not found, whoever they are
    "dataio:job": [
        case("job_hq_a_export", row(LOGIN, 404, 404, 200, 404, 404, 404), READ_ONLY),
        case("job_hq_a_pdf", row(LOGIN, 404, 404, 200, 404, 404, 404), READ_ONLY),
    ],
    "dataio:job_progress": [case("job_hq_a_export", row(LOGIN, 404, 404, 200, 404, 404, 404), READ_ONLY)],
    "dataio:job_download": [
        case("job_hq_a_export", row(LOGIN, 404, 404, 200, 404, 404, 404), READ_ONLY),
        case("job_hq_a_pdf", row(LOGIN, 404, 404, 200, 404, 404, 404), READ_ONLY),
    ],
    #: 「PDFを作成」 (a PDF job): the 実績報告書 of region A (its headquarters, the ministry); a proposal as
    #: submitted (the ministry; its region always; a draft only its region; reviewers read it on its page only)
    "dataio:annual_report_pdf": post_only("annual_report_a_2008", row(LOGIN, 403, 403, ALLOWED, 404, ALLOWED, 403)),
    "dataio:proposal_pdf": [
        *post_only("proposal_a_draft", row(LOGIN, 404, 404, ALLOWED, 404, 404, 403)),
        *post_only("proposal_a_submitted", row(LOGIN, 404, 404, ALLOWED, 404, ALLOWED, 403)),
        *post_only("proposal_a_under_review", row(LOGIN, 403, 404, ALLOWED, 404, ALLOWED, 403)),
    ],
    #: 「PDFを作成」 of a call's review summary: every review in full, so ministry staff only
    "dataio:review_summary_pdf": post_only("call_of_review", row(LOGIN, 403, 403, 403, 403, ALLOWED, 403)),
    # --- passwords (/accounts/password/): change when signed in, reset by e-mail for anyone ----------
    "password_change": [case(None, row(LOGIN, 200, 200, 200, 200, 200, 200), SUBMITS)],
    "password_change_done": [case(None, row(LOGIN, 200, 200, 200, 200, 200, 200), READ_ONLY)],
    "password_reset": [case(None, PUBLIC, everyone(ALLOWED))],
    "password_reset_done": public_page(),
    #: a made-up token: the "link not valid" page for everyone
    "password_reset_confirm": [case("reset_link_invalid", PUBLIC, READ_ONLY)],
    "password_reset_complete": public_page(),
    # --- notifications (/notifications/): every signed-in user, their own only -------------------
    "notifications:list": [case(None, row(LOGIN, 200, 200, 200, 200, 200, 200), READ_ONLY)],
    "notifications:settings": [case(None, row(LOGIN, 200, 200, 200, 200, 200, 200), SUBMITS)],
    "notifications:mark_all_read": post_only(None, row(LOGIN, *[ALLOWED] * 6)),
    "notifications:open": [case("notification_hq_a", row(LOGIN, 404, 404, REDIRECT, 404, 404, 404), READ_ONLY)],
    # --- ministry workflow (/ministry/): ministry staff only ------------------------------------
    "ministry:dashboard": [case(None, MINISTRY_PAGE, READ_ONLY)],
    "ministry:call_list": [case(None, MINISTRY_PAGE, READ_ONLY)],
    "ministry:call_create": [case(None, MINISTRY_PAGE, SUBMITS)],
    # an announced call is known to every signed-in user (403); one in preparation is not (404)
    "ministry:call_detail": [
        case("call_of_review", MINISTRY_PAGE, READ_ONLY),
        case("call_in_preparation", row(LOGIN, 404, 404, 404, 404, 200, 403), READ_ONLY),
    ],
    "ministry:call_edit": [case("call_of_review", MINISTRY_PAGE, SUBMITS)],
    "ministry:review_table": [case("call_of_review", MINISTRY_PAGE, READ_ONLY)],
    "ministry:review_remind": post_only("call_of_review", row(LOGIN, 403, 403, 403, 403, ALLOWED, 403)),
    # bulk work on a call and its review deadline (issue 14, parts 3 and 5)
    "ministry:bulk_assign": [case("call_of_review", MINISTRY_PAGE, SUBMITS)],
    "ministry:bulk_remind": [case("call_of_review", MINISTRY_PAGE, SUBMITS)],
    "ministry:bulk_status": [case("call_of_review", MINISTRY_PAGE, SUBMITS)],
    "ministry:review_deadline": [case("call_of_review", MINISTRY_PAGE, SUBMITS)],
    "ministry:reviewer_workload": [case(None, MINISTRY_PAGE, READ_ONLY)],
    # who did what and when (issue 14, part 10): ministry staff only
    "ministry:activity_log": [case(None, MINISTRY_PAGE, READ_ONLY)],
    # every review in full, the statistics and their files: ministry staff only (issue 14); reviewers
    # never (before the decision or after), the applicant region never
    "ministry:review_read": [case("call_of_review", MINISTRY_PAGE, READ_ONLY)],
    "ministry:review_statistics": [case("call_of_review", MINISTRY_PAGE, READ_ONLY)],
    "ministry:review_export": [
        case("call_of_review_csv", MINISTRY_PAGE, READ_ONLY),
        case("call_of_review_xlsx", MINISTRY_PAGE, READ_ONLY),
    ],
    "ministry:statistics_export": [
        case("call_of_review_csv", MINISTRY_PAGE, READ_ONLY),
        case("call_of_review_xlsx", MINISTRY_PAGE, READ_ONLY),
    ],
    # the call's review summary (printable page; its PDF is a dataio job) and the selection decisions as
    # files, with the internal note: ministry staff only (issue 14, part 7)
    "ministry:review_summary": [case("call_of_review", MINISTRY_PAGE, READ_ONLY)],
    "ministry:decision_export": [
        case("call_of_review_csv", MINISTRY_PAGE, READ_ONLY),
        case("call_of_review_xlsx", MINISTRY_PAGE, READ_ONLY),
    ],
    "ministry:proposal_export": [
        case("export_csv", MINISTRY_PAGE, READ_ONLY),
        case("export_xlsx", MINISTRY_PAGE, READ_ONLY),
    ],
    "ministry:evaluation_export": [
        case("export_csv", MINISTRY_PAGE, READ_ONLY),
        case("export_xlsx", MINISTRY_PAGE, READ_ONLY),
    ],
    # a request to lift a conflict: known to the reviewer who asked (403) and to administrators (403)
    "ministry:conflict_lift_decide": post_only("lift_request_pending", row(LOGIN, 404, 403, 404, 404, ALLOWED, 403)),
    "ministry:proposal_list": [case(None, MINISTRY_PAGE, READ_ONLY)],
    # the proposal is known to its region and its reviewer without a conflict (403), not to others (404)
    "ministry:assign_reviewer": post_only("proposal_a_under_review", PROPOSAL_UNDER_REVIEW_ACTION),
    "ministry:unassign_reviewer": post_only("assignment_of_a_under_review", PROPOSAL_UNDER_REVIEW_ACTION),
    "ministry:decide": post_only("proposal_a_under_review", PROPOSAL_UNDER_REVIEW_ACTION),
    "ministry:decision_notify": post_only("proposal_a_decided", row(LOGIN, 404, 404, 403, 404, ALLOWED, 403)),
    "ministry:grant_list": [case(None, MINISTRY_PAGE, READ_ONLY)],
    "ministry:grant_create": [case(None, MINISTRY_PAGE, SUBMITS)],
    "ministry:grant_detail": [case("grant_a", MINISTRY_PAGE, SUBMITS)],
    # every region's 実績報告書 (region A is published: others are told 403, see the not-found walk)
    "ministry:annual_report": [case("annual_report_a_2008", MINISTRY_PAGE, READ_ONLY)],
    "ministry:evaluation_list": [case(None, MINISTRY_PAGE, READ_ONLY)],
    "ministry:evaluation_create": [case(None, MINISTRY_PAGE, SUBMITS)],
    # unpublished: known to region A's headquarters (403), not to region B's or to reviewers (404)
    "ministry:evaluation_edit": [case("evaluation_a", row(LOGIN, 404, 404, 403, 404, 200, 403), SUBMITS)],
    # the support decision of region A's unpublished 重点支援 evaluation (a draft), and of one without 重点支援
    "ministry:support_decision": [
        case("support_evaluation_a", row(LOGIN, 404, 404, 403, 404, 200, 403), READ_ONLY),
        case("evaluation_a", row(LOGIN, 404, 404, 403, 404, 200, 403), READ_ONLY),
    ],
    "ministry:support_edit": [
        case("support_evaluation_a", row(LOGIN, 404, 404, 403, 404, 200, 403), SUBMITS),
        case("evaluation_a", row(LOGIN, 404, 404, 403, 404, 200, 403), SUBMITS),
    ],
    "ministry:support_confirm": post_only("support_evaluation_a", row(LOGIN, 404, 404, 403, 404, ALLOWED, 403)),
    # --- proposals (/proposals/): the applicant region, assigned reviewers, the ministry -------
    "proposals:list": [case(None, row(LOGIN, 403, 403, 200, 200, 200, 403), READ_ONLY)],
    "proposals:create": [
        case("call_open", HQ_PAGE, SUBMITS),
        case("call_in_preparation", row(LOGIN, 404, 404, 404, 404, 403, 403), SUBMITS),
    ],
    "proposals:detail": [
        # never assigned to a reviewer: 404 to reviewers
        # drafts stay the region's own: 404 to the ministry until submitted (issue 14, part 9)
        case("proposal_a_draft", row(LOGIN, 404, 404, 200, 404, 404, 200), READ_ONLY),
        case("proposal_a_submitted", row(LOGIN, 404, 404, 200, 404, 200, 200), READ_ONLY),
        # assigned to both reviewers; the second declared a conflict and no longer sees it
        case("proposal_a_under_review", row(LOGIN, 200, 404, 200, 404, 200, 200), READ_ONLY),
        case("proposal_b_draft", row(LOGIN, 404, 404, 404, 200, 404, 200), READ_ONLY),
    ],
    "proposals:edit": [
        case("proposal_a_draft", HQ_A_DRAFT, SUBMITS),
        case("proposal_b_draft", row(LOGIN, 404, 404, 404, 200, 404, 403), SUBMITS),
        # submitted: no longer editable, both methods go back to the proposal
        case("proposal_a_submitted", HQ_A_READ_ONLY_STATE, HQ_A_READ_ONLY_STATE),
    ],
    "proposals:submit": post_only("proposal_a_draft", HQ_A_DRAFT_ACTION),
    "proposals:print": [
        case("proposal_a_draft", row(LOGIN, 404, 404, 200, 404, 404, 403), READ_ONLY),
        case("proposal_a_submitted", row(LOGIN, 404, 404, 200, 404, 200, 403), READ_ONLY),
        case("proposal_a_under_review", row(LOGIN, 403, 404, 200, 404, 200, 403), READ_ONLY),
    ],
    "proposals:withdraw": post_only("proposal_a_submitted", HQ_A_ACTION),
    "proposals:attachment_upload": post_only("proposal_a_draft", HQ_A_DRAFT_ACTION),
    "proposals:attachment": [
        case("attachment_of_a_draft", row(LOGIN, 404, 404, 200, 404, 404, 200), READ_ONLY),
        case("attachment_of_a_under_review", row(LOGIN, 200, 404, 200, 404, 200, 200), READ_ONLY),
    ],
    "proposals:attachment_delete": post_only("attachment_of_a_draft", HQ_A_DRAFT_ACTION),
    # --- reviews (/reviews/): reviewers, their own assignments without a conflict ----------------
    "reviews:list": [case(None, REVIEWER_PAGE, READ_ONLY)],
    "reviews:detail": [
        # who reviews what is confidential: headquarters never see an assignment (404)
        case("assignment_clean", row(LOGIN, 200, 404, 404, 404, 403, 403), SUBMITS),
        case("assignment_conflicted", row(LOGIN, 404, 404, 404, 404, 403, 403), SUBMITS),
    ],
    # the reviewer who declared the conflict asks to lift it; the other reviewer does not know it (404)
    "reviews:conflict_lift": post_only("assignment_conflicted", row(LOGIN, 404, ALLOWED, 404, 404, 403, 403)),
    "reviews:conflict": (
        post_only("assignment_clean", row(LOGIN, ALLOWED, 404, 404, 404, 403, 403))
        + post_only("assignment_conflicted", row(LOGIN, 404, 404, 404, 404, 403, 403))
    ),
    # --- Django admin: one rule, a representative sample (tests/test_admin.py covers every model)
    "admin:index": [case(None, ADMIN_ONLY, SUBMITS)],
    "admin:regions_region_changelist": [case(None, ADMIN_ONLY, SUBMITS)],
    "admin:regions_region_change": [case("region_a", ADMIN_ONLY, SUBMITS)],
    "admin:projects_jointresearchproject_changelist": [case(None, ADMIN_ONLY, SUBMITS)],
    "admin:regions_proposal_change": [case("proposal_a_draft", ADMIN_ONLY, SUBMITS)],
    "admin:cluster_portal_user_changelist": [case(None, ADMIN_ONLY, SUBMITS)],
}

#: URL names of the admin namespace that the matrix checks; the rest of the admin is covered per model
#: by tests/test_admin.py and is not required in MATRIX.
ADMIN_NAMESPACE = "admin"
