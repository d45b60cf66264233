/** A JSON Schema as /openapi.json carries it. */
export type Schema = { readonly [keyword: string]: unknown };

/**
 * Where `value` departs from `schema` (the subset the OpenAPI generator emits: type, required,
 * properties, additionalProperties, items, prefixItems, enum, const, anyOf, oneOf, allOf,
 * nullable, local $ref). Strict about description: a property the schema does not list (and no
 * `additionalProperties` admits) is a violation, so an answer must be fully documented.
 */
export function schemaViolations(schema: Schema, value: unknown, root: Schema = {}, path = '$', strict = true): string[] {
  if (typeof schema.$ref === 'string') return schemaViolations(resolve(root, schema.$ref), value, root, path, strict);
  if (value === null && schema.nullable === true) return [];
  const found: string[] = [];
  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type);
  if (types && !types.some((type) => hasType(value, type as string))) return [`${path}: ${JSON.stringify(value)} is not ${types.join(' or ')}`];
  if (schema.const !== undefined && value !== schema.const) found.push(`${path}: is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) found.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schema[keyword] as Schema[] | undefined;
    if (!branches) continue;
    const passing = branches.filter((branch) => schemaViolations(branch, value, root, path, strict).length === 0).length;
    if (keyword === 'anyOf' ? passing === 0 : passing !== 1) found.push(`${path}: matches ${passing} of the ${keyword} branches`);
  }
  const parts = (schema.allOf as Schema[] | undefined) ?? [];
  for (const part of parts) found.push(...schemaViolations(part, value, root, path, false));
  if (Array.isArray(value)) {
    const prefix = (schema.prefixItems as Schema[] | undefined) ?? [];
    value.forEach((item, i) => {
      const itemSchema = prefix[i] ?? (schema.items as Schema | undefined);
      if (itemSchema) found.push(...schemaViolations(itemSchema, item, root, `${path}[${i}]`));
    });
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in record)) found.push(`${path}.${name}: is required`);
    const properties = { ...((schema.properties as Record<string, Schema> | undefined) ?? {}) };
    for (const part of parts) Object.assign(properties, resolveIfRef(root, part).properties ?? {});
    const extra = schema.additionalProperties ?? parts.map((part) => resolveIfRef(root, part).additionalProperties).find((a) => a !== undefined);
    for (const [name, item] of Object.entries(record)) {
      if (properties[name]) found.push(...schemaViolations(properties[name]!, item, root, `${path}.${name}`));
      else if (extra && typeof extra === 'object') found.push(...schemaViolations(extra as Schema, item, root, `${path}.${name}`));
      else if (strict && extra !== true) found.push(`${path}.${name}: is not documented`);
    }
  }
  return found;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function resolve(root: Schema, ref: string): Schema {
  const target = ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
  if (!target) throw new Error(`unresolved $ref ${ref}`);
  return target as Schema;
}

const resolveIfRef = (root: Schema, schema: Schema): Schema => (typeof schema.$ref === 'string' ? resolve(root, schema.$ref) : schema);
