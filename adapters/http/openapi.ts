import { jsonSchemaOf, propertiesOf, type JsonSchema } from './json-schema.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { idempotencyOf, type Route } from './route.js';

export interface ApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

export type OpenApiDocument = {
  readonly openapi: '3.1.0';
  readonly info: ApiInfo;
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: Record<string, unknown>;
};

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Stable machine-readable code, e.g. ticket.already_used' },
    field: { type: 'string', description: 'The input field at fault, when there is one' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, in: { enum: ['body', 'query', 'path', 'header'] }, message: { type: 'string' } },
        required: ['field', 'in', 'message'],
      },
    },
  },
  required: ['type', 'title', 'status', 'detail', 'code', 'correlationId'],
};

const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** `/api/events/:id` → `/api/events/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function operationIdOf(route: Route): string {
  if (route.operationId) return route.operationId;
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [route.method, ...words].map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

/** OpenAPI 3.1 document generated from the route declarations the app mounts. */
export function buildOpenApiDocument(routes: readonly Route[], info: ApiInfo): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: PROBLEM_SCHEMA },
    },
  };
}

function operationOf(route: Route): Record<string, unknown> {
  const parameters: unknown[] = [];
  const pathNames = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const declaredPath = route.params ? propertiesOf(route.params) : [];
  for (const name of pathNames) {
    const schema = declaredPath.find((p) => p.name === name)?.schema ?? { type: 'string' };
    parameters.push({ name, in: 'path', required: true, schema });
  }
  for (const p of route.query ? propertiesOf(route.query) : []) {
    parameters.push({ name: p.name, in: 'query', required: p.required, schema: p.schema });
  }
  const idempotency = idempotencyOf(route);
  if (idempotency !== 'off') {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: idempotency === 'required',
      description: 'Same key and body: the stored response is replayed (Idempotent-Replayed: true); other body: 422',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  parameters.push({ name: 'X-Correlation-Id', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } });

  const responses: Record<string, unknown> = {};
  for (const [status, declared] of Object.entries(route.responses)) {
    const contentType = declared.contentType ?? 'application/json';
    responses[status] = {
      description: declared.description,
      ...(declared.schema
        ? {
            content: {
              [contentType]: { schema: jsonSchemaOf(declared.schema) },
              ...Object.fromEntries(Object.entries(declared.alternatives ?? {}).map(([type, schema]) => [type, { schema: jsonSchemaOf(schema) }])),
            },
          }
        : {}),
    };
  }
  const isPublic = route.auth === 'public';
  const standard: Record<string, string> = {
    ...(route.params || route.query || route.body || idempotency !== 'off' ? { 400: 'Invalid input; the problem names the fields' } : {}),
    ...(isPublic ? {} : { 401: 'Missing, invalid or expired access token', 403: 'The caller lacks the required role or scope' }),
    ...(idempotency !== 'off' ? { 409: 'A request with this Idempotency-Key is still in flight', 422: 'Idempotency-Key reused with another body' } : {}),
    ...(route.body ? { 413: 'Body too large' } : {}),
    ...(route.method !== 'get' && route.method !== 'delete' ? { 415: 'A body sent in another type than application/json (request.unsupported_media_type)' } : {}),
    500: 'Unexpected error; the problem carries the correlation id',
  };
  for (const [status, description] of Object.entries(standard)) responses[status] ??= problemResponse(description);

  const roles = isPublic ? [] : [...(route.auth.roles ?? [])];
  const scopes = isPublic ? [] : [...(route.auth.scopes ?? [])];
  const access = isPublic
    ? 'Public.'
    : `Requires a bearer token${roles.length ? ` with one of the roles ${roles.join(', ')}` : ''}${
        scopes.length ? `${roles.length ? ' or' : ' with'} the scopes ${scopes.join(' ')}` : ''
      } (admin passes every guard).`;
  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    description: [route.description, access].filter(Boolean).join('\n\n'),
    tags: [...route.tags],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(route.body) } } } } : {}),
    responses,
    security: isPublic ? [] : [{ bearerAuth: [] }],
    ...(isPublic ? {} : { 'x-roles': roles, 'x-scopes': scopes }),
  };
}
