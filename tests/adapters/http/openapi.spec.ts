import assert from 'node:assert/strict';
import * as t from 'io-ts';
import request from 'supertest';
import { jsonSchemaOf } from '../../../adapters/http/json-schema.js';
import { openApiPath } from '../../../adapters/http/openapi.js';
import { IsoDateTime } from '../../../adapters/http/text-codecs.js';
import { openSampleApp, type SampleApp } from './test-app.js';

describe('HTTP edge: OpenAPI document', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  it('given the app, when GET /openapi.json, then a 3.1 document with the bearer JWT scheme', async () => {
    const res = await request(sample.app).get('/openapi.json').expect(200).expect('Content-Type', /application\/json/);
    assert.equal(res.body.openapi, '3.1.0');
    assert.ok(res.body.info.title && res.body.info.version);
    assert.deepEqual(res.body.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    assert.ok(res.body.components.schemas.Problem);
  });

  it('given every mounted route, when the document is read, then each appears with its method, summary and responses', async () => {
    const { body } = await request(sample.app).get('/openapi.json').expect(200);
    assert.ok(sample.routes.length >= 15);
    for (const route of sample.routes) {
      const operation = body.paths[openApiPath(route.path)]?.[route.method];
      assert.ok(operation, `${route.method.toUpperCase()} ${route.path} is documented`);
      assert.equal(operation.summary, route.summary);
      assert.ok(operation.operationId);
      for (const status of Object.keys(route.responses)) assert.ok(operation.responses[status], `${route.path} ${status}`);
      assert.ok(operation.responses['500']);
    }
    const operations = Object.values(body.paths).flatMap((item) => Object.keys(item as object));
    assert.equal(operations.length, sample.routes.length, 'nothing documented that is not mounted');
    const ids = Object.values(body.paths).flatMap((item) => Object.values(item as Record<string, { operationId: string }>).map((o) => o.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  it('given each declared route, when called, then it is mounted (no 404 from the router)', async () => {
    for (const route of sample.routes) {
      if (route.path === '/test/slow') continue; // parks until released
      const path = route.path.replace(/:[A-Za-z0-9_]+/g, '1');
      const res = await request(sample.app)[route.method](path).set('X-Correlation-Id', 'walk');
      assert.notEqual(res.body?.code, 'route.not_found', `${route.method} ${route.path}`);
    }
  }).timeout(10_000);

  it('given guarded routes, when documented, then their roles, scopes, security and 401/403 are listed', async () => {
    const { body } = await request(sample.app).get('/openapi.json');
    const organizer = body.paths['/test/guarded/organizer'].get;
    assert.deepEqual(organizer.security, [{ bearerAuth: [] }]);
    assert.deepEqual(organizer['x-roles'], ['organizer']);
    assert.ok(organizer.responses['401'] && organizer.responses['403']);
    assert.match(organizer.description, /organizer/);
    assert.deepEqual(body.paths['/test/guarded/service-scope'].get['x-scopes'], ['rewards:ingest']);
    assert.deepEqual(body.paths['/healthz'].get.security, []);
  });

  it('given a body codec, path and query codecs, when documented, then request schema and parameters follow them', async () => {
    const { body } = await request(sample.app).get('/openapi.json');
    const create = body.paths['/test/slots'].post;
    const schema = create.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.required, ['title', 'startsAt', 'capacity', 'kind']);
    assert.deepEqual(schema.properties.startsAt, { type: 'string', format: 'date-time' });
    assert.deepEqual(schema.properties.kind, { enum: ['standard', 'vip'] });
    assert.ok(create.parameters.some((p: { name: string; in: string }) => p.name === 'Idempotency-Key' && p.in === 'header'));
    const read = body.paths['/test/slots/{slotId}'].get;
    const slotId = read.parameters.find((p: { name: string }) => p.name === 'slotId');
    assert.deepEqual(slotId, { name: 'slotId', in: 'path', required: true, schema: { type: 'integer' } });
    const verbose = read.parameters.find((p: { name: string }) => p.name === 'verbose');
    assert.deepEqual(verbose.schema, { type: 'string', enum: ['yes', 'no'] });
    assert.equal(verbose.required, false);
    const items = body.paths['/test/items'].get;
    assert.deepEqual(items.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort(), ['cursor', 'limit', 'prefix']);
    assert.deepEqual(items.responses['200'].content['application/json'].schema.required, ['items', 'nextCursor']);
  });
});

describe('io-ts to JSON Schema', () => {
  interface PositiveBrand {
    readonly Positive: unique symbol;
  }
  const Positive = t.brand(t.number, (n): n is t.Branded<number, PositiveBrand> => n > 0, 'Positive');

  it('given each combinator, when converted, then the schema describes it', () => {
    assert.deepEqual(jsonSchemaOf(t.string), { type: 'string' });
    assert.deepEqual(jsonSchemaOf(t.number), { type: 'number' });
    assert.deepEqual(jsonSchemaOf(t.boolean), { type: 'boolean' });
    assert.deepEqual(jsonSchemaOf(t.null), { type: 'null' });
    assert.deepEqual(jsonSchemaOf(t.literal('x')), { const: 'x', type: 'string' });
    assert.deepEqual(jsonSchemaOf(t.keyof({ a: null, b: null })), { type: 'string', enum: ['a', 'b'] });
    assert.deepEqual(jsonSchemaOf(t.array(t.number)), { type: 'array', items: { type: 'number' } });
    assert.deepEqual(jsonSchemaOf(t.readonlyArray(t.string)), { type: 'array', items: { type: 'string' } });
    assert.deepEqual(jsonSchemaOf(t.record(t.string, t.number)), { type: 'object', additionalProperties: { type: 'number' } });
    assert.deepEqual(jsonSchemaOf(t.record(t.keyof({ a: null }), t.number)), {
      type: 'object',
      properties: { a: { type: 'number' } },
      required: ['a'],
    });
    assert.deepEqual(jsonSchemaOf(t.union([t.string, t.null])), { anyOf: [{ type: 'string' }, { type: 'null' }] });
    assert.deepEqual(jsonSchemaOf(t.Int), { type: 'integer' });
    assert.deepEqual(jsonSchemaOf(Positive), { type: 'number', title: 'Positive' });
    assert.deepEqual(jsonSchemaOf(IsoDateTime), { type: 'string', format: 'date-time' });
    assert.deepEqual(jsonSchemaOf(t.refinement(t.string, (s) => s.length > 0, 'NonEmpty')), { type: 'string', title: 'NonEmpty' });
  });

  it('given type, partial, intersection, exact and readonly, when converted, then one object schema', () => {
    const codec = t.readonly(
      t.exact(t.intersection([t.type({ id: t.string, tags: t.array(t.string) }), t.partial({ note: t.union([t.string, t.null]) })])),
    );
    assert.deepEqual(jsonSchemaOf(codec), {
      type: 'object',
      properties: { id: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, note: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
      required: ['id'].concat(['tags']),
      additionalProperties: false,
      readOnly: true,
    });
    assert.equal(jsonSchemaOf(t.strict({ a: t.number })).additionalProperties, false);
  });

  it('given a recursive codec, when converted, then conversion ends', () => {
    interface Node {
      readonly children: readonly Node[];
    }
    const NodeCodec: t.Type<Node> = t.recursion('Node', () => t.type({ children: t.readonlyArray(NodeCodec) }));
    const schema = jsonSchemaOf(NodeCodec);
    assert.equal(schema.type, 'object');
  });
});
