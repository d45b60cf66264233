import { hang, type StandInReply, type StandInRequest } from '../../stand-ins/stand-in-server.js';

/** One request as its handlers see it. */
export type SandboxRequest = StandInRequest;

/** An answer, or `hang` (the "timeout" fault). */
export type SandboxReply = StandInReply;

export const jsonReply = (status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): SandboxReply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

export const htmlReply = (status: number, html: string): SandboxReply => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html });

export const seeOther = (location: string): SandboxReply => ({ status: 303, headers: { location }, body: '' });

export const textReply = (status: number, text: string): SandboxReply => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text });

export { hang };

/** The JSON body parsed, or undefined when it is not JSON. An empty body is `empty`. */
export function parseJsonBody(body: string): { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'empty' } | { readonly kind: 'invalid' } {
  if (body.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(body) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Form bodies of the hosted pages (application/x-www-form-urlencoded). */
export const formFields = (body: string) => new URLSearchParams(body);
