import assert from 'node:assert/strict';
import { TonProofChecker } from '../../../adapters/ton/ton-proof.js';
import { randomWalletKeys, signTonProof } from '../../../adapters/ton/ton-proof-signer.js';

const domain = 'ledgerline.example';
const now = new Date('2026-06-01T12:00:00Z');
const timestamp = Math.floor(now.getTime() / 1000) - 10;

describe('ton_proof verification (TON Connect, B-2)', function () {
  this.timeout(60_000);
  const checker = new TonProofChecker();
  let mine: Awaited<ReturnType<typeof signTonProof>>;
  let someoneElse: Awaited<ReturnType<typeof signTonProof>>;
  const verify = (signed: typeof mine, over: Partial<{ address: string; expectedDomain: string; now: Date }> = {}) =>
    checker.verify({
      address: over.address ?? signed.address,
      proof: { ...signed.proof, stateInit: signed.proof.state_init },
      expectedDomain: over.expectedDomain ?? domain,
      maxAgeSeconds: 300,
      now: over.now ?? now,
    });

  before(async () => {
    mine = await signTonProof({ keys: randomWalletKeys(), domain, payload: 'p-123', timestamp });
    someoneElse = await signTonProof({ keys: randomWalletKeys(), domain, payload: 'p-123', timestamp });
  });

  it('given a proof signed by the wallet over our domain, a fresh timestamp and the payload, then it is accepted with the wallet key', async () => {
    const verdict = await verify(mine);
    assert.ok(verdict.ok);
    assert.match(verdict.publicKey, /^[0-9a-f]{64}$/);
  });

  it('given another address than the wallet that signed, then refused: the state_init is not that address', async () => {
    assert.deepEqual(await verify(mine, { address: someoneElse.address }), { ok: false, reason: 'state_init_address_mismatch' });
  });

  it("given someone else's state_init (their key) for my address, then refused", async () => {
    const forged = { ...mine, proof: { ...mine.proof, state_init: someoneElse.proof.state_init } };
    assert.deepEqual(await verify(forged), { ok: false, reason: 'state_init_address_mismatch' });
  });

  it('given a proof for another domain, then refused', async () => {
    assert.deepEqual(await verify(mine, { expectedDomain: 'evil.example' }), { ok: false, reason: 'domain_mismatch' });
  });

  it('given a changed payload, then the signature no longer matches', async () => {
    const tampered = { ...mine, proof: { ...mine.proof, payload: 'p-124' } };
    assert.deepEqual(await verify(tampered), { ok: false, reason: 'bad_signature' });
  });

  it('given a changed timestamp, then the signature no longer matches; an old one is expired', async () => {
    const tampered = { ...mine, proof: { ...mine.proof, timestamp: timestamp + 1 } };
    assert.deepEqual(await verify(tampered), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(await verify(mine, { now: new Date(now.getTime() + 3600_000) }), { ok: false, reason: 'timestamp_expired' });
  });

  it('given a corrupted signature, then refused', async () => {
    const signature = Buffer.from(mine.proof.signature, 'base64');
    signature[0] = signature[0]! ^ 0xff;
    const tampered = { ...mine, proof: { ...mine.proof, signature: signature.toString('base64') } };
    assert.deepEqual(await verify(tampered), { ok: false, reason: 'bad_signature' });
  });

  it('given no state_init and no deployed wallet, then refused: the key is unknown', async () => {
    const verdict = await checker.verify({ address: mine.address, proof: { ...mine.proof }, expectedDomain: domain, maxAgeSeconds: 300, now });
    assert.deepEqual(verdict, { ok: false, reason: 'public_key_unknown' });
  });
});
