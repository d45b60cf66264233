import type { IncomingHttpHeaders } from 'node:http';

/** One request as the local register's handlers see it (the body read whole; receipts are small). */
export interface RegisterRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An answer, or `hang`: keep the connection open past the client's patience (the "timeout" fault). */
export type RegisterReply = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body: string } | { readonly hang: true };

export const json = (status: number, value: unknown): RegisterReply => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) });

export const text = (status: number, body: string): RegisterReply => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

export const hang: RegisterReply = { hang: true };

/** The body as JSON: the value, `empty`, or `invalid`. */
export function readJson(body: string): { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'empty' } | { readonly kind: 'invalid' } {
  if (body.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(body) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
