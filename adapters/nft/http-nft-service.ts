import { NftRefusal, NftUnavailable, type BadgeAward, type BadgeAwarded, type NftService } from '../../commands/rewards/ports/nft-service.js';
import { jsonOrUndefined } from '../http/json-answer.js';

export interface HttpNftServiceOptions {
  /** NFT_SERVICE_URL: the service's base (the protocol's paths start with /nft-service/v1). */
  readonly url: string;
  /** NFT_SERVICE_TOKEN, sent as a bearer token. Never logged, never part of an error. */
  readonly token?: string | undefined;
  /** CONNECT_SERVICE_TIMEOUT_MS: how long one call may take before its outcome counts as unknown. */
  readonly timeoutMs: number;
  readonly fetch?: typeof globalThis.fetch;
}

const STATUSES = new Set(['none', 'awaiting_wallet', 'pending', 'confirmed', 'failed']);

/**
 * The NFT service over HTTP — the badge protocol (docs/architecture.md "Rewards", the badge
 * protocol): `POST {url}/nft-service/v1/awards` with `Idempotency-Key` = the award id and body
 * `{award_id, user_id, badge_type, level}`; 201 or 200 carry the instance. One attempt per call:
 * the reward dispatcher asks again with the same key. 5xx, 429, a timeout, no connection or an
 * answer it cannot read → NftUnavailable (unknown outcome); any other 4xx → NftRefusal with the
 * problem's `code` (the action fails).
 */
export class HttpNftService implements NftService {
  private readonly base: string;
  private readonly fetch: typeof globalThis.fetch;

  constructor(private readonly options: HttpNftServiceOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async award(award: BadgeAward): Promise<BadgeAwarded> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': award.awardId };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    const body = JSON.stringify({ award_id: award.awardId, user_id: award.userId, badge_type: award.badgeType, level: award.level });
    let status: number;
    let text: string;
    try {
      const response = await this.fetch(`${this.base}/nft-service/v1/awards`, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.options.timeoutMs) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new NftUnavailable(`NFT service: award ${award.awardId}: ${timedOut ? `no answer within ${this.options.timeoutMs} ms` : `no connection (${error instanceof Error ? error.message : String(error)})`}`);
    }
    const json = jsonOrUndefined(text);
    if (status === 200 || status === 201) {
      const answer = readAnswer(json);
      if (!answer) throw new NftUnavailable(`NFT service: award ${award.awardId}: HTTP ${status} with an answer that is not an award`);
      if (answer.awardId !== award.awardId) throw new NftUnavailable(`NFT service: award ${award.awardId}: answered for another award`);
      return answer;
    }
    if (status === 429 || status >= 500 || status < 400) throw new NftUnavailable(`NFT service: award ${award.awardId}: HTTP ${status}${codeOf(json) ? ` (${codeOf(json)})` : ''}`);
    const code = codeOf(json) ?? `http_${status}`;
    const detail = isRecord(json) && typeof json.detail === 'string' ? `: ${json.detail.slice(0, 300)}` : '';
    throw new NftRefusal(code, `NFT service refused award ${award.awardId}: HTTP ${status} ${code}${detail}`);
  }
}

function readAnswer(json: unknown): BadgeAwarded | undefined {
  if (!isRecord(json)) return undefined;
  const { award_id, instance_id, level, onchain_status, onchain_token_id } = json;
  if (typeof award_id !== 'string' || typeof instance_id !== 'string' || instance_id === '') return undefined;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 1) return undefined;
  if (typeof onchain_status !== 'string' || !STATUSES.has(onchain_status)) return undefined;
  if (onchain_token_id !== null && onchain_token_id !== undefined && (typeof onchain_token_id !== 'string' || !/^\d{1,20}$/.test(onchain_token_id))) return undefined;
  return { awardId: award_id, instanceId: instance_id, level, onchainStatus: onchain_status as BadgeAwarded['onchainStatus'], onchainTokenId: onchain_token_id ?? null };
}

const codeOf = (json: unknown): string | undefined => (isRecord(json) && typeof json.code === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(json.code) ? json.code : undefined);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
