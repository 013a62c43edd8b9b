"""The pages ``make bench`` loads (``bench/run.py``), in groups: public (anonymous, page cache on),
signed-in (each role, through the real login), cold (caches off) and search (Japanese words of 1–4
characters, cold), with the bare Django view measured beside each."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

BARE = "/bench/bare"

GROUPS = ("public", "signed-in", "cold", "search")

COLD_GROUPS = frozenset({"cold", "search"})  # served by the gunicorn with the page and aggregate caches off

SEARCH_WORDS = ("光", "医療", "センサ", "ナノ材料")  # Japanese search words of 1, 2, 3 and 4 characters

REVIEW_CALL = "synthetic-selection"  # the call of generate_data (demo/synthetic/plan.py)

ROLES = ("ministry", "headquarters", "administrator")


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    group: str = "public"
    role: str | None = None  # signed in as this role (bench/accounts.py), else anonymous


def q(word: str) -> str:
    return quote(word, safe="")


# The baseline, the health check and the public pages the issue names (home, cluster list with a
# facet, cluster detail, project search, funding flow, a CSV download, an API list) plus the other
# main public pages.
PUBLIC = (
    Page("bare Django view", BARE),
    Page("health check", "/healthz"),
    Page("home", "/"),
    Page("cluster list", "/clusters/"),
    Page("cluster list, one facet", "/clusters/?cluster_type=global"),
    Page("cluster detail", "/clusters/syn-r0001/"),
    Page("project search", f"/projects/?q={q('センサ')}"),
    Page("project detail", "/projects/SYN-0001-00001/"),
    Page("results list", "/results/"),
    Page("organisations", "/organizations/"),
    Page("funding flow", "/funding/"),
    Page("site search", f"/search/?q={q('センサ')}"),
    Page("CSV download (clusters, one facet)", "/clusters/?cluster_type=global&format=csv"),
    Page("API projects", "/api/v1/projects"),
)


def _signed_in(role: str, prefix: str, pages: tuple[tuple[str, str], ...]) -> tuple[Page, ...]:
    return tuple(Page(f"{prefix}: {label}", path, "signed-in", role) for label, path in pages)


SIGNED_IN = (
    *_signed_in(
        "ministry",
        "ministry",
        (
            ("dashboard", "/ministry/"),
            ("proposals", "/ministry/proposals/"),
            ("grants", "/ministry/grants/"),
            ("review table", f"/ministry/calls/{REVIEW_CALL}/reviews/"),
            ("report queue", "/workspace/ministry/"),
        ),
    ),
    *_signed_in(
        "headquarters",
        "HQ",
        (
            ("dashboard", "/workspace/"),
            ("projects", "/workspace/projects/"),
            ("budgets", "/workspace/budgets/"),
            ("reports", "/workspace/reports/"),
            ("results", "/workspace/outcomes/"),
        ),
    ),
    *_signed_in(
        "administrator",
        "admin",
        (
            ("results changelist", "/admin/projects/outcome/"),
            ("results search 「センサ」", f"/admin/projects/outcome/?q={q('センサ')}"),
            ("budgets changelist", "/admin/projects/projectbudget/"),
            ("budgets search 「センサ」", f"/admin/projects/projectbudget/?q={q('センサ')}"),
            ("projects changelist", "/admin/projects/jointresearchproject/"),
            ("projects search 「センサ」", f"/admin/projects/jointresearchproject/?q={q('センサ')}"),
            ("participations changelist", "/admin/projects/participation/"),
            ("expenditures changelist", "/admin/projects/expenditure/"),
        ),
    ),
)

# Every public page but the baseline, the health check and the searches (their own group), rendered.
COLD = tuple(
    Page(f"cold {page.label}", page.path, "cold")
    for page in PUBLIC
    if page.path not in (BARE, "/healthz") and "search" not in page.label
)

SEARCH = tuple(
    Page(f"cold {kind} search 「{word}」", f"{path}?q={q(word)}", "search")
    for word in SEARCH_WORDS
    for kind, path in (("site", "/search/"), ("project", "/projects/"))
)

PAGES = (*PUBLIC, *SIGNED_IN, *COLD, *SEARCH)


def pages(words: list[str] | None, groups=GROUPS) -> list[Page]:
    """The pages to load: those of ``groups`` (all by default) whose label or path contains one of
    ``words`` (all when none), always with the bare view first."""
    return [
        page
        for page in PAGES
        if page.path == BARE
        or (page.group in groups and (not words or any(w in page.label or w in page.path for w in words)))
    ]


def servers(chosen: list[Page]) -> tuple[list[Page], list[Page]]:
    """The pages for the gunicorn with the caches on and for the one with them off, each list
    starting with the bare view (measured on each server); a list without other pages is empty."""
    bare, others = chosen[0], chosen[1:]
    warm = [page for page in others if page.group not in COLD_GROUPS]
    cold = [page for page in others if page.group in COLD_GROUPS]
    cold_bare = Page(f"{bare.label} (caches off)", BARE, "cold")
    return ([bare, *warm] if warm or not cold else []), ([cold_bare, *cold] if cold else [])
