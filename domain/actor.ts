/** Who asks a decider for something, as far as a rule needs to know (ownership, admin override). */
export interface Actor {
  readonly id: string;
  readonly isAdmin: boolean;
}
