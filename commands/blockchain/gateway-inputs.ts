import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { withJsonSchema, type JsonSchema } from '../../adapters/http/json-schema.js';
import { itemIndexProblem, jettonAmountProblem, MAX_ITEM_INDEX, MAX_JETTON_AMOUNT } from '../../domain/blockchain/operation.js';

/**
 * A string codec whose refusal says why (the 400 problem names the field and carries the
 * message), documented by `schema` in the OpenAPI document.
 */
export function checkedString<B>(name: string, problemOf: (s: string) => string | null, schema: JsonSchema): t.Type<t.Branded<string, B>, string, unknown> {
  const is = (u: unknown): u is t.Branded<string, B> => typeof u === 'string' && problemOf(u) === null;
  return withJsonSchema(
    new t.Type<t.Branded<string, B>, string, unknown>(
      name,
      is,
      (u, c) => {
        const text = t.string.validate(u, c);
        if (isLeft(text)) return text;
        const problem = problemOf(text.right);
        return problem === null ? t.success(text.right as t.Branded<string, B>) : t.failure(u, c, problem);
      },
      (a) => a,
    ),
    schema,
  );
}

interface JettonAmountBrand {
  readonly JettonAmount: unique symbol;
}
interface ItemIndexBrand {
  readonly ItemIndex: unique symbol;
}

/** A jetton amount the contracts can carry: a decimal string, more than 0, below 2^120 (TL-B VarUInteger 16). */
export const JettonAmount = checkedString<JettonAmountBrand>('JettonAmount', jettonAmountProblem, {
  type: 'string',
  pattern: '^[1-9][0-9]{0,36}$',
  description: `Jetton units (9 decimals) as a decimal string, 1 … ${MAX_JETTON_AMOUNT} (2^120 - 1: TL-B VarUInteger 16)`,
  examples: ['5000000000'],
});

/** An NFT item index the collection can address: a decimal string that fits uint64. */
export const ItemIndex = checkedString<ItemIndexBrand>('ItemIndex', itemIndexProblem, {
  type: 'string',
  pattern: '^(0|[1-9][0-9]{0,19})$',
  description: `NFT item index as a decimal string, 0 … ${MAX_ITEM_INDEX} (uint64)`,
  examples: ['17'],
});
