/** Who the gift-certificate operators are (the accounts context knows; GCP only asks). */
export interface OperatorDirectory {
  /** User ids holding the role `gift_operator`. */
  operators(): Promise<readonly string[]>;
}
