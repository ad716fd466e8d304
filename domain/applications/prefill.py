"""Form answers the server fills from verified records, for the fields an item marks ``prefill``.

A guardian who picked their child should not type the child's name and ID number again, and no one
should be able to file a case for a child under another child's number. So a marked field takes its
value from the record of the person the application is for (``subject.*``: the family member acted
for, else the resident themself) or of the resident filing it (``applicant.*``), at draft creation,
on every edit and again at submission; whatever the client sends for such a field is dropped, not
refused, because the page sends back the form it read (the ID number masked) on each save.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.accounts.models import User
from domain.catalog.schema import ItemDocument
from domain.family.models import FamilyMember
from domain.identity.documents import NUMBERS_WITH_BIRTH_DATE
from domain.identity.service import birth_date_of_user

Record = dict[str, Any]  # "subject.name" → "李小明", "applicant.id_number" → "4401…"; only known facts


def marked(document: ItemDocument) -> dict[str, str]:
    """Field key → where its value comes from, for the fields filled from a record."""
    return {f.key: f.prefill for f in document.form.fields if f.prefill is not None}


def fill(document: ItemDocument, form: dict[str, Any], record: Record) -> dict[str, Any]:
    """``form`` with each marked field replaced by the record's value (or dropped when unknown)."""
    sources = marked(document)
    kept = {key: value for key, value in form.items() if key not in sources}
    return {**kept, **{key: record[src] for key, src in sources.items() if src in record}}


async def record_of(applicant_id: int | None, on_behalf_of_id: int | None) -> Record:
    """The verified facts of the resident filing a case and of the person it is for."""
    user = await User.get_or_none(id=applicant_id) if applicant_id is not None else None
    applicant = _user_facts(user) if user is not None and user.real_name_verified else {}
    subject = applicant
    if on_behalf_of_id is not None:
        member = await FamilyMember.get_or_none(id=on_behalf_of_id)
        subject = _facts(member.name, member.id_number, member.birth_date) if member is not None else {}
    return {
        **{f"applicant.{fact}": value for fact, value in applicant.items()},
        **{f"subject.{fact}": value for fact, value in subject.items()},
    }


def _user_facts(user: User) -> dict[str, Any]:
    # Only numbers in the ID card's format fill an ID number field (the field checks that format);
    # a passport holder types theirs.
    card = user.id_document_kind in (None, *NUMBERS_WITH_BIRTH_DATE)
    return _facts(user.real_name, user.id_number if card else None, birth_date_of_user(user))


def _facts(name: str | None, id_number: str | None, born: dt.date | None) -> dict[str, Any]:
    facts: dict[str, Any] = {"name": name, "id_number": id_number, "birth_date": born and born.isoformat()}
    # GB 11643: the 17th character is odd for a man, even for a woman.
    if id_number and len(id_number) == 18 and id_number[16].isdigit():
        facts["sex"] = "male" if int(id_number[16]) % 2 else "female"
    return {fact: value for fact, value in facts.items() if value}
