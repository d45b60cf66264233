import { hang, type StandInReply, type StandInRequest } from '../../stand-ins/stand-in-server.js';

/** One request as its handlers see it. */
export type RegisterRequest = StandInRequest;

/** An answer, or `hang` (the "timeout" fault). */
export type RegisterReply = StandInReply;

export const json = (status: number, value: unknown): RegisterReply => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) });

export const text = (status: number, body: string): RegisterReply => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

export { hang };

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
