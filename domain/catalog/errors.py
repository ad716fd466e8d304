"""Refusals of the catalogue. Each code is stable: the mini-program and the staff console switch on it."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import _


class CatalogItemNotFound(NotFound):
    code = "catalog_item_not_found"
    message = _("There is no such service item.")


class CatalogVersionNotFound(NotFound):
    """details: ``version``, the number asked for."""

    code = "catalog_version_not_found"
    message = _("This service item has no such version.")


class CatalogItemExists(Conflict):
    """details: ``code``."""

    code = "catalog_item_exists"
    message = _("A service item with this code already exists.")


class CatalogVersionStale(Conflict):
    """details: ``base_version`` (what the editor started from) and ``latest_version``."""

    code = "catalog_version_stale"
    message = _("Someone else changed this service item meanwhile; reload it and try again.")


class CatalogNothingToPublish(Conflict):
    code = "catalog_nothing_to_publish"
    message = _("The latest version of this service item is already published.")


class CatalogItemRetired(Conflict):
    code = "catalog_item_retired"
    message = _("This service item has been retired.")


# Rules about a document's content. They are also ValueErrors so that a pydantic validator may
# raise them and the field keeps the domain's code (see api._kit.field_errors).


class CatalogIdentityChanged(DomainError, ValueError):
    """details: ``field`` (department or region), ``was`` and ``now``."""

    code = "catalog_identity_changed"
    kind = ErrorKind.INVALID
    message = _("A new version may not move the item to another department or region.")


class CatalogDepartmentUnknown(DomainError, ValueError):
    code = "catalog_department_unknown"
    kind = ErrorKind.INVALID
    message = _("There is no department with this code.")


class CatalogRegionUnknown(DomainError, ValueError):
    code = "catalog_region_unknown"
    kind = ErrorKind.INVALID
    message = _("There is no region with this code.")


class CatalogThemeUnknown(DomainError, ValueError):
    code = "catalog_theme_unknown"
    kind = ErrorKind.INVALID
    message = _("This theme or life event is not in the list.")


class CatalogDocumentInvalid(DomainError, ValueError):
    """A rule across several fields of an item document; ``details.reason`` says which."""

    code = "catalog_document_invalid"
    kind = ErrorKind.INVALID
    message = _("The item document is not consistent.")
