"""Small, realistic data for the browser tests, built with the factories (much faster than load_demo).

Two published clusters in two prefectures, so that every filter a journey uses has something to
leave out: 浜松 (静岡県) and 札幌 (北海道), each with projects, participants, grants, budgets and
results (``public_data``); and an open call with two scored proposals (``selection_data``).
Passwords are random per run.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.utils import timezone

from projects.models import OutcomeKind, ParticipationRole
from regions.models import ClusterType, OrganizationKind, Position
from tests import factories


@dataclass
class Cluster:
    region: object
    projects: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    grants: dict = field(default_factory=dict)


@dataclass
class PublicData:
    hamamatsu: Cluster
    sapporo: Cluster
    patent: object  # a published patent application of 浜松
    paper: object  # a published paper of 浜松
    sapporo_patent: object


def password() -> str:
    """A fresh password per run: nothing secret is committed."""
    return secrets.token_urlsafe(16)


def build_cluster(*, slug, name, cluster_name, theme, prefecture, cluster_type, project_titles):
    core = factories.OrganizationFactory(
        name=f"{name}中核機関", kind=OrganizationKind.CORE_INSTITUTION, slug=f"{slug}-core", prefecture=prefecture
    )
    region = factories.RegionFactory(
        slug=slug,
        name=name,
        name_en=slug.title(),
        cluster_name=cluster_name,
        theme=theme,
        cluster_type=cluster_type,
        core_institution=core,
        prefectures=[prefecture],
    )
    headquarters = factories.HeadquartersFactory(region=region, name=f"{name}知的クラスター本部")
    for position, person in ((Position.DIRECTOR, "本部 一郎"), (Position.RESEARCH_DIRECTOR, "研究 花子")):
        factories.HeadquartersMemberFactory(headquarters=headquarters, position=position, name=person)
    cluster = Cluster(region=region)
    cluster.grants = {year: factories.GrantFactory(region=region, fiscal_year=year) for year in (2008, 2009)}
    university = factories.OrganizationFactory(
        name=f"{name}国立大学", kind=OrganizationKind.UNIVERSITY, slug=f"{slug}-univ", prefecture=prefecture
    )
    company = factories.OrganizationFactory(
        name=f"株式会社{name}精機", kind=OrganizationKind.COMPANY, slug=f"{slug}-company", prefecture=prefecture
    )
    for index, title in enumerate(project_titles, start=1):
        code = f"{slug.upper()[:3]}-{index:02d}"
        project = factories.ProjectFactory(
            region=region, code=code, title=title, theme=theme, host_organization=university
        )
        factories.ParticipationFactory(project=project, organization=university, role=ParticipationRole.LEAD_UNIVERSITY)
        factories.ParticipationFactory(project=project, organization=company, role=ParticipationRole.COMPANY)
        for grant in cluster.grants.values():
            factories.ProjectBudgetFactory(project=project, grant=grant, allocated=60_000_000, executed=50_000_000)
        factories.ProgressReportFactory(project=project, accepted=True)
        cluster.projects.append(project)
    factories.EventFactory(region=region, title=f"{cluster_name}成果発表会", starts_on=datetime.date(2009, 2, 10))
    factories.EvaluationFactory(region=region)
    factories.CoordinatorFactory(region=region, name=f"目利き {name}", affiliation=core)
    return cluster


def public_data() -> PublicData:
    shizuoka = factories.PrefectureFactory(code="22", name="静岡県", name_en="Shizuoka", area="中部")
    hokkaido = factories.PrefectureFactory(code="01", name="北海道", name_en="Hokkaido", area="北海道")
    hamamatsu = build_cluster(
        slug="hamamatsu",
        name="浜松地域",
        cluster_name="浜松オプトロニクスクラスター",
        theme="光・電子技術",
        prefecture=shizuoka,
        cluster_type=ClusterType.REGIONAL,
        project_titles=["超高感度イメージセンサの開発", "光による医療診断装置の開発"],
    )
    sapporo = build_cluster(
        slug="sapporo",
        name="札幌周辺地域",
        cluster_name="札幌バイオクラスター",
        theme="ライフサイエンス",
        prefecture=hokkaido,
        cluster_type=ClusterType.GLOBAL,
        project_titles=["機能性食品素材の探索"],
    )
    patent = factories.OutcomeFactory(
        project=hamamatsu.projects[0],
        kind=OutcomeKind.PATENT_APPLICATION,
        title="撮像素子の読み出し回路",
        application_number="特願2009-123456",
        country="JP",
        occurred_on=datetime.date(2009, 6, 1),
    )
    paper = factories.OutcomeFactory(
        project=hamamatsu.projects[1], kind=OutcomeKind.PAPER, title="近赤外光による血流計測", doi="10.1000/demo.1"
    )
    sapporo_patent = factories.OutcomeFactory(
        project=sapporo.projects[0],
        kind=OutcomeKind.PATENT_APPLICATION,
        title="乳酸菌を用いた発酵素材",
        application_number="特願2009-654321",
        country="JP",
    )
    hamamatsu.outcomes = [patent, paper]
    sapporo.outcomes = [sapporo_patent]
    return PublicData(hamamatsu=hamamatsu, sapporo=sapporo, patent=patent, paper=paper, sapporo_patent=sapporo_patent)


@dataclass
class SelectionData:
    call: object
    winner: object  # the proposal the ministry selects
    runner_up: object
    ministry: object
    password: str
    criteria: list


def submitted_review(*, proposal, reviewer, criteria, scores):
    assignment = factories.ReviewAssignmentFactory(
        proposal=proposal, reviewer=reviewer, conflict_declared_at=timezone.now(), submitted_at=timezone.now()
    )
    for criterion, score in zip(criteria, scores, strict=True):
        factories.ReviewFactory(assignment=assignment, criterion=criterion, score=score)
    return assignment


def selection_data() -> SelectionData:
    """An open call (FY2030–2032) with two proposals under review, both fully scored by two reviewers.

    Weights 2, 2, 1. 浜松 next phase: (5,4,3) → 4.20 and (4,4,4) → 4.00, mean 4.10.
    新潟: (3,3,3) → 3.00 and (2,3,2) → 2.40, mean 2.70.
    """
    today = timezone.localdate()
    call = factories.CallFactory(
        code="cluster-2030",
        title="知的クラスター創成事業 2030年度 公募",
        fiscal_year=2030,
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=5),
    )
    criteria = [
        factories.ReviewCriterionFactory(call=call, name=name, weight=weight, order=order)
        for order, (name, weight) in enumerate((("構想の独創性", 2), ("国際優位性", 2), ("予算計画の妥当性", 1)))
    ]
    for year in (2030, 2031, 2032):
        factories.CallBudgetFactory(call=call, fiscal_year=year, envelope=2_000_000_000)
    niigata = factories.PrefectureFactory(code="15", name="新潟県", name_en="Niigata", area="中部")
    shizuoka = factories.PrefectureFactory(code="22", name="静岡県", name_en="Shizuoka", area="中部")
    winner = factories.ProposalFactory(
        call=call,
        under_review=True,
        title="浜松光宇宙クラスター構想",
        region=factories.RegionFactory(
            planning=True, slug="hamamatsu-3", name="浜松・東三河地域", prefectures=[shizuoka]
        ),
    )
    runner_up = factories.ProposalFactory(
        call=call,
        under_review=True,
        title="新潟食品バイオクラスター構想",
        region=factories.RegionFactory(planning=True, slug="niigata", name="新潟地域", prefectures=[niigata]),
    )
    for proposal in (winner, runner_up):
        for year in (2030, 2031, 2032):
            factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=year, requested_amount=400_000_000)
    reviewers = [
        factories.UserFactory(reviewer=True, username=f"reviewer-{n}", display_name=f"審査委員 {n}") for n in (1, 2)
    ]
    submitted_review(proposal=winner, reviewer=reviewers[0], criteria=criteria, scores=(5, 4, 3))
    submitted_review(proposal=winner, reviewer=reviewers[1], criteria=criteria, scores=(4, 4, 4))
    submitted_review(proposal=runner_up, reviewer=reviewers[0], criteria=criteria, scores=(3, 3, 3))
    submitted_review(proposal=runner_up, reviewer=reviewers[1], criteria=criteria, scores=(2, 3, 2))
    secret = password()
    ministry = factories.UserFactory(ministry=True, username="ministry", display_name="文科 太郎", password=secret)
    return SelectionData(
        call=call, winner=winner, runner_up=runner_up, ministry=ministry, password=secret, criteria=criteria
    )
