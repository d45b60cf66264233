import type { BuyerSide, PaymentForBuyer } from './buyer-side.js';
import { PaymentNotPayable } from './buyer-side.js';
import { htmlReply, seeOther, type SandboxReply } from './sandbox-http.js';
import { rublesFromKopecks } from './sandbox-money.js';
import { qrSvg, type SbpQrCodes } from './sbp-qr.js';

/**
 * The pages a person sees: the provider's hosted payment page (GET /pay/{provider}/{id}, buttons
 * #pay and #decline, then 303 to return_url / SuccessURL / FailURL), the SBP QR page
 * (GET /sbp/{provider}/{id}: the QR as SVG and an "Open in bank app" link standing in for a
 * phone's camera) and the bank app's confirmation page that link opens (GET /sbp/qr/{qrId}).
 * No card data is ever asked for: it is a sandbox, the buttons decide.
 */
export class HostedPages {
  constructor(
    private readonly providers: Readonly<Record<'yookassa' | 'tbank', BuyerSide>>,
    private readonly qr: SbpQrCodes,
  ) {}

  async handle(method: string, path: string): Promise<SandboxReply | undefined> {
    const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    if (parts[0] === 'pay' && (parts[1] === 'yookassa' || parts[1] === 'tbank') && parts[2]) {
      const side = this.providers[parts[1]];
      if (parts.length === 3 && method === 'GET') return this.paymentPage(side, parts[2]);
      if (parts.length === 4 && method === 'POST' && (parts[3] === 'pay' || parts[3] === 'decline')) return this.choose(side, parts[2], parts[3]);
    }
    if (parts[0] === 'sbp' && parts[1] === 'qr' && parts[2]) {
      const target = this.qr.find(parts[2]);
      if (!target) return notFoundPage('This QR code is unknown to the sandbox');
      const side = this.providers[target.provider];
      if (parts.length === 3 && method === 'GET') return this.bankAppPage(side, target.paymentId, parts[2]);
      if (parts.length === 4 && method === 'POST' && (parts[3] === 'pay' || parts[3] === 'decline')) return this.confirmInBankApp(side, target.paymentId, parts[3]);
    }
    if (parts[0] === 'sbp' && (parts[1] === 'yookassa' || parts[1] === 'tbank') && parts[2] && parts.length === 3 && method === 'GET') {
      return this.qrPage(this.providers[parts[1]], parts[2]);
    }
    return undefined;
  }

  private paymentPage(side: BuyerSide, id: string): SandboxReply {
    side.pageOpened(id);
    const payment = side.forBuyer(id);
    if (!payment) return notFoundPage('There is no such payment');
    const title = payment.provider === 'yookassa' ? 'YooKassa (sandbox)' : 'T-Bank (sandbox)';
    if (!payment.payable) return htmlReply(200, finalPage(title, payment));
    const sbpLink = payment.method === 'sbp' ? `<p><a id="sbp" href="/sbp/${payment.provider}/${encodeURIComponent(id)}">Pay by SBP QR code</a></p>` : '';
    return htmlReply(
      200,
      page(
        title,
        `${summary(payment)}
        ${sbpLink}
        <form method="post" action="/pay/${payment.provider}/${encodeURIComponent(id)}/pay"><button id="pay" type="submit">Pay ${escape(rubles(payment))}</button></form>
        <form method="post" action="/pay/${payment.provider}/${encodeURIComponent(id)}/decline"><button id="decline" type="submit" class="secondary">Decline</button></form>
        <p class="note">A sandbox: no card is asked for, the buttons decide the outcome.</p>`,
      ),
    );
  }

  private async choose(side: BuyerSide, id: string, choice: 'pay' | 'decline'): Promise<SandboxReply> {
    const acted = await act(side, id, choice, 'page');
    if (acted) return acted;
    const payment = side.forBuyer(id)!;
    const back = choice === 'pay' ? payment.returnAfterPay : (payment.returnAfterDecline ?? payment.returnAfterPay);
    return back ? seeOther(back) : htmlReply(200, finalPage('Payment', payment));
  }

  private async qrPage(side: BuyerSide, id: string): Promise<SandboxReply> {
    const payment = side.forBuyer(id);
    if (!payment) return notFoundPage('There is no such payment');
    if (!payment.payable) return htmlReply(200, finalPage('SBP', payment));
    const payload = side.sbpPayload(id);
    return htmlReply(
      200,
      page(
        'Pay by SBP',
        `${summary(payment)}
        <p>Scan the code with your bank's app.</p>
        <div id="qr" class="qr">${await qrSvg(payload)}</div>
        <p><a id="scan" href="${escape(payload)}">Open in bank app</a></p>
        <p class="note">A sandbox: the link stands in for scanning the code with a phone.</p>`,
      ),
    );
  }

  private bankAppPage(side: BuyerSide, id: string, qrId: string): SandboxReply {
    const payment = side.forBuyer(id);
    if (!payment) return notFoundPage('There is no such payment');
    if (!payment.payable) return htmlReply(200, finalPage('Bank app (sandbox)', payment));
    return htmlReply(
      200,
      page(
        'Bank app (sandbox)',
        `<p>Transfer by SBP (Faster Payments System)</p>
        ${summary(payment)}
        <form method="post" action="/sbp/qr/${encodeURIComponent(qrId)}/pay"><button id="pay" type="submit">Confirm payment</button></form>
        <form method="post" action="/sbp/qr/${encodeURIComponent(qrId)}/decline"><button id="decline" type="submit" class="secondary">Decline</button></form>`,
      ),
    );
  }

  private async confirmInBankApp(side: BuyerSide, id: string, choice: 'pay' | 'decline'): Promise<SandboxReply> {
    const acted = await act(side, id, choice, 'sbp');
    return acted ?? htmlReply(200, finalPage('Bank app (sandbox)', side.forBuyer(id)!));
  }
}

async function act(side: BuyerSide, id: string, choice: 'pay' | 'decline', via: 'page' | 'sbp'): Promise<SandboxReply | undefined> {
  const payment = side.forBuyer(id);
  if (!payment) return notFoundPage('There is no such payment');
  try {
    if (choice === 'pay') await side.pay(id, via);
    else await side.decline(id);
    return undefined;
  } catch (err) {
    if (err instanceof PaymentNotPayable) return htmlReply(409, finalPage('Payment', side.forBuyer(id)!));
    throw err;
  }
}

const OUTCOMES: Record<string, string> = {
  succeeded: 'Paid',
  CONFIRMED: 'Paid',
  AUTHORIZED: 'Paid (authorized, awaiting confirmation)',
  waiting_for_capture: 'Paid (authorized, awaiting capture)',
  canceled: 'Not paid (cancelled)',
  REJECTED: 'Declined',
  CANCELED: 'Cancelled',
  DEADLINE_EXPIRED: 'Expired',
  REFUNDED: 'Refunded',
  PARTIAL_REFUNDED: 'Paid (partly refunded)',
  REFUNDING: 'Paid (a refund is in processing)',
  ASYNC_REFUNDING: 'Paid (a refund is in processing)',
};

function finalPage(title: string, payment: PaymentForBuyer): string {
  const outcome = OUTCOMES[payment.status] ?? payment.status;
  const paid = ['succeeded', 'CONFIRMED', 'AUTHORIZED', 'waiting_for_capture', 'PARTIAL_REFUNDED', 'REFUNDING', 'ASYNC_REFUNDING'].includes(payment.status);
  const back = paid ? payment.returnAfterPay : (payment.returnAfterDecline ?? payment.returnAfterPay);
  return page(
    title,
    `${summary(payment)}
    <p id="result" data-status="${escape(payment.status)}" class="${paid ? 'ok' : 'bad'}">${escape(outcome)}</p>
    ${back ? `<p><a id="back" href="${escape(back)}">Back to the shop</a></p>` : ''}`,
  );
}

const rubles = (payment: PaymentForBuyer) => `${rublesFromKopecks(payment.amountKopecks)} ₽`;

function summary(payment: PaymentForBuyer): string {
  return `<p id="amount" class="amount">${escape(rubles(payment))}</p>
    <p id="description">${escape(payment.description)}</p>
    <p class="note">Payment ${escape(payment.id)}</p>`;
}

function notFoundPage(message: string): SandboxReply {
  return htmlReply(404, page('Not found', `<p>${escape(message)}</p>`));
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem 1rem;color:#1d1d1f}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.1rem;margin:0 0 1rem}.amount{font-size:2rem;font-weight:600;margin:.25rem 0}
button{width:100%;padding:.8rem;margin:.35rem 0;border:0;border-radius:8px;font-size:1rem;background:#1a7f37;color:#fff;cursor:pointer}
button.secondary{background:#e5e7eb;color:#1d1d1f}.note{color:#6b7280;font-size:.8rem}
.qr svg{width:14rem;height:14rem;display:block;margin:0 auto}.ok{color:#1a7f37;font-weight:600}.bad{color:#b42318;font-weight:600}
</style></head>
<body><main><h1>${escape(title)}</h1>
${body}
</main></body></html>`;
}
