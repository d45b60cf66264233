import { createHash } from 'node:crypto';
import { Blockchain, createShardAccount } from '@ton/sandbox';
import { Address, Cell, contractAddress, loadStateInit } from '@ton/core';
import nacl from 'tweetnacl';
import type { ProofVerdict, TonProof, TonProofVerifier } from '../../commands/blockchain/ports/ton-proof-verifier.js';

/** How far in the future a proof's timestamp may be (clock skew). */
const FUTURE_SKEW_SECONDS = 60;

/**
 * Verifies TON Connect `ton_proof` (B-2). The signed message is
 * `"ton-proof-item-v2/" ‖ workchain (int32 BE) ‖ address hash ‖ domain length (uint32 LE) ‖
 * domain ‖ timestamp (uint64 LE) ‖ payload`, and the signature is Ed25519 over
 * `sha256(0xFFFF ‖ "ton-connect" ‖ sha256(message))`.
 *
 * The public key comes from the proof's state_init — only after checking that the state_init
 * really is the claimed address's (a state_init carrying someone else's key is refused) — by
 * running its `get_public_key` in a scratch emulator without deploying it; without a
 * state_init, from the deployed wallet through `deployedPublicKey`.
 */
export class TonProofChecker implements TonProofVerifier {
  private scratch: Promise<Blockchain> | undefined;

  constructor(private readonly deployedPublicKey?: (address: Address) => Promise<Buffer | null>) {}

  async verify(input: { address: string; proof: TonProof; expectedDomain: string; maxAgeSeconds: number; now: Date }): Promise<ProofVerdict> {
    const { proof } = input;
    let address: Address;
    try {
      address = Address.parse(input.address);
    } catch {
      return { ok: false, reason: 'address_invalid' };
    }
    if (proof.domain.value !== input.expectedDomain || Buffer.byteLength(proof.domain.value) !== proof.domain.lengthBytes) {
      return { ok: false, reason: 'domain_mismatch' };
    }
    const nowSeconds = Math.floor(input.now.getTime() / 1000);
    if (!Number.isInteger(proof.timestamp) || proof.timestamp < nowSeconds - input.maxAgeSeconds || proof.timestamp > nowSeconds + FUTURE_SKEW_SECONDS) {
      return { ok: false, reason: 'timestamp_expired' };
    }
    const publicKey = await this.publicKeyOf(address, proof.stateInit);
    if ('reason' in publicKey) return { ok: false, reason: publicKey.reason };
    const signature = Buffer.from(proof.signature, 'base64');
    if (signature.length !== 64) return { ok: false, reason: 'bad_signature' };
    const digest = signedDigest(address, proof.domain.value, proof.timestamp, proof.payload);
    if (!nacl.sign.detached.verify(digest, signature, publicKey.key)) return { ok: false, reason: 'bad_signature' };
    return { ok: true, publicKey: Buffer.from(publicKey.key).toString('hex') };
  }

  private async publicKeyOf(address: Address, stateInitBoc: string | undefined): Promise<{ key: Buffer } | { reason: string }> {
    if (!stateInitBoc) {
      const deployed = await this.deployedPublicKey?.(address).catch(() => null);
      return deployed ? { key: deployed } : { reason: 'public_key_unknown' };
    }
    let init;
    try {
      init = loadStateInit(Cell.fromBase64(stateInitBoc).beginParse());
    } catch {
      return { reason: 'state_init_invalid' };
    }
    if (!init.code || !init.data || !contractAddress(address.workChain, init).equals(address)) return { reason: 'state_init_address_mismatch' };
    try {
      const blockchain = await (this.scratch ??= Blockchain.create());
      await blockchain.setShardAccount(address, createShardAccount({ address, code: init.code, data: init.data, balance: 0n }));
      const result = await blockchain.runGetMethod(address, 'get_public_key');
      return { key: bigintToKey(result.stackReader.readBigNumber()) };
    } catch {
      return { reason: 'public_key_unknown' };
    }
  }
}

/** What the wallet signs for a ton_proof (also used by scripts/ton-proof.ts and the tests). */
export function signedDigest(address: Address, domain: string, timestamp: number, payload: string): Buffer {
  const workchain = Buffer.alloc(4);
  workchain.writeInt32BE(address.workChain);
  const domainLength = Buffer.alloc(4);
  domainLength.writeUInt32LE(Buffer.byteLength(domain));
  const time = Buffer.alloc(8);
  time.writeBigUInt64LE(BigInt(timestamp));
  const message = Buffer.concat([Buffer.from('ton-proof-item-v2/'), workchain, address.hash, domainLength, Buffer.from(domain), time, Buffer.from(payload)]);
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
  return sha256(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from('ton-connect'), sha256(message)]));
}

function bigintToKey(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}
