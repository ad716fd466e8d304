"""E-certificates through the API: the wallet, the published keys, staff verification and revocation."""

from __future__ import annotations

from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.certificates.models import ECertificate
from domain.certificates.service import number_for
from domain.shared.signing import KeyRing, b64url_decode, canonical_json
from tests.api.test_staff import staff_client
from tests.domain.test_certificates import issue
from tests.support.apps import error_code
from tests.support.residents import login

WALLET = "/api/v1/certificates"
KEYS = "/api/v1/certificates/keys"
VERIFY = "/api/v1/staff/certificates/verify"


def revoke_path(cert_id: int) -> str:
    return f"/api/v1/staff/certificates/{cert_id}/revoke"


async def _resident_with_certificate(client: httpx.AsyncClient, name: str, request_id: int) -> Any:
    resident = await login(client, name)
    cert = await issue(await User.get(id=resident.id), request_id=request_id)
    return resident, cert


async def test_the_wallet_shows_only_your_own_certificates(client: httpx.AsyncClient) -> None:
    alice, alices = await _resident_with_certificate(client, "alice", 1)
    bob, bobs = await _resident_with_certificate(client, "bob", 2)

    r = await client.get(WALLET, headers=alice.headers)
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [alices.id]
    item = r.json()["items"][0]
    assert item["validity"] == "valid" and item["signed"]["kid"] and item["data"]["aid_type"] == "autism"

    assert (await client.get(f"{WALLET}/{alices.id}", headers=alice.headers)).status_code == 200
    theirs = await client.get(f"{WALLET}/{bobs.id}", headers=alice.headers)
    assert theirs.status_code == 404 and error_code(theirs) == "certificate_not_found"
    assert (await client.get(WALLET)).status_code == 401


async def test_the_published_keys_verify_a_wallet_document_offline(client: httpx.AsyncClient) -> None:
    alice, _cert = await _resident_with_certificate(client, "alice", 1)
    signed = (await client.get(WALLET, headers=alice.headers)).json()["items"][0]["signed"]

    jwks = (await client.get(KEYS)).json()

    jwk = next(k for k in jwks["keys"] if k["kid"] == signed["kid"])
    assert jwk["kty"] == "OKP" and "d" not in jwk  # public half only
    # Rebuild a verifier from the public x alone, as an offline device would.
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public.verify(b64url_decode(signed["signature"]), canonical_json(signed["document"]))


async def test_staff_verify_by_number_and_by_document(client: httpx.AsyncClient) -> None:
    alice, cert = await _resident_with_certificate(client, "alice", 1)
    signed = (await client.get(WALLET, headers=alice.headers)).json()["items"][0]["signed"]
    scanner = await staff_client(client, "scanner.li", roles=["scanner"], scopes=["SITE-1"])

    by_number = await client.post(VERIFY, json={"number": cert.number}, headers=scanner)
    by_document = await client.post(VERIFY, json={"signed": signed}, headers=scanner)

    assert by_number.status_code == 200 and by_number.json()["validity"] == "valid"
    assert by_document.status_code == 200 and by_document.json()["certificate"]["id"] == cert.id
    assert by_document.json()["certificate"]["holder_name"] is None  # login only: no verified name


async def test_verification_refuses_forgeries_with_their_own_codes(client: httpx.AsyncClient) -> None:
    alice, _cert = await _resident_with_certificate(client, "alice", 1)
    signed = (await client.get(WALLET, headers=alice.headers)).json()["items"][0]["signed"]
    scanner = await staff_client(client, "scanner.li", roles=["scanner"], scopes=["SITE-1"])
    tampered = {**signed, "document": {**signed["document"], "valid_until": "2099-12-31"}}
    other_kid = {**signed, "kid": "someone-elses"}
    forged = KeyRing({signed["kid"]: b"0" * 32}, signed["kid"]).sign(canonical_json(signed["document"]))

    cases = {
        "certificate_signature_invalid": {"signed": tampered},
        "certificate_key_unknown": {"signed": other_kid},
        "certificate_number_invalid": {"number": "RA-20260000000001Z"},
    }
    for code, payload in cases.items():
        r = await client.post(VERIFY, json=payload, headers=scanner)
        assert r.status_code == 422 and error_code(r) == code, (code, r.text)
    r = await client.post(VERIFY, json={"signed": {**signed, "signature": forged.value}}, headers=scanner)
    assert error_code(r) == "certificate_signature_invalid"


async def test_verify_input_errors_are_4xx_with_codes(client: httpx.AsyncClient) -> None:
    scanner = await staff_client(client, "scanner.li", roles=["scanner"], scopes=["SITE-1"])

    neither = await client.post(VERIFY, json={}, headers=scanner)
    wrong_alg = await client.post(
        VERIFY,
        json={"signed": {"document": {}, "kid": "k", "alg": "HS256", "signature": "x"}},
        headers=scanner,
    )
    unknown_number = await client.post(
        VERIFY, json={"number": number_for("RA", 2026, 999_999)}, headers=scanner
    )

    assert neither.status_code == 422
    assert neither.json()["error"]["details"]["fields"][0]["code"] == "number_or_document"
    assert wrong_alg.status_code == 422
    assert unknown_number.status_code == 404 and error_code(unknown_number) == "certificate_not_found"


async def test_only_scanners_and_case_officers_verify(client: httpx.AsyncClient) -> None:
    alice, cert = await _resident_with_certificate(client, "alice", 1)
    finance = await staff_client(client, "fin.wu", roles=["finance"], scopes=["*"])

    assert (await client.post(VERIFY, json={"number": cert.number}, headers=finance)).status_code == 403
    assert (await client.post(VERIFY, json={"number": cert.number}, headers=alice.headers)).status_code == 401


async def test_revocation_through_the_api_is_audited_and_verified_as_revoked(
    client: httpx.AsyncClient,
) -> None:
    alice, cert = await _resident_with_certificate(client, "alice", 1)
    officer = await staff_client(client, "officer.chen", roles=["case_officer"], scopes=["CDPF-GZ"])
    outsider = await staff_client(client, "officer.lin", roles=["case_officer"], scopes=["HR-SZ"])

    refused = await client.post(revoke_path(cert.id), json={"reason": "error"}, headers=outsider)
    no_reason = await client.post(revoke_path(cert.id), json={}, headers=officer)
    r = await client.post(revoke_path(cert.id), json={"reason": "issued in error"}, headers=officer)
    again = await client.post(revoke_path(cert.id), json={"reason": "again"}, headers=officer)
    missing = await client.post(revoke_path(cert.id + 99), json={"reason": "x"}, headers=officer)

    assert refused.status_code == 403
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["details"]["fields"][0] == {
        "field": "reason",
        "code": "required",
        "message": no_reason.json()["error"]["details"]["fields"][0]["message"],
    }
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["validity"] == "revoked"
    assert again.status_code == 409 and error_code(again) == "certificate_already_revoked"
    assert missing.status_code == 404
    assert await AuditRecord.filter(action="certificate.revoked", target_id=str(cert.id)).count() == 1
    verified = await client.post(VERIFY, json={"number": cert.number}, headers=officer)
    assert verified.json()["validity"] == "revoked"
    wallet = (await client.get(WALLET, headers=alice.headers)).json()["items"][0]
    assert wallet["validity"] == "revoked"
    assert (await ECertificate.get(id=cert.id)).revoked_reason == "issued in error"
