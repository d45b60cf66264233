import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger, scrubSecrets } from '../../../adapters/observability/logger.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
const EMAIL = 'ann.secret@example.com';
const TICKET_CODE = 'ABCDEFGHJKMNPQRSTVWXYZ0123';
const CLIENT_SECRET = 'q5W2kK1m9C0pZfY7tB3nVxR8sL4hJ6gD2aE1uI9oP0w';

function logged(error: unknown): { line: string; err: Record<string, unknown> } {
  const lines: string[] = [];
  createLogger({ destination: { write: (line: string) => void lines.push(line) } }).error({ err: error }, 'unexpected error');
  assert.equal(lines.length, 1);
  return { line: lines[0]!, err: JSON.parse(lines[0]!).err };
}

function assertNoSecret(line: string) {
  for (const secret of [HASH, '$argon2', EMAIL, TICKET_CODE, CLIENT_SECRET]) assert.ok(!line.includes(secret), `not in the line: ${secret}`);
}

describe('logs: errors from the database keep their diagnosis and lose their values (issue 8)', () => {
  it('given a pg unique violation whose detail quotes the key, when logged, then the column names and constraint stay and the value goes', () => {
    const error = Object.assign(new pg.DatabaseError('duplicate key value violates unique constraint "users_email"', 120, 'error'), {
      severity: 'ERROR',
      code: '23505',
      detail: `Key (email)=(${EMAIL}) already exists.`,
      constraint: 'users_email',
      table: 'users',
      where: `SQL statement "insert into users values ('${EMAIL}', '${HASH}')"`,
      internalQuery: `insert into users values ('${EMAIL}', '${HASH}')`,
    });
    const { line, err } = logged(error);
    assertNoSecret(line);
    assert.equal(err.code, '23505');
    assert.equal(err.constraint, 'users_email');
    assert.equal(err.detail, 'Key (email)=([redacted]) already exists.');
    assert.equal(err.message, 'duplicate key value violates unique constraint "users_email"');
    assert.equal(err.where, undefined);
    assert.equal(err.internalQuery, undefined);
  });

  it('given a PGlite error carrying the statement and its parameters, when logged, then the SQL text stays and the parameters go', () => {
    const error = Object.assign(new Error(`new row violates check constraint "x": ${EMAIL}`), {
      code: '23514',
      detail: `Failing row contains (${EMAIL}, ${HASH}).`,
      query: 'insert into events (data) values ($1)',
      params: [JSON.stringify({ email: EMAIL, passwordHash: HASH, code: TICKET_CODE })],
      queryOptions: { rowMode: 'object' },
    });
    const { line, err } = logged(error);
    assertNoSecret(line);
    assert.equal(err.query, 'insert into events (data) values ($1)');
    assert.equal(err.params, undefined);
    assert.equal(err.queryOptions, undefined);
    assert.equal(err.detail, 'Failing row contains ([redacted])');
    assert.match(String(err.message), /check constraint "x": \[redacted e-mail\]$/);
  });

  it('given an error with a compiled query (sql and parameters), when logged, then only the SQL stays', () => {
    const error = Object.assign(new Error('statement failed'), { query: { sql: 'select * from rm_users where email = $1', parameters: [EMAIL], query: { kind: 'SelectQueryNode' } } });
    const { line, err } = logged(error);
    assertNoSecret(line);
    assert.equal(err.query, 'select * from rm_users where email = $1');
  });

  it('given a database error wrapped as the cause of another, when logged, then the joined message and stack are scrubbed too', () => {
    const cause = Object.assign(new Error(`refused ${HASH} for ${EMAIL}`), { code: 'P0001', params: [HASH] });
    const error = new Error(`append to User-1 failed: ticket ${TICKET_CODE}, secret ${CLIENT_SECRET}`, { cause });
    const { line, err } = logged(error);
    assertNoSecret(line);
    assert.match(String(err.message), /append to User-1 failed: ticket \[redacted code\], secret \[redacted\]: refused \[redacted hash\] for \[redacted e-mail\]/);
    assert.match(String(err.stack), /caused by: Error: refused \[redacted hash\]/);
  });

  it('given an error logged as `error`, or as the first argument (of a child logger too), when logged, then it is scrubbed the same way', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    log.warn({ error: Object.assign(new Error(`failed for ${EMAIL}`), { params: [HASH] }) }, 'effect failed');
    log.error(Object.assign(new Error(`failed for ${EMAIL}`), { parameters: [HASH] }));
    log.child({ correlationId: 'c-1' }).child({ operation: 'POST /api/auth/register' }).error(new Error(`failed for ${EMAIL}`));
    assert.equal(lines.length, 3);
    for (const line of lines) assertNoSecret(line);
  });

  it('given ordinary diagnostic text, when scrubbed, then stream names, uuids, SQLSTATEs and file paths are left as they are', () => {
    const text = 'append to RefreshFamily-0b5c9a3e-3f7a-4b8e-9a53-2f1c1b8d4e6a at /work/main/node_modules/.pnpm/kysely@0.28.18/x.js:10 failed (23505, events_stream_revision)';
    assert.equal(scrubSecrets(text), text);
  });
});
