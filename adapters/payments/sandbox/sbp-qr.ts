import QRCode from 'qrcode';
import { sbpQrId } from './sandbox-ids.js';

export interface QrTarget {
  readonly provider: 'yookassa' | 'tbank';
  readonly paymentId: string;
}

/**
 * SBP QR codes of the sandbox. The payload has NSPK's shape (https://qr.nspk.ru/<qrId>?type=02&bank=…&sum=<kopecks>&cur=RUB,
 * type 02 = a dynamic QR for one payment) but points at the sandbox's own "bank app" page, so opening
 * the link stands in for scanning the code with a phone.
 */
export class SbpQrCodes {
  private readonly byQrId = new Map<string, QrTarget & { readonly payload: string }>();
  private readonly byPayment = new Map<string, string>();

  constructor(private readonly baseUrl: () => string) {}

  /** The payment's payload (one per payment, made on first use). */
  payloadFor(target: QrTarget, amountKopecks: bigint): string {
    const key = `${target.provider}:${target.paymentId}`;
    const known = this.byPayment.get(key);
    if (known) return known;
    const qrId = sbpQrId();
    const payload = `${this.baseUrl()}/sbp/qr/${qrId}?type=02&bank=100000000001&sum=${amountKopecks}&cur=RUB`;
    this.byQrId.set(qrId, { ...target, payload });
    this.byPayment.set(key, payload);
    return payload;
  }

  find(qrId: string): (QrTarget & { readonly payload: string }) | undefined {
    return this.byQrId.get(qrId);
  }
}

/** The payload as an SVG image (what T-Bank GetQr DataType IMAGE returns and the QR page shows). */
export function qrSvg(payload: string): Promise<string> {
  return QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
