"""The sandbox identity platform's authorize page: a form a tester fills in instead of a face check.

Only registered when the app runs with sandbox platforms. It behaves like the real provider
where it matters: it only redirects to our registered redirect URI, and the code it issues is
bound to the PKCE challenge, the redirect URI and the nonce.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from pydantic import ValidationError
from sanic import HTTPResponse, Request, empty, html, json, redirect
from sanic_ext import openapi

from adapters.identity.port import SandboxIdentityDesk
from adapters.publicpay.port import PublicPaymentError
from adapters.wechatpay.port import WeChatPayError
from api._access import actor_of, requires
from api._kit import body, documented_media
from api.identity.routes import redirect_uri as our_redirect_uri
from api.payments.routes import providers_of
from api.sandbox.desks import PopulationCounter, PublicPaymentCounter, SeatedChildren, WeChatPayCounter
from api.sandbox.schemas import AuthorizeForm, AuthorizeQuery, SeatChildIn
from domain.family import guardianship
from domain.identity.documents import DocumentKind, document
from domain.identity.errors import NameInvalid
from domain.identity.service import append_query, normalize_name
from domain.payments import service as payments
from domain.shared import clock
from domain.shared.errors import DomainError, NotFound
from domain.shared.i18n import _

_PAGE = """<!doctype html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>统一身份认证（沙箱） · Unified identity (sandbox)</title>
<style>
  body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 28rem; margin: 2rem auto;
         padding: 0 1rem; color: #1f2329; }}
  h1 {{ font-size: 1.25rem; }}
  .note {{ background: #fff7e6; border: 1px solid #ffd591; padding: .75rem; border-radius: .5rem; }}
  label {{ display: block; margin-top: 1rem; font-weight: 600; }}
  input, select {{ width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem;
                   margin-top: .25rem; }}
  .error {{ color: #cf1322; margin-top: 1rem; }}
  .actions {{ display: flex; gap: .75rem; margin-top: 1.5rem; }}
  button {{ flex: 1; padding: .75rem; font-size: 1rem; border-radius: .5rem; border: 0; }}
  #submit {{ background: #1677ff; color: #fff; }}
  #cancel {{ background: #f0f0f0; }}
</style>
</head>
<body>
<h1>统一身份认证（沙箱）<br><small>Unified identity platform (sandbox)</small></h1>
<p class="note">测试环境：不做真实核验，请勿填写真实个人信息。<br>
Test environment: nothing is checked for real; do not enter real personal data.</p>
<form method="post" action="{action}">
{hidden}
<label for="name">姓名 · Name</label>
<input id="name" name="name" autocomplete="off" maxlength="64" required value="{name}">
<label for="document_kind">证件类型 · Document</label>
<select id="document_kind" name="document_kind">{kinds}</select>
<label for="id_number">证件号码 · Document number</label>
<input id="id_number" name="id_number" autocomplete="off" maxlength="32" required value="{id_number}">
<label for="birth_date">出生日期（身份证、居住证免填） · Date of birth (not for ID cards)</label>
<input id="birth_date" name="birth_date" type="date" value="{birth_date}">
<label for="level">认证级别 · Assurance level</label>
<select id="level" name="level">{levels}</select>
{error}
<div class="actions">
<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>取消 · Cancel</button>
<button id="submit" type="submit" name="action" value="submit">确认 · Confirm</button>
</div>
</form>
</body>
</html>
"""

_LEVELS = {
    "L2": "L2 自行声明 · self-declared",
    "L3": "L3 实名核验 · name + ID checked",
    "L4": "L4 实人核验 · face check",
    "L5": "L5 数字证书 · certificate",
}

_PROTOCOL_FIELDS = (
    "response_type",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def _page(
    request: Request, query: AuthorizeQuery, *, form: AuthorizeForm | None = None, error: str = ""
) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(str(getattr(query, name)))}">'
        for name in _PROTOCOL_FIELDS
    )
    chosen = form.level if form else "L3"
    levels = "".join(
        f'<option value="{value}"{" selected" if value == chosen else ""}>{escape(label)}</option>'
        for value, label in _LEVELS.items()
    )
    kind = form.document_kind if form else query.id_type
    kinds = "".join(
        f'<option value="{k.value}"{" selected" if k.value == kind else ""}>'
        f"{escape(k.label.render('zh_Hans'))} · {escape(k.label.render('en'))}</option>"
        for k in DocumentKind
    )
    return _PAGE.format(
        action=escape(request.path),
        hidden=hidden,
        name=escape(form.name) if form else "",
        kinds=kinds,
        id_number=escape(form.id_number) if form else "",
        birth_date=escape(form.birth_date) if form else "",
        levels=levels,
        error=f'<p class="error" id="error" role="alert">{escape(error)}</p>' if error else "",
    )


def _refusal(message: str, status: int = 400) -> HTTPResponse:
    body = (
        '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>Sandbox</title></head>'
        f'<body><h1>无法继续 · Cannot continue</h1><p id="error">{escape(message)}</p></body></html>'
    )
    return html(body, status=status)


def _birth_date(raw: str) -> dt.date | None:
    try:
        born = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return born if born <= clock.today_in_china() else None


def _params(source: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: source.get(name) for name in names if source.get(name) is not None}


@openapi.exclude()
async def authorize_page(request: Request) -> HTTPResponse:
    try:
        query = AuthorizeQuery.model_validate(_params(request.args, (*_PROTOCOL_FIELDS, "id_type")))
    except ValidationError:
        return _refusal("授权请求不完整或有误。 The authorization request is incomplete or wrong.")
    if query.redirect_uri != our_redirect_uri(request):
        return _refusal("redirect_uri 未登记。 The redirect_uri is not registered.")
    return html(_page(request, query))


@openapi.exclude()
async def authorize_submit(request: Request) -> HTTPResponse:
    names = (*_PROTOCOL_FIELDS, "action", "name", "document_kind", "id_number", "birth_date", "level")
    try:
        form = AuthorizeForm.model_validate(_params(request.form, names))
    except ValidationError:
        return _refusal("授权请求不完整或有误。 The authorization request is incomplete or wrong.")
    if form.redirect_uri != our_redirect_uri(request):
        return _refusal("redirect_uri 未登记。 The redirect_uri is not registered.")
    if form.action == "cancel":
        return redirect(append_query(form.redirect_uri, {"error": "access_denied", "state": form.state}))
    try:
        name = normalize_name(form.name)
        proven = document(form.document_kind, form.id_number)
    except NameInvalid:
        return html(_page(request, form, form=form, error="请填写姓名。 Please enter a name."), status=422)
    except DomainError as exc:
        message = f"{exc.message.render('zh_Hans')} {exc.message.render('en')}"
        return html(_page(request, form, form=form, error=message), status=422)
    # Like the real platform, the sandbox answers a birth date for documents whose number has none.
    born = proven.birth_date or _birth_date(form.birth_date)
    if born is None:
        message = "请填写出生日期。 Please enter the date of birth."
        return html(_page(request, form, form=form, error=message), status=422)
    desk = request.app.ctx.runtime.adapters.identity
    if not isinstance(desk, SandboxIdentityDesk):
        return _refusal("此环境未使用沙箱身份平台。 The sandbox identity platform is not in use.", status=404)
    code = await desk.issue_code(
        name=name,
        id_number=proven.number,
        document_kind=proven.kind.value,
        birth_date=born,
        level=int(form.level[1]),
        code_challenge=form.code_challenge,
        redirect_uri=form.redirect_uri,
        nonce=form.nonce,
    )
    return redirect(append_query(form.redirect_uri, {"code": code, "state": form.state}))


_PAID = {"type": "object", "properties": {"outcome": {"type": "string"}}, "required": ["outcome"]}


@openapi.summary("Sandbox only: pay an order, as the payer would in WeChat Pay; the notification follows")
@openapi.description(
    "The sandbox provider marks the order paid and hands over the notification WeChat Pay would send, "
    "signed and encrypted; it is delivered to the same handler as `POST /api/v1/payments/notify/wechat`."
)
@openapi.tag("sandbox")
@openapi.response(200, {"application/json": _PAID}, "Paid; `outcome` is what the notification's handler said")
async def pay_wechat(request: Request, out_trade_no: str) -> HTTPResponse:
    desk = request.app.ctx.runtime.adapters.wechatpay
    if not isinstance(desk, WeChatPayCounter):
        raise SandboxPaymentUnknown()
    try:
        headers, body = await desk.apay(out_trade_no[:40], at=clock.now())
    except WeChatPayError:
        raise SandboxPaymentUnknown() from None
    outcome = await payments.wechat_notification(providers_of(request), headers, body)
    return json({"out_trade_no": out_trade_no[:40], "outcome": outcome})


@openapi.summary("Sandbox only: pay a government fee by its notice number; the callback follows")
@openapi.tag("sandbox")
@openapi.response(200, {"application/json": _PAID}, "Paid; `outcome` is what the callback's handler said")
async def pay_nontax(request: Request, notice_number: str) -> HTTPResponse:
    desk = request.app.ctx.runtime.adapters.publicpay
    if not isinstance(desk, PublicPaymentCounter):
        raise SandboxPaymentUnknown()
    try:
        headers, body = await desk.apay(notice_number[:32], at=clock.now())
    except PublicPaymentError:
        raise SandboxPaymentUnknown() from None
    outcome = await payments.public_notification(providers_of(request), headers, body)
    return json({"notice_number": notice_number[:32], "outcome": outcome})


@openapi.summary("Sandbox only: the e-receipt (电子票据) of a paid government fee")
@openapi.tag("sandbox")
@documented_media("text/html", description="The receipt, as the platform shows it")
async def nontax_receipt(request: Request, payment_id: str) -> HTTPResponse:
    order = await payments.by_receipt(f"/sandbox/nontax/receipts/{payment_id[:40]}")
    if order is None:
        raise SandboxPaymentUnknown()
    return html(
        "<!doctype html><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>电子票据（沙箱）</title>"
        f"<h1>广东省非税收入电子票据（沙箱）</h1><p>缴款码 {escape(order.notice_number or '')}</p>"
        f"<p>项目 {escape(order.description)}</p><p>金额 {order.paid_fen / 100:.2f} 元</p>"
        f"<p>交易号 {escape(order.provider_transaction_id or '')}</p>"
    )


@openapi.summary("Sandbox only: list me as a guardian of a child in the sandbox population register")
@openapi.description(
    "As the sandbox identity page lets a tester be anyone: adding that child afterwards proves "
    "guardianship at once. Needs real-name verification (`identity_level_required`)."
)
@openapi.tag("sandbox")
@openapi.response(204, description="Seated")
@requires("resident")
@body(SeatChildIn)
async def seat_child(request: Request) -> HTTPResponse:
    data: SeatChildIn = request.ctx.body
    desk = request.app.ctx.runtime.adapters.population
    if not isinstance(desk, PopulationCounter):
        raise NotFound()
    seats = SeatedChildren()
    await guardianship.sandbox_seat_child(actor_of(request), seats, data.id_number, data.relation)
    for child_id_number, guardians in seats.seated:
        await desk.aadd_household(child_id_number, guardians)
    return empty()


class SandboxPaymentUnknown(NotFound):
    code = "payment_order_not_found"
    message = _("There is no such payment.")
