"""Japanese notations read once, in the kernel (``cluster_portal.fiscal``), by every form and the import.

Fiscal years: 西暦, 「2008年度」, 「平成20年度」, 「H20」, 「R2」, 「令和元年度」, full-width digits.
Dates: ISO, 2008/4/1, 2008年4月1日, 「令和2年4月1日」, 「R2.4.1」, 「H23.5.1」, 元年; era boundaries
to the day. A refusal says what is accepted, with an example. Amounts: 「1,234円」 in forms and
imports alike; 「千円」 only where the unit is stated as 千円.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cluster_portal.fields import AmountError, YenField, parse_yen
from cluster_portal.fiscal import NotationError, parse_date, parse_fiscal_year
from cluster_portal.forms import FiscalYearField, JapaneseDateField
from cluster_portal.tabular.services import data_import
from cluster_portal.tabular.widgets import DateValueWidget, FiscalYearWidget, YenWidget
from projects.models import Expenditure, JointResearchProject
from tests import factories
from tests.form_helpers import opened

D = datetime.date

FISCAL_YEARS = [
    ("2008", 2008),
    ("2008年度", 2008),
    ("２００８年度", 2008),
    ("FY2008", 2008),
    ("平成20年度", 2008),
    ("平成20", 2008),
    ("平成２０年度", 2008),
    ("H20", 2008),
    ("h20", 2008),
    ("Ｈ２０", 2008),
    ("R2", 2020),
    ("令和2年度", 2020),
    ("令和元年度", 2019),
    ("R元", 2019),
    ("平成元年度", 1989),
    ("平成31年度", 2019),  # FY2019 began on 2019-04-01, under Heisei: both names are in use
    ("昭和63年度", 1988),
    ("2008年度（平成20年度）", 2008),  # the portal's own label, as an export or a copy from a page shows it
    (2008, 2008),
    (2008.0, 2008),
]

FISCAL_YEARS_REFUSED = [
    ("平成32年度", "era_ended", "令和2年度"),
    ("H32", "era_ended", "令和2年度"),
    ("昭和64年度", "era_ended", "平成元年度"),
    ("令和0", "era_year_zero", "令和元年度"),
    ("二千八年", "invalid", "2020、2020年度、令和2年度、R2"),
    ("2008年度（平成21年度）", "invalid", "2020、2020年度、令和2年度、R2"),
    ("M40", "invalid", "令和2年度"),
    ("2008.5", "invalid", "令和2年度"),
]

DATES = [
    ("2008-04-01", D(2008, 4, 1)),
    ("2008/4/1", D(2008, 4, 1)),
    ("2008.4.1", D(2008, 4, 1)),
    ("20080401", D(2008, 4, 1)),
    ("2008年4月1日", D(2008, 4, 1)),
    ("２００８年４月１日", D(2008, 4, 1)),
    ("2008-04-01 00:00:00", D(2008, 4, 1)),
    ("令和2年4月1日", D(2020, 4, 1)),
    ("令和２年４月１日", D(2020, 4, 1)),
    ("R2.4.1", D(2020, 4, 1)),
    ("r2/4/1", D(2020, 4, 1)),
    ("Ｒ２．４．１", D(2020, 4, 1)),
    ("H23.5.1", D(2011, 5, 1)),
    ("平成23年5月1日", D(2011, 5, 1)),
    ("令和元年5月1日", D(2019, 5, 1)),
    ("R元.5.1", D(2019, 5, 1)),
    ("平成31年4月30日", D(2019, 4, 30)),  # Heisei's last day
    ("昭和64年1月7日", D(1989, 1, 7)),  # Showa's last day
    ("平成元年1月8日", D(1989, 1, 8)),  # Heisei's first day
    ("S63.12.31", D(1988, 12, 31)),
    (D(2008, 4, 1), D(2008, 4, 1)),
    (datetime.datetime(2008, 4, 1, 9, 30), D(2008, 4, 1)),  # an Excel date cell
]

DATES_REFUSED = [
    ("平成31年5月1日", "outside_era", "令和元年5月1日"),
    ("H31.5.1", "outside_era", "令和元年5月1日"),
    ("令和元年4月30日", "outside_era", "平成31年4月30日"),
    ("昭和64年1月8日", "outside_era", "平成元年1月8日"),
    ("平成元年1月7日", "outside_era", "昭和64年1月7日"),
    ("平成32年4月1日", "outside_era", "令和2年4月1日"),
    ("令和0年5月1日", "era_year_zero", "令和元年5月1日"),
    ("2020-02-30", "no_such_day", "2020年2月30日 という日付はありません"),
    ("R2.2.30", "no_such_day", "令和2年2月30日 という日付はありません"),
    ("2008-13-01", "no_such_day", "令和2年4月1日"),
    ("4月1日", "invalid", "2020-04-01、2020/4/1、2020年4月1日、令和2年4月1日、R2.4.1"),
    ("来週", "invalid", "R2.4.1"),
]


@pytest.mark.parametrize(("text", "expected"), FISCAL_YEARS)
def test_a_fiscal_year_reads_the_same_in_the_parser_the_form_and_the_import(text, expected):
    assert parse_fiscal_year(text) == expected
    assert FiscalYearField().clean(text) == expected
    assert FiscalYearWidget().clean(text) == expected


@pytest.mark.parametrize(("text", "code", "example"), FISCAL_YEARS_REFUSED)
def test_an_impossible_fiscal_year_is_refused_with_an_accepted_example(text, code, example):
    with translation.override("ja"):
        with pytest.raises(NotationError) as parsed:
            parse_fiscal_year(text)
        with pytest.raises(ValidationError) as form:
            FiscalYearField().clean(text)
        with pytest.raises(ValueError) as imported:
            FiscalYearWidget().clean(text)
    assert parsed.value.code == code
    assert example in str(parsed.value)
    assert form.value.messages == [str(parsed.value)] == [str(imported.value)]


def test_heisei_32_names_the_last_heisei_year_and_the_reiwa_year_to_use():
    with translation.override("ja"), pytest.raises(NotationError) as error:
        parse_fiscal_year("平成32年度")
    assert str(error.value) == "平成は31年度までです。平成32年度は令和2年度と入力してください。"


def test_an_unreadable_fiscal_year_shows_the_accepted_notations():
    with translation.override("ja"), pytest.raises(NotationError) as error:
        parse_fiscal_year("来年度")
    assert str(error.value) == "年度は 2020、2020年度、令和2年度、R2 のように入力してください。"


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_a_date_reads_the_same_in_the_parser_the_form_and_the_import(text, expected):
    assert parse_date(text) == expected
    assert JapaneseDateField().clean(text) == expected
    assert DateValueWidget().clean(text) == expected


@pytest.mark.parametrize(("text", "code", "example"), DATES_REFUSED)
def test_an_impossible_date_is_refused_with_an_accepted_example(text, code, example):
    with translation.override("ja"):
        with pytest.raises(NotationError) as parsed:
            parse_date(text)
        with pytest.raises(ValidationError) as form:
            JapaneseDateField().clean(text)
        with pytest.raises(ValueError) as imported:
            DateValueWidget().clean(text)
    assert parsed.value.code == code
    assert example in str(parsed.value)
    assert form.value.messages == [str(parsed.value)] == [str(imported.value)]


def test_the_day_after_heiseis_end_says_which_reiwa_date_it_is():
    with translation.override("ja"), pytest.raises(NotationError) as error:
        parse_date("平成31年5月1日")
    assert str(error.value) == (
        "平成31年5月1日 という日付はありません（平成は1989年1月8日から2019年4月30日まで）。"
        "2019年5月1日は 令和元年5月1日 と入力してください。"
    )


# ---------------------------------------------------------------- amounts: 円 alike, 千円 only where stated


@pytest.mark.parametrize(("text", "expected"), [("1234円", 1234), ("1,234円", 1234), ("１，２３４円", 1234)])
def test_a_yen_suffix_is_accepted_by_the_form_and_the_import_alike(text, expected):
    assert YenField().clean(text) == YenWidget().clean(text) == expected


def test_thousand_yen_is_refused_in_a_yen_field_with_a_message_naming_the_unit():
    with translation.override("ja"):
        with pytest.raises(ValidationError) as form:
            YenField().clean("1,234千円")
        with pytest.raises(ValueError) as imported:
            YenWidget().clean("1,234千円")
    assert form.value.messages == [str(imported.value)]
    assert "「千円」などの単位は付けられません" in str(imported.value)


@pytest.mark.parametrize(("text", "expected"), [("1,234", 1_234_000), ("1,234千円", 1_234_000), ("1234千", 1_234_000)])
def test_a_field_stated_in_thousand_yen_reads_thousands(text, expected):
    assert parse_yen(text, unit=1000) == expected
    assert YenField(unit=1000).clean(text) == YenWidget(unit=1000).clean(text) == expected


def test_a_yen_amount_in_a_thousand_yen_field_is_refused_not_converted():
    with translation.override("ja"), pytest.raises(AmountError) as error:
        parse_yen("1234円", unit=1000)
    assert error.value.code == "yen_in_thousands"
    assert "千円単位" in str(error.value)


# ---------------------------------------------------------------- a screen's form and an import file

NO_PARTICIPANTS = {"participants-TOTAL_FORMS": "0", "participants-INITIAL_FORMS": "0"}


@pytest.mark.django_db
def test_the_project_form_accepts_japanese_era_dates_and_renders_a_typed_date_box(client, hq_user):
    client.force_login(hq_user)
    page = client.get(reverse("workspace:project_create")).content.decode()
    assert 'name="start_date"' in page and 'type="date"' not in page
    assert 'placeholder="2020-04-01 または 令和2年4月1日"' in page

    data = {"code": "ERA-1", "title": "和暦で入力", "theme": "光", "start_date": "令和2年4月1日", "end_date": "R5.3.31"}
    response = client.post(reverse("workspace:project_create"), opened(data, **NO_PARTICIPANTS))

    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "error" in line]
    project = JointResearchProject.objects.get(code="ERA-1")
    assert (project.start_date, project.end_date) == (D(2020, 4, 1), D(2023, 3, 31))


@pytest.mark.django_db
def test_the_project_form_refuses_a_date_outside_its_era_with_the_right_era_date(client, hq_user):
    client.force_login(hq_user)
    data = {"code": "ERA-2", "title": "和暦", "theme": "光", "start_date": "平成31年5月1日", "end_date": "2020-03-31"}
    response = client.post(reverse("workspace:project_create"), opened(data, **NO_PARTICIPANTS))

    assert response.status_code == 400
    assert "令和元年5月1日 と入力してください" in response.content.decode()
    assert 'value="平成31年5月1日"' in response.content.decode()  # kept as typed, to be corrected
    assert not JointResearchProject.objects.filter(code="ERA-2").exists()


@pytest.mark.django_db
def test_a_report_form_reads_a_fiscal_year_typed_as_h20(client, hq_user, region):
    from tests.workspace_helpers import populate

    project = populate(region, projects=1)["project"]
    client.force_login(hq_user)
    url = reverse("workspace:report_create", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'data-notation="fiscal-year"' in page
    data = {
        "fiscal_year": "H20",
        "half": "H2",
        "due_on": "平成20年10月31日",
        "narrative": "和暦で入力した報告",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
    }
    response = client.post(url, opened(data))

    assert response.status_code == 302, response.content.decode()[:3000]
    report = project.reports.get(narrative="和暦で入力した報告")
    assert (report.fiscal_year, report.due_on) == (2008, D(2008, 10, 31))


EXPENDITURES = "執行コード,プロジェクトコード,年度,費目,執行日,金額（円）,内容"


def import_expenditures(user, *lines):
    data = ("\r\n".join([EXPENDITURES, *lines]) + "\r\n").encode("utf-8")
    return data_import(user=user, resource="expenditures", data=data, file_format="csv", dry_run=False)


@pytest.mark.django_db
def test_an_import_with_era_notations_stores_the_same_as_iso_values(admin_user, region):
    for year in (2011, 2020):
        factories.GrantFactory(region=region, fiscal_year=year, amount=10_000_000)
    for code in ("ISO", "ERA"):
        project = factories.ProjectFactory(region=region, code=code)
        for grant in region.grants.all():
            factories.ProjectBudgetFactory(project=project, grant=grant, allocated=1_000_000, executed=0)

    iso = import_expenditures(
        admin_user, ",ISO,2020,設備費,2020-04-01,1234,分析装置", ",ISO,2011,旅費,2011-05-01,50000,出張"
    )
    era = import_expenditures(
        admin_user, ',ERA,R2,設備費,令和2年4月1日,"1,234円",分析装置', ",ERA,H23,旅費,H23.5.1,５００００円,出張"
    )

    assert iso.ok and era.ok, [str(issue) for issue in (*iso.errors, *era.errors)]

    def stored(code):
        entries = Expenditure.objects.filter(budget__project__code=code).order_by("spent_on")
        return [(e.budget.fiscal_year, e.category, e.spent_on, e.amount, e.description) for e in entries]

    assert (
        stored("ERA")
        == stored("ISO")
        == [
            (2011, "travel", D(2011, 5, 1), 50_000, "出張"),
            (2020, "equipment", D(2020, 4, 1), 1_234, "分析装置"),
        ]
    )


@pytest.mark.django_db
def test_an_import_refuses_heisei_32_with_the_row_the_column_and_the_reiwa_year(admin_user, region):
    factories.GrantFactory(region=region, fiscal_year=2020, amount=10_000_000)
    project = factories.ProjectFactory(region=region, code="P-1")
    factories.ProjectBudgetFactory(project=project, grant=region.grants.get(), allocated=1_000_000, executed=0)

    with translation.override("ja"):
        report = import_expenditures(admin_user, ",P-1,平成32年度,設備費,2020-04-01,1000,装置")

    assert not report.ok and not report.committed
    text = "\n".join(str(issue) for issue in report.errors)
    assert "2行目 年度: 平成は31年度までです。平成32年度は令和2年度と入力してください。" in text
    assert not Expenditure.objects.exists()


def screen_model_forms():
    import inspect

    from django import forms

    import ministry.forms
    import workspace.coordinator_forms
    import workspace.forms
    import workspace.proposal_forms

    modules = (workspace.forms, workspace.coordinator_forms, workspace.proposal_forms, ministry.forms)
    return sorted(
        {
            form
            for module in modules
            for _name, form in inspect.getmembers(module, inspect.isclass)
            if issubclass(form, forms.ModelForm) and getattr(form._meta, "model", None) is not None
        },
        key=lambda form: form.__name__,
    )


@pytest.mark.parametrize("form_class", screen_model_forms(), ids=lambda form: form.__name__)
def test_every_screen_form_reads_fiscal_years_and_dates_with_the_kernel_parser(form_class):
    from django.db import models

    from cluster_portal.forms import PortalModelForm, is_fiscal_year_field

    assert issubclass(form_class, PortalModelForm)
    model = form_class._meta.model
    model_fields = {model_field.name: model_field for model_field in model._meta.get_fields()}
    for name, form_field in form_class.base_fields.items():
        model_field = model_fields.get(name)  # None: a form-only field
        if isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
            assert isinstance(form_field, JapaneseDateField), name
            assert 'type="date"' not in str(form_field.widget.render(name, None)), name
        elif is_fiscal_year_field(model_field) and not model_field.choices:
            assert isinstance(form_field, FiscalYearField), name


def test_a_calls_yearly_envelopes_may_name_their_years_in_japanese_era():
    from ministry.forms import CallForm

    form = CallForm()
    form.cleaned_data = {"budgets_text": "R8,1,500,000,000\n令和9年度,1200000000円\n2028,1000"}
    assert form.clean_budgets_text() == {2026: 1_500_000_000, 2027: 1_200_000_000, 2028: 1000}
