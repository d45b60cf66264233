import { randomBytes } from 'node:crypto';

/** What getToken checks and the token the register then knows (ATOL: 24 h, header `Token:`). */
export interface RegisterAccount {
  readonly login: string;
  readonly password: string;
  /** The group codes this login may send receipts to. */
  readonly groups: readonly string[];
}

const TOKEN_LIFE_MS = 24 * 60 * 60 * 1000;

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly code: 10 | 11 };

/**
 * The register's tokens: issued to the right login and password, valid 24 h by the register's
 * clock (then error 11), unknown or absent → error 10. Expired ones are forgotten after a further day.
 */
export class TokenDesk {
  private readonly issuedAt = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly account: RegisterAccount,
    private readonly now: () => Date,
  ) {}

  get issued(): number {
    return this.count;
  }

  issue(login: string, password: string): { readonly ok: true; readonly token: string } | { readonly ok: false } {
    if (login !== this.account.login || password !== this.account.password) return { ok: false };
    const now = this.now().getTime();
    for (const [token, at] of this.issuedAt) if (now - at > 2 * TOKEN_LIFE_MS) this.issuedAt.delete(token);
    const token = randomBytes(64).toString('hex'); // 128 characters, like ATOL's
    this.issuedAt.set(token, now);
    this.count++;
    return { ok: true, token };
  }

  check(token: string | undefined): TokenCheck {
    const at = token === undefined ? undefined : this.issuedAt.get(token);
    if (at === undefined) return { ok: false, code: 10 };
    return this.now().getTime() - at >= TOKEN_LIFE_MS ? { ok: false, code: 11 } : { ok: true };
  }

  /** Every token issued so far lapses now (a control for tests that cannot move the clock). */
  expireAll(): void {
    const lapsed = this.now().getTime() - TOKEN_LIFE_MS;
    for (const token of this.issuedAt.keys()) this.issuedAt.set(token, Math.min(this.issuedAt.get(token)!, lapsed));
  }

  mayUse(group: string): boolean {
    return this.account.groups.includes(group);
  }
}
