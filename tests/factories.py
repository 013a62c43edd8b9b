"""factory_boy factories, one per model, with traits for the common states."""

import datetime

import factory
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from cluster_portal.models import Role, User
from coordinators.models import ActivityResult, CoordinationActivity, Coordinator, CoordinatorKind
from projects.models import (
    Expenditure,
    ExpenseCategory,
    Half,
    JointResearchProject,
    Milestone,
    Outcome,
    OutcomeKind,
    Participation,
    ParticipationRole,
    ProgressReport,
    ProjectBudget,
    ProjectStatus,
    ReportStatus,
)
from regions.models import (
    Call,
    CallBudget,
    CallStatus,
    ClusterType,
    ConflictLiftRequest,
    Decision,
    Evaluation,
    EvaluationKind,
    Event,
    EventKind,
    Grade,
    Grant,
    GrantAmendment,
    Headquarters,
    HeadquartersMember,
    MeasureKind,
    Organization,
    OrganizationKind,
    Position,
    Prefecture,
    Program,
    Proposal,
    ProposalBudgetLine,
    ProposalStatus,
    Recommendation,
    Region,
    RegionStatus,
    RelatedMeasure,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewDeadlineExtension,
    SelectionDecision,
    SupportDecision,
    SupportStatus,
)

TEST_PASSWORD = "correct-horse-battery-staple"


class PrefectureFactory(DjangoModelFactory):
    class Meta:
        model = Prefecture
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{(n % 47) + 1:02d}")
    name = factory.LazyAttribute(lambda o: f"県{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Prefecture {o.code}")
    area = "関東"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"機関{n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.UNIVERSITY
    slug = factory.Sequence(lambda n: f"org-{n}")

    class Params:
        company = factory.Trait(kind=OrganizationKind.COMPANY, name=factory.Sequence(lambda n: f"株式会社テスト{n}"))
        government = factory.Trait(kind=OrganizationKind.LOCAL_GOVERNMENT)
        core = factory.Trait(kind=OrganizationKind.CORE_INSTITUTION)


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = "phase-2"
    name = "知的クラスター創成事業（第II期）"
    name_en = "Knowledge Cluster Initiative (Phase II)"
    start_fiscal_year = 2007
    end_fiscal_year = 2011


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"call-{n}")
    title = factory.Sequence(lambda n: f"公募{n}")
    fiscal_year = 2008
    opens_on = datetime.date(2008, 4, 1)
    closes_on = datetime.date(2008, 5, 31)
    status = CallStatus.OPEN


class CallBudgetFactory(DjangoModelFactory):
    class Meta:
        model = CallBudget

    call = factory.SubFactory(CallFactory)
    fiscal_year = 2008
    envelope = 3_000_000_000


class ReviewCriterionFactory(DjangoModelFactory):
    class Meta:
        model = ReviewCriterion

    call = factory.SubFactory(CallFactory)
    name = factory.Sequence(lambda n: f"評価項目{n}")
    weight = 1
    order = factory.Sequence(int)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"地域{n}")
    name_en = factory.Sequence(lambda n: f"Region {n}")
    program = factory.SubFactory(ProgramFactory)
    cluster_name = factory.Sequence(lambda n: f"テストクラスター{n}")
    theme = "ライフサイエンス"
    concept = "地域の大学の研究シーズと企業のニーズを結ぶ。"
    cluster_type = ClusterType.REGIONAL
    status = RegionStatus.ACTIVE
    core_institution = factory.SubFactory(OrganizationFactory, core=True)
    designated_by = factory.SubFactory(OrganizationFactory, government=True)
    selected_fiscal_year = 2007
    start_fiscal_year = 2007
    end_fiscal_year = 2011
    is_published = True

    class Params:
        unpublished = factory.Trait(is_published=False)
        planning = factory.Trait(status=RegionStatus.PLANNING, is_published=False)

    @factory.post_generation
    def prefectures(self, create, extracted, **kwargs):
        if create:
            self.prefectures.set(extracted if extracted is not None else [PrefectureFactory()])


class HeadquartersFactory(DjangoModelFactory):
    class Meta:
        model = Headquarters
        django_get_or_create = ("region",)

    region = factory.SubFactory(RegionFactory)
    name = factory.LazyAttribute(lambda o: f"{o.region.name}知的クラスター本部")


class HeadquartersMemberFactory(DjangoModelFactory):
    class Meta:
        model = HeadquartersMember

    headquarters = factory.SubFactory(HeadquartersFactory)
    position = Position.DIRECTOR
    name = factory.Sequence(lambda n: f"本部 太郎{n}")
    term_start = datetime.date(2007, 4, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    password = factory.django.Password(TEST_PASSWORD)
    role = ""

    class Params:
        ministry = factory.Trait(role=Role.MINISTRY)
        reviewer = factory.Trait(role=Role.REVIEWER)
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        hq = factory.Trait(role=Role.HEADQUARTERS, headquarters=factory.SubFactory(HeadquartersFactory))


class ProposalFactory(DjangoModelFactory):
    class Meta:
        model = Proposal

    call = factory.SubFactory(CallFactory)
    region = factory.SubFactory(RegionFactory, planning=True)
    title = factory.Sequence(lambda n: f"クラスター構想{n}")
    summary = "構想の概要"
    theme = "ナノテクノロジー"
    cluster_type = ClusterType.REGIONAL
    status = ProposalStatus.DRAFT

    class Params:
        submitted = factory.Trait(status=ProposalStatus.SUBMITTED)
        under_review = factory.Trait(status=ProposalStatus.UNDER_REVIEW)


class ProposalBudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = ProposalBudgetLine

    proposal = factory.SubFactory(ProposalFactory)
    fiscal_year = factory.Sequence(lambda n: 2008 + n % 5)
    requested_amount = 500_000_000


class ReviewAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = ReviewAssignment

    proposal = factory.SubFactory(ProposalFactory, under_review=True)
    reviewer = factory.SubFactory(UserFactory, reviewer=True)

    class Params:
        conflicted = factory.Trait(has_conflict=True, conflict_note="共同研究の経験あり")


class ConflictLiftRequestFactory(DjangoModelFactory):
    class Meta:
        model = ConflictLiftRequest

    assignment = factory.SubFactory(ReviewAssignmentFactory, conflicted=True)
    reason = "申告は誤りでした。共同研究の相手は別の機関です。"


class ReviewDeadlineExtensionFactory(DjangoModelFactory):
    class Meta:
        model = ReviewDeadlineExtension

    call = factory.SubFactory(CallFactory)
    new_date = datetime.date(2026, 5, 15)
    reason = "審査委員の追加に伴い延長"
    extended_by = factory.SubFactory(UserFactory, ministry=True)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    assignment = factory.SubFactory(ReviewAssignmentFactory)
    criterion = factory.SubFactory(ReviewCriterionFactory, call=factory.SelfAttribute("..assignment.proposal.call"))
    score = 4


class SelectionDecisionFactory(DjangoModelFactory):
    class Meta:
        model = SelectionDecision

    proposal = factory.SubFactory(ProposalFactory, status=ProposalStatus.SELECTED)
    decision = Decision.SELECTED
    reason = "外部有識者委員会の審査結果による"
    decided_by = factory.SubFactory(UserFactory, ministry=True)


def selected_region(call, region=None, **region_kwargs):
    """A region selected (採択) on ``call``, with its proposal and decision: what a grant on
    ``call`` needs (``Grant.clean()``)."""
    region = region or RegionFactory(**region_kwargs)
    proposal = ProposalFactory(call=call, region=region, status=ProposalStatus.SELECTED)
    SelectionDecisionFactory(proposal=proposal, decision=Decision.SELECTED)
    return region


class GrantFactory(DjangoModelFactory):
    class Meta:
        model = Grant

    region = factory.SubFactory(RegionFactory)
    fiscal_year = 2008
    amount = 500_000_000


class GrantAmendmentFactory(DjangoModelFactory):
    class Meta:
        model = GrantAmendment

    grant = factory.SubFactory(GrantFactory)
    previous_amount = 500_000_000
    new_amount = 450_000_000
    reason = "中間評価の結果による減額"
    amended_by = factory.SubFactory(UserFactory, ministry=True)


class EvaluationFactory(DjangoModelFactory):
    class Meta:
        model = Evaluation

    region = factory.SubFactory(RegionFactory)
    kind = EvaluationKind.INTERIM
    fiscal_year = 2009
    grade = Grade.A
    summary = "順調に進捗している。"
    recommendation = Recommendation.CONTINUE
    is_published = True


class SupportDecisionFactory(DjangoModelFactory):
    """A draft 重点支援 decision (its evaluation recommends 重点支援); ``confirmed=True`` for a confirmed one
    (without amendments: confirm through ``regions.services.support`` to amend grants)."""

    class Meta:
        model = SupportDecision

    class Params:
        confirmed = factory.Trait(
            status=SupportStatus.CONFIRMED,
            confirmed_at=factory.LazyFunction(timezone.now),
            confirmed_by=factory.SelfAttribute("recorded_by"),
        )

    evaluation = factory.SubFactory(EvaluationFactory, recommendation=Recommendation.FOCUS)
    start_fiscal_year = 2010
    end_fiscal_year = 2011
    annual_amount = 50_000_000
    reason = "国際競争力が高く、グローバル拠点として重点的に支援する。"
    recorded_by = factory.SubFactory(UserFactory, ministry=True)


class RelatedMeasureFactory(DjangoModelFactory):
    class Meta:
        model = RelatedMeasure

    region = factory.SubFactory(RegionFactory)
    kind = MeasureKind.METI_CLUSTER
    name = factory.Sequence(lambda n: f"産業クラスター計画プロジェクト{n}")


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = JointResearchProject

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"P{n:05d}")
    title = factory.Sequence(lambda n: f"共同研究テーマ{n}")
    title_en = factory.Sequence(lambda n: f"Joint research {n}")
    theme = "ナノテク"
    summary = "大学のシーズを企業と共同で実用化する。"
    status = ProjectStatus.ACTIVE
    start_date = datetime.date(2008, 4, 1)
    end_date = datetime.date(2012, 3, 31)
    is_published = True

    class Params:
        unpublished = factory.Trait(is_published=False)


class ParticipationFactory(DjangoModelFactory):
    class Meta:
        model = Participation

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = ParticipationRole.UNIVERSITY


class ProjectBudgetFactory(DjangoModelFactory):
    class Meta:
        model = ProjectBudget

    project = factory.SubFactory(ProjectFactory)
    grant = factory.SubFactory(GrantFactory, region=factory.SelfAttribute("..project.region"))
    allocated = 100_000_000
    executed = 0


class ExpenditureFactory(DjangoModelFactory):
    class Meta:
        model = Expenditure

    budget = factory.SubFactory(ProjectBudgetFactory)
    category = ExpenseCategory.EQUIPMENT
    amount = 1_000_000
    spent_on = datetime.date(2008, 6, 1)


class ProgressReportFactory(DjangoModelFactory):
    class Meta:
        model = ProgressReport

    project = factory.SubFactory(ProjectFactory)
    fiscal_year = 2008
    half = Half.FIRST
    status = ReportStatus.DRAFT
    narrative = "計画どおり進捗した。"

    class Params:
        submitted = factory.Trait(status=ReportStatus.SUBMITTED)
        accepted = factory.Trait(status=ReportStatus.ACCEPTED, public_summary="試作品を完成した。")


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    report = factory.SubFactory(ProgressReportFactory)
    title = factory.Sequence(lambda n: f"マイルストーン{n}")


class OutcomeFactory(DjangoModelFactory):
    class Meta:
        model = Outcome

    project = factory.SubFactory(ProjectFactory)
    kind = OutcomeKind.PAPER
    title = factory.Sequence(lambda n: f"成果{n}")
    occurred_on = datetime.date(2009, 7, 1)
    is_published = True

    class Params:
        patent = factory.Trait(
            kind=OutcomeKind.PATENT_APPLICATION,
            application_number=factory.Sequence(lambda n: f"特願2009-{n:06d}"),
            country="JP",
        )
        unpublished = factory.Trait(is_published=False)


class CoordinatorFactory(DjangoModelFactory):
    class Meta:
        model = Coordinator

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"coord-{n}")
    kind = CoordinatorKind.COORDINATOR
    name = factory.Sequence(lambda n: f"目利き 花子{n}")
    expertise = "光技術"
    is_published = True


class CoordinationActivityFactory(DjangoModelFactory):
    class Meta:
        model = CoordinationActivity

    coordinator = factory.SubFactory(CoordinatorFactory)
    held_on = datetime.date(2008, 9, 1)
    title = factory.Sequence(lambda n: f"シーズ・ニーズ面談{n}")
    result = ActivityResult.CONTINUED


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    region = factory.SubFactory(RegionFactory)
    kind = EventKind.FORUM
    title = factory.Sequence(lambda n: f"クラスターフォーラム{n}")
    starts_on = datetime.date(2009, 2, 10)
    venue = "市民会館"
    is_published = True


# --- login throttling (django-axes); its models are in the admin for administrators ---------------

from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # noqa: E402 (appended section)


class AccessAttemptFactory(DjangoModelFactory):
    """Failed logins of one user name from one address (a lockout once ``failures_since_start`` ≥ the limit)."""

    class Meta:
        model = AccessAttempt

    username = factory.Sequence(lambda n: f"attacker-{n}")
    ip_address = factory.Sequence(lambda n: f"192.0.2.{n % 250 + 1}")
    user_agent = "pytest"
    http_accept = "text/html"
    path_info = "/accounts/login/"
    get_data = ""
    post_data = "username=attacker\npassword=********************"
    failures_since_start = 1

    class Params:
        locked_out = factory.Trait(failures_since_start=5)


class AccessLogFactory(DjangoModelFactory):
    class Meta:
        model = AccessLog

    username = factory.Sequence(lambda n: f"user-{n}")
    ip_address = "192.0.2.10"
    user_agent = "pytest"
    http_accept = "text/html"
    path_info = "/accounts/login/"


class AccessFailureLogFactory(DjangoModelFactory):
    class Meta:
        model = AccessFailureLog

    username = factory.Sequence(lambda n: f"user-{n}")
    ip_address = "192.0.2.20"
    user_agent = "pytest"
    http_accept = "text/html"
    path_info = "/accounts/login/"
    locked_out = False


# --- ministry workflow (issue 3): proposal attachments ----------------------------------------------

from regions.models import AttachmentKind, ProposalAttachment  # noqa: E402 (appended section)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ProposalAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = ProposalAttachment

    proposal = factory.SubFactory(ProposalFactory)
    file = factory.django.FileField(filename="plan.pdf", data=PDF_BYTES)
    original_name = "事業計画書.pdf"
    kind = AttachmentKind.PDF
    size = len(PDF_BYTES)


# --- headquarters workspace (projects.ReportAttachment, cluster_portal.SubmissionToken) ---------------

from cluster_portal.models import CspReport, SubmissionToken  # noqa: E402 (appended section)
from projects.models import Receipt, ReportAttachment  # noqa: E402 (appended section)


class ReceiptFactory(DjangoModelFactory):
    class Meta:
        model = Receipt

    expenditure = factory.SubFactory(ExpenditureFactory)
    original_name = "領収書.pdf"
    file = factory.django.FileField(filename="receipt.pdf", data=b"%PDF-1.4\n%%EOF\n")


class ReportAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = ReportAttachment

    report = factory.SubFactory(ProgressReportFactory)
    title = factory.Sequence(lambda n: f"添付資料{n}")
    file = factory.django.FileField(filename="report.pdf", data=b"%PDF-1.4\n%%EOF\n")


class SubmissionTokenFactory(DjangoModelFactory):
    class Meta:
        model = SubmissionToken

    token = factory.Sequence(lambda n: f"test-token-{n:016d}")
    user = factory.SubFactory(UserFactory)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    kind = "report_accepted"
    recipient = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.recipient.email)
    subject = factory.Sequence(lambda n: f"【受理】進捗報告「P-{n}」")
    body_text = "進捗報告が受理されました。"


class TOTPDeviceFactory(DjangoModelFactory):
    """A confirmed authenticator app (django-otp TOTP); its ``bin_key`` computes codes in tests."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory, ministry=True)
    name = "authenticator"
    confirmed = True


class StaticDeviceFactory(DjangoModelFactory):
    """Recovery codes (django-otp static device) with two one-time codes."""

    class Meta:
        model = StaticDevice
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, ministry=True)
    name = "recovery"
    confirmed = True

    @factory.post_generation
    def tokens(self, create, extracted, **kwargs):
        if create:
            for token in extracted or ("recover01", "recover02"):
                self.token_set.create(token=token)


class CspReportFactory(DjangoModelFactory):
    class Meta:
        model = CspReport

    document_uri = "https://portal.example.jp/projects/"
    effective_directive = "script-src-elem"
    blocked_uri = factory.Sequence(lambda n: f"https://evil{n}.example/x.js")
    disposition = "enforce"


from projects.models import RegionYearFigures  # noqa: E402 (appended section)


class RegionYearFiguresFactory(DjangoModelFactory):
    """A rollup row is derived, never made by hand: this makes the grant it sums and returns its row."""

    class Meta:
        model = RegionYearFigures

    region = factory.SubFactory(RegionFactory)
    fiscal_year = 2008

    @classmethod
    def _create(cls, model_class, region, fiscal_year, **kwargs):
        GrantFactory(region=region, fiscal_year=fiscal_year, **kwargs)
        return model_class.objects.get(region=region, fiscal_year=fiscal_year)
