/**
 * A rule version's document — rules as versioned data. Built by the rules part (issue 14);
 * this declaration is the contract the others use.
 */
export interface RuleVersionDocument {
  readonly ruleId: string;
  readonly version: number;
  /** The JSON document as the admin wrote it (validated): event_type, conditions, rewards, lock, priority, validity, caps. */
  readonly document: Readonly<Record<string, unknown>>;
}
