"""``cluster_portal.bulk_history.bulk_create_with_history``: the database copies each inserted row into
its history table. The records must be what simple-history's own ``bulk_create_with_history`` writes
(the oracle here), so every history page, diff and the activity log read them alike."""

import pytest
from django.forms.models import model_to_dict
from simple_history.utils import bulk_create_with_history as library_bulk_create_with_history

from cluster_portal.bulk_history import bulk_create_with_history
from projects.models import JointResearchProject
from regions.models import Proposal
from tests import factories

pytestmark = pytest.mark.django_db

# Columns that differ between two inserts of the same rows by construction.
DIFFERENT = {"id", "history_id", "history_date", "code", "title", "title_en", "region", "created_at", "updated_at"}


def records(model, objs):
    """The history records of ``objs``, as plain values, in the order of the rows."""
    history = model.history.model
    return [
        {key: value for key, value in model_to_dict(record).items() if key not in DIFFERENT}
        | {"id": record.id, "history_type": record.history_type, "history_user": record.history_user_id}
        | {"history_change_reason": record.history_change_reason}
        for record in history.objects.filter(id__in=[obj.pk for obj in objs]).order_by("history_id")
    ]


@pytest.mark.parametrize(
    ("model", "build"),
    [
        # foreign keys (region, host organisation), dates, choices
        (
            JointResearchProject,
            lambda given, n: factories.ProjectFactory.build(
                region=given["regions"][0], host_organization=given["organization"]
            ),
        ),
        # a model whose history leaves fields out (excluded_fields)
        (
            Proposal,
            lambda given, n: factories.ProposalFactory.build(region=given["regions"][n], call=given["call"]),
        ),
    ],
)
def test_history_records_are_what_simple_history_writes(model, build):
    user = factories.UserFactory(ministry=True)
    given = {
        "regions": factories.RegionFactory.create_batch(10, planning=True),
        "organization": factories.OrganizationFactory(),
        "call": factories.CallFactory(),
    }

    ours = bulk_create_with_history(
        [build(given, n) for n in range(5)], model, batch_size=2, user=user, change_reason="取込"
    )
    theirs = library_bulk_create_with_history(
        [build(given, n) for n in range(5, 10)],
        model,
        batch_size=2,
        default_user=user,
        default_change_reason="取込",
    )

    ours_records, theirs_records = records(model, ours), records(model, theirs)
    assert [record["id"] for record in ours_records] == [obj.pk for obj in ours]  # one each, in order
    assert [{**record, "id": None} for record in ours_records] == [{**record, "id": None} for record in theirs_records]
    assert {record["history_type"] for record in ours_records} == {"+"}
    assert {record["history_user"] for record in ours_records} == {user.pk}
    first = model.history.filter(id=ours[0].pk).get()
    assert first.title == ours[0].title and first.history_date is not None


def test_nothing_to_insert_writes_nothing():
    assert bulk_create_with_history([], JointResearchProject) == []
    assert JointResearchProject.history.count() == 0
