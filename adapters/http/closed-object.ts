import * as t from 'io-ts';
import { jsonSchemaOf, withJsonSchema } from './json-schema.js';

/**
 * An object with exactly these fields: a field the message does not have is refused by name
 * (a typo like `ammount` must not pass silently as a message without its amount).
 */
export function closedObject<R extends t.Props, O extends t.Props>(name: string, required: R, optional: O) {
  const mandatory = t.type(required);
  const optionals = t.partial(optional);
  const inner = t.intersection([mandatory, optionals]);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const closed = new t.Type<t.TypeOf<typeof inner>, t.OutputOf<typeof inner>, unknown>(
    name,
    inner.is,
    (u, c) => {
      if (typeof u === 'object' && u !== null && !Array.isArray(u)) {
        const unknown = Object.keys(u).filter((key) => !known.has(key));
        if (unknown.length > 0) {
          return t.failures(unknown.map((key) => ({ value: (u as Record<string, unknown>)[key], context: [...c, { key, type: t.never, actual: (u as Record<string, unknown>)[key] }], message: 'is not a field of this message' })));
        }
      }
      // each part against the same context, so a failing field is named by its own key
      const parts = [mandatory.validate(u, c), optionals.validate(u, c)];
      const errors = parts.flatMap((part) => (part._tag === 'Left' ? part.left : []));
      if (errors.length > 0) return t.failures(errors);
      return t.success({ ...(parts[0] as t.Validation<t.TypeOf<typeof mandatory>> & { right: object }).right, ...(parts[1] as { right: object }).right } as t.TypeOf<typeof inner>);
    },
    inner.encode,
  );
  return withJsonSchema(closed, jsonSchemaOf(t.exact(inner)), { expected: 'an object' });
}
