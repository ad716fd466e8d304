"""Materials: uploaded files (checked by their magic bytes), files reused from an earlier case,
e-certificates offered instead (免提交), and the files staff add to cite in a step."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from adapters.storage.port import Storage, StoredFileMissing
from domain.applications import catalog, service
from domain.applications.errors import (
    CaseNotClaimed,
    MaterialCertificateMismatch,
    MaterialCertificateNotValid,
    MaterialCodeUnknown,
    MaterialDisguised,
    MaterialNotFound,
    MaterialTooLarge,
    MaterialTypeNotAllowed,
)
from domain.applications.models import Material
from domain.audit import service as audit
from domain.catalog.schema import ItemDocument
from domain.certificates import service as certificates
from domain.certificates import types as certificate_types
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.errors import PlatformUnavailable

_MAGIC = (("pdf", b"%PDF-"), ("jpeg", b"\xff\xd8\xff"), ("png", b"\x89PNG\r\n\x1a\n"))
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
_EXTENSIONS = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png"}
_GENERIC_TYPES = frozenset({"", "application/octet-stream"})
# A certificate offered as a material is stored as its signed JSON (never an upload's type).
CERTIFICATE_CONTENT_TYPE = "application/json"


def sniff(data: bytes) -> str | None:
    """The file type by its magic bytes: ``pdf``, ``jpeg``, ``png``, or None."""
    return next((kind for kind, magic in _MAGIC if data.startswith(magic)), None)


def check_file(data: bytes, *, filename: str, declared_type: str, max_bytes: int) -> str:
    """The sniffed type of an upload, refusing oversized, unknown and disguised files."""
    if len(data) > max_bytes:
        raise MaterialTooLarge(details={"limit": max_bytes})
    allowed = sorted(CONTENT_TYPES.values())
    detected = sniff(data)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed_by_name = _EXTENSIONS.get(extension)
    declared = declared_type.split(";")[0].strip().lower()
    claimed_by_type = next((k for k, v in CONTENT_TYPES.items() if v == declared), None)
    if detected is None:
        raise MaterialTypeNotAllowed(details={"allowed": allowed})
    if extension and claimed_by_name is None:
        # A PDF named .exe is still refused: what it is called is how other programs will open it.
        raise MaterialDisguised(details={"detected": CONTENT_TYPES[detected], "claimed": extension[:16]})
    if declared not in _GENERIC_TYPES and claimed_by_type != detected:
        raise MaterialDisguised(details={"detected": CONTENT_TYPES[detected], "claimed": declared[:64]})
    if claimed_by_name is not None and claimed_by_name != detected:
        raise MaterialDisguised(details={"detected": CONTENT_TYPES[detected], "claimed": extension[:16]})
    return detected


def _material_code(document: ItemDocument, code: str) -> str:
    allowed = [m.code for m in document.materials]
    if code not in allowed:
        raise MaterialCodeUnknown(details={"allowed": allowed})
    return code


def safe_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:120]


async def add_material(
    actor: Actor,
    storage: Storage,
    request_id: int,
    *,
    material_code: str,
    filename: str,
    declared_type: str,
    data: bytes,
    max_bytes: int,
) -> Material:
    """Upload a file for one of the item's materials (a draft, or a case waiting for a supplement)."""
    kind = check_file(data, filename=filename, declared_type=declared_type, max_bytes=max_bytes)
    req = await service.load(actor, request_id)
    service.require_editable(req)
    _material_code(await catalog.item_version(req.item_version_id), material_code)
    stored = await store(storage, data, CONTENT_TYPES[kind], safe_filename(filename))
    return await _attach(actor, request_id, material_code=material_code, fields=stored)


STAFF_ATTACHMENT = "staff_attachment"  # the material code of files staff add (a decision letter...)


async def add_staff_attachment(
    actor: Actor,
    storage: Storage,
    request_id: int,
    *,
    filename: str,
    declared_type: str,
    data: bytes,
    max_bytes: int,
) -> Material:
    """A file the officer holding the case adds, to cite in a step's ``attachments``; the applicant
    can read it too (a written decision, a notice)."""
    kind = check_file(data, filename=filename, declared_type=declared_type, max_bytes=max_bytes)
    req = await service.load(actor, request_id)
    if req.claimed_by_id != actor.id:
        raise CaseNotClaimed()
    stored = await store(storage, data, CONTENT_TYPES[kind], safe_filename(filename))
    return await _attach(
        actor, request_id, material_code=STAFF_ATTACHMENT, fields={**stored, "uploaded_by": "staff"}
    )


async def store(storage: Storage, data: bytes, content_type: str, filename: str) -> dict[str, Any]:
    """Put ``data`` in storage under its SHA-256; the material columns that describe it."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    # Content-addressed: the same bytes uploaded twice are stored once, and a row rolled back
    # later leaves at most a file that a later identical upload reuses.
    await storage.put(key, data)
    return {
        "file_key": key,
        "sha256": digest,
        "content_type": content_type,
        "size": len(data),
        "filename": filename,
    }


async def reuse_material(actor: Actor, request_id: int, *, material_id: int, material_code: str) -> Material:
    """Attach a file the applicant uploaded for an earlier case, without uploading it again."""
    service.check_id(material_id, MaterialNotFound)
    source = await Material.filter(id=material_id, owner_id=actor.id, uploaded_by="applicant").first()
    if source is None:
        raise MaterialNotFound()
    req = await service.load(actor, request_id)
    service.require_editable(req)
    _material_code(await catalog.item_version(req.item_version_id), material_code)
    return await _attach(
        actor,
        request_id,
        material_code=material_code,
        fields={
            "file_key": source.file_key,
            "sha256": source.sha256,
            "content_type": source.content_type,
            "size": source.size,
            "filename": source.filename,
            "reused_from_id": source.id,
            "certificate_id": source.certificate_id,
        },
    )


async def attach_certificate(
    actor: Actor, storage: Storage, request_id: int, *, certificate_id: int, material_code: str
) -> Material:
    """Offer one of the applicant's e-certificates instead of uploading a material (免提交).

    The material's file is the signed certificate (JSON, as issued): staff read and verify what was
    offered, whatever happens to the certificate later.
    """
    req = await service.load(actor, request_id)
    service.require_editable(req)
    document = await catalog.item_version(req.item_version_id)
    _material_code(document, material_code)
    cert = await certificates.get_own(actor, certificate_id)  # someone else's is not found
    accepted = next(m.certificate_type for m in document.materials if m.code == material_code)
    offered = certificate_types.BY_CODE.get(cert.type_code)
    if accepted is None or offered is None or offered.key != accepted:
        raise MaterialCertificateMismatch(details={"accepted": accepted})
    validity = certificates.validity(cert)
    if validity is not certificates.Validity.VALID:
        raise MaterialCertificateNotValid(details={"validity": validity.value})
    data = json.dumps(certificates.signed(cert).as_dict(), ensure_ascii=False, sort_keys=True).encode()
    stored = await store(storage, data, CERTIFICATE_CONTENT_TYPE, f"{cert.number}.json")
    return await _attach(
        actor, request_id, material_code=material_code, fields={**stored, "certificate_id": cert.id}
    )


async def _attach(actor: Actor, request_id: int, *, material_code: str, fields: dict[str, Any]) -> Material:
    async with in_transaction() as conn:
        req = await service.load(actor, request_id, using_db=conn)  # locked: the state cannot move meanwhile
        if actor.kind == "staff":
            if req.claimed_by_id != actor.id:
                raise CaseNotClaimed()
        else:
            service.require_editable(req)
        material = await Material.create(
            request_id=req.id,
            owner_id=req.applicant_id,
            material_code=material_code,
            created_at=clock.now(),
            using_db=conn,
            **fields,
        )
        await audit.record(
            service.as_applicant(actor, req),
            "applications.material_added",
            target_type="service_request",
            target_id=req.id,
            after={
                "material_id": material.id,
                "material_code": material_code,
                "sha256": material.sha256,
                "reused_from": material.reused_from_id,
                "certificate_id": material.certificate_id,
            },
            using_db=conn,
        )
    return material


@dataclass(frozen=True)
class MaterialFile:
    material: Material
    data: bytes


async def read_material(actor: Actor, storage: Storage, request_id: int, material_id: int) -> MaterialFile:
    """A material's file: for the applicant, the member it was filed for, and case officers in scope."""
    service.check_id(material_id, MaterialNotFound)
    req = await service.load(actor, request_id)
    material = await Material.filter(id=material_id, request_id=req.id).first()
    if material is None:
        raise MaterialNotFound()
    try:
        return MaterialFile(material, await storage.get(material.file_key))
    except StoredFileMissing as exc:
        raise PlatformUnavailable(details={"service": "storage"}) from exc
