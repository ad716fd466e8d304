"""The sandbox public payment platform: notices paid by its own counter, callbacks signed exactly
as ``protocol.py`` says, receipts as links to a sandbox page.

Notices live in the app's Redis (``adapters.sandbox_state``), so a notice made by one worker is
paid, queried and withdrawn through any other; one order gets one notice however many processes
ask at once. The callback key stays per process: a callback is signed and checked in one process
(the pay page hands it to its own handler)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from adapters.publicpay import protocol
from adapters.publicpay.port import Notice, NoticeState, PublicPaymentError, PublicPaymentUnavailable
from adapters.sandbox_state import Decision, Record, SandboxState

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass
class _Notice:
    """A notice as the sandbox keeps it; a snapshot when read (the record in Redis is the truth)."""

    notice_number: str
    order_number: str
    amount_fen: int
    paid: bool = False
    closed: bool = False  # withdrawn: it can no longer be paid
    payment_id: str | None = None
    paid_at: dt.datetime | None = None  # when the payer paid (the counter's ``at``)

    def record(self) -> Record:
        return {**asdict(self), "paid_at": self.paid_at.isoformat() if self.paid_at else None}

    @classmethod
    def of(cls, record: Record) -> _Notice:
        paid_at = dt.datetime.fromisoformat(record["paid_at"]) if record["paid_at"] else None
        return cls(**{**record, "paid_at": paid_at})


class SandboxPublicPayment:
    def __init__(self, state: SandboxState | None = None) -> None:
        """``state``: where notices live (the app's Redis: every process sees them); without one,
        in this process."""
        self.key = secrets.token_bytes(32)
        self._state = state or SandboxState("publicpay")
        self.notices = _Notices(self)  # tests read a notice as it stands: ``fake.notices[number].closed``
        # Test hook: notice numbers about which every call (of this process) fails with an outcome
        # unknown (``PublicPaymentUnavailable``) until removed from the set.
        self.down: set[str] = set()

    async def create_notice(
        self, *, order_number: str, amount_fen: int, item_code: str, description: str, due: dt.datetime
    ) -> Notice:
        fresh = f"44{secrets.randbelow(10**18):018d}"  # 20 digits
        number = await self._state.claim(self._state.key("order", order_number), fresh)
        new = _Notice(number, order_number, amount_fen)
        await self._state.change(self._notice_key(number), lambda found: (found or new.record(), None))
        return Notice(number, f"/sandbox/nontax/{number}/pay")

    async def query(self, notice_number: str) -> NoticeState:
        self._reachable(notice_number)
        return _state_of(_known(await self._state.read(self._notice_key(notice_number)), notice_number))

    async def close_notice(self, notice_number: str) -> None:
        self._reachable(notice_number)

        def closing(found: Record | None) -> Decision[None]:
            notice = _known(found, notice_number)
            if notice.paid:
                raise PublicPaymentError("ALREADY_PAID", notice_number)
            notice.closed = True
            return notice.record(), None

        await self._state.change(self._notice_key(notice_number), closing)

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> NoticeState:
        return protocol.verify_callback(self.key, headers, body, now)

    async def aclose(self) -> None:
        self._state.close()

    async def apay(
        self, notice_number: str, *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """``pay`` for the app's sandbox pay page: any process may pay any process's notice."""
        at = at or dt.datetime.now(dt.UTC)
        notice = await self._state.change(self._notice_key(notice_number), _paying(notice_number, at))
        return self._callback(notice, at)

    def pay(self, notice_number: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """The payer pays at ``at`` (the platform's payment time): the callback, signed then (a
        test's hook: blocking)."""
        at = at or dt.datetime.now(dt.UTC)
        notice = self._state.change_now(self._notice_key(notice_number), _paying(notice_number, at))
        return self._callback(notice, at)

    def _callback(self, notice: _Notice, at: dt.datetime) -> tuple[dict[str, str], bytes]:
        state = _state_of(notice)
        payload = {
            "notice_number": state.notice_number,
            "order_number": state.order_number,
            "status": "PAID",
            "amount_fen": state.amount_fen,
            "payment_id": state.payment_id,
            "receipt_url": state.receipt_url,
            "paid_at": state.paid_at.astimezone(CHINA).isoformat() if state.paid_at else None,
        }
        return protocol.sign_callback(self.key, payload, at)

    def _notice_key(self, notice_number: str) -> str:
        return self._state.key("notice", notice_number)

    def _reachable(self, notice_number: str) -> None:
        if notice_number in self.down:
            raise PublicPaymentUnavailable("TIMEOUT", "the sandbox is told to fail for " + notice_number)


def _paying(notice_number: str, at: dt.datetime) -> Callable[[Record | None], Decision[_Notice]]:
    def paying(found: Record | None) -> Decision[_Notice]:
        notice = _known(found, notice_number)
        if notice.closed:
            raise PublicPaymentError("NOTICE_CLOSED", notice_number)
        if notice.paid:
            return None, notice  # paid once, whoever pays again
        notice.paid, notice.payment_id, notice.paid_at = True, f"FS{secrets.token_hex(10).upper()}", at
        return notice.record(), notice

    return paying


def _known(found: Record | None, notice_number: str) -> _Notice:
    if found is None:
        raise PublicPaymentError("NOTICE_NOT_FOUND", notice_number)
    return _Notice.of(found)


def _state_of(n: _Notice) -> NoticeState:
    receipt = f"/sandbox/nontax/receipts/{n.payment_id}" if n.paid else None
    return NoticeState(
        n.notice_number, n.order_number, n.paid, n.amount_fen, n.payment_id, receipt, paid_at=n.paid_at
    )


class _Notices:
    """``fake.notices[number]``: the notice as the sandbox holds it now (a snapshot; tests read it)."""

    def __init__(self, fake: SandboxPublicPayment) -> None:
        self._fake = fake

    def __getitem__(self, notice_number: str) -> _Notice:
        found = self._fake._state.read_now(self._fake._notice_key(notice_number))
        if found is None:
            raise KeyError(notice_number)
        return _Notice.of(found)

    def __contains__(self, notice_number: object) -> bool:
        try:
            self[str(notice_number)]
        except KeyError:
            return False
        return True
