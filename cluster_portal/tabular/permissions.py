"""Who may import and export what (one place, tested as a table).

Administrators and ministry staff: every data set, every region. Headquarters
staff: the data sets marked for them in the registry, only their own region's
rows (enforced row by row by the resources). Everyone else: nothing.
"""

from cluster_portal.models import own_region_id, sees_everything


def can_use_dataio(user) -> bool:
    return sees_everything(user) or own_region_id(user) is not None


def can_import(user, spec) -> bool:
    if sees_everything(user):
        return True
    return own_region_id(user) is not None and spec.hq_import


def can_export(user, spec) -> bool:
    if sees_everything(user):
        return True
    return own_region_id(user) is not None and spec.hq_export


def importable(user, specs) -> list:
    return [spec for spec in specs if can_import(user, spec)]


def exportable(user, specs) -> list:
    return [spec for spec in specs if can_export(user, spec)]
