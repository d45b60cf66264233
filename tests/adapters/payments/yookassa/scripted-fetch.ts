/** A fetch that records every request and answers from a script (unit specs of the provider adapters). */
export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export type ScriptedAnswer = { readonly status: number; readonly json?: unknown; readonly text?: string } | 'network-error' | 'timeout';

export function scriptedFetch(answer: (request: RecordedRequest, index: number) => ScriptedAnswer): { fetch: typeof globalThis.fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const request: RecordedRequest = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    requests.push(request);
    const scripted = answer(request, requests.length - 1);
    if (scripted === 'network-error') throw new TypeError('fetch failed');
    if (scripted === 'timeout') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    return new Response(scripted.text ?? JSON.stringify(scripted.json ?? {}), { status: scripted.status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}
