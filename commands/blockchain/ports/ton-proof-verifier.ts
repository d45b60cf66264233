/** The port wallet linking declares: checking a TON Connect ton_proof's signature and the wallet's key. */
/** A TON Connect `ton_proof` as wallets send it (TON Connect spec, ton_proof item). */
export interface TonProof {
  readonly timestamp: number;
  readonly domain: { readonly lengthBytes: number; readonly value: string };
  readonly payload: string;
  /** Base64 Ed25519 signature. */
  readonly signature: string;
  /** Base64 BOC of the wallet's state_init (TON Connect sends it with the account). */
  readonly stateInit?: string;
}

export type ProofVerdict = { readonly ok: true; readonly publicKey: string } | { readonly ok: false; readonly reason: string };

/** Checks the signature and the wallet's key (the TON adapter does the cryptography). */
export interface TonProofVerifier {
  verify(input: { readonly address: string; readonly proof: TonProof; readonly expectedDomain: string; readonly maxAgeSeconds: number; readonly now: Date }): Promise<ProofVerdict>;
}
