import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import { domainError } from '../../domain/decider.js';
import { BI_READER_ROLE } from '../../projections/bi-migrations.js';
import type { Database } from '../database/database.js';
import { withJsonSchema } from '../http/json-schema.js';
import { invalidInput } from '../http/problem.js';
import { defineRoute, type Route } from '../http/route.js';

const TableName = withJsonSchema(t.refinement(t.string, (s) => /^[a-z_][a-z0-9_]{0,62}$/.test(s), 'TableName'), { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$' }, { expected: 'a table name of the BI schema (lower case letters, digits, _)' });
const Limit = withJsonSchema(t.refinement(t.string, (s) => /^[1-9][0-9]{0,2}$/.test(s) && Number(s) <= 500, 'Limit'), { type: 'string', pattern: '^[1-9][0-9]{0,2}$' }, { expected: 'a whole number from 1 to 500' });
const Offset = withJsonSchema(t.refinement(t.string, (s) => /^(0|[1-9][0-9]{0,8})$/.test(s), 'Offset'), { type: 'string', pattern: '^(0|[1-9][0-9]{0,8})$' }, { expected: 'a whole number from 0' });
const ColumnName = withJsonSchema(t.refinement(t.string, (s) => /^[a-z_][a-z0-9_]{0,62}$/.test(s), 'ColumnName'), { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$' }, { expected: 'a column name of that table' });
const Value = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'Value'), { type: 'string', minLength: 1, maxLength: 200 }, { expected: '1 to 200 characters' });

const TableView = t.type({ name: t.string, description: t.union([t.string, t.null]), columns: t.array(t.string) });
const Rows = t.type({ table: t.string, columns: t.array(t.string), rows: t.array(t.UnknownRecord), next_offset: t.union([t.number, t.null]) });

interface Column {
  readonly table_name: string;
  readonly column_name: string;
}

/**
 * A look at the BI tables for admins, as the BI reader role sees them (`set local role
 * ledgerline_bi_reader` inside a read-only transaction): BI tools read them over SQL, but on
 * the embedded default (PGlite in this process) nothing else can open the database while the
 * server runs, so this is how a walkthrough (or an operator checking a report) sees them.
 * Only tables of the BI schema; rows in the table's column order, `order by` every column.
 */
export function biTablesRoutes(database: Database): Route[] {
  const columnsOf = async (): Promise<Map<string, string[]>> => {
    const { rows } = await sql<Column>`
      select table_name, column_name from information_schema.columns
      where table_schema = ${database.biSchema} order by table_name, ordinal_position`.execute(database.db);
    const tables = new Map<string, string[]>();
    for (const row of rows) tables.set(row.table_name, [...(tables.get(row.table_name) ?? []), row.column_name]);
    return tables;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/bi',
      summary: 'The BI tables, their descriptions and columns (SPEC X-3)',
      tags: ['operations'],
      auth: { roles: ['admin'] },
      responses: { 200: { description: 'Every table of the BI schema', schema: t.type({ schema: t.string, items: t.array(TableView) }) } },
      handle: async () => {
        const tables = await columnsOf();
        const { rows } = await sql<{ name: string; description: string | null }>`
          select c.relname as name, obj_description(c.oid, 'pg_class') as description
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = ${database.biSchema} and c.relkind in ('r', 'v', 'p') order by c.relname`.execute(database.db);
        return right({ status: 200, body: { schema: database.biSchema, items: rows.map((row) => ({ name: row.name, description: row.description, columns: tables.get(row.name) ?? [] })) } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/admin/bi/:table',
      summary: 'Rows of one BI table as the BI reader role sees them',
      description: 'Admins. `?column=&equals=` keeps the rows whose column (as text) equals the value; `limit` (1–500, default 100) and `offset` page through them.',
      tags: ['operations'],
      auth: { roles: ['admin'] },
      params: t.type({ table: TableName }),
      query: t.partial({ limit: Limit, offset: Offset, column: ColumnName, equals: Value }),
      responses: {
        200: { description: 'A page of rows', schema: Rows },
        400: { description: 'A malformed name, limit or offset; column without equals (or the other way round)' },
        404: { description: 'bi.table_not_found / bi.column_not_found' },
      },
      handle: async ({ params, query }) => {
        if ((query.column === undefined) !== (query.equals === undefined)) throw invalidInput([{ field: query.column === undefined ? 'column' : 'equals', in: 'query', message: 'send column and equals together' }]);
        const columns = (await columnsOf()).get(params.table);
        if (!columns) return left(domainError('not_found', 'bi.table_not_found', `the BI schema has no table ${params.table}`, 'table'));
        if (query.column !== undefined && !columns.includes(query.column)) return left(domainError('not_found', 'bi.column_not_found', `${params.table} has no column ${query.column}`, 'column'));
        const limit = Number(query.limit ?? 100);
        const offset = Number(query.offset ?? 0);
        const table = sql.table(`${database.biSchema}.${params.table}`);
        const order = sql.join(columns.map((c) => sql.ref(c)));
        const rows = await database.db.transaction().execute(async (trx) => {
          await sql`set transaction read only`.execute(trx);
          await sql`set local role ${sql.id(BI_READER_ROLE)}`.execute(trx);
          const where = query.column !== undefined ? sql`where ${sql.ref(query.column)}::text = ${query.equals}` : sql``;
          return (await sql<Record<string, unknown>>`select * from ${table} ${where} order by ${order} limit ${limit + 1} offset ${offset}`.execute(trx)).rows;
        });
        const page = rows.slice(0, limit).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v])));
        return right({ status: 200, body: { table: params.table, columns, rows: page, next_offset: rows.length > limit ? offset + limit : null } });
      },
    }),
  ];
}
