import assert from 'node:assert/strict';
import { JettonMinter, JettonWallet, SbtCollection } from '@ton-community/assets-sdk';
import { SbtItem } from '@ton-community/assets-sdk/dist/nft/SbtItem.js';
import { WalletContractV5R1 } from '@ton/ton';
import { Address } from '@ton/core';
import { CONTRACT_CODE_HASHES, GatewayContracts } from '../../../adapters/ton/gateway-contracts.js';

describe('TON contract code is what we reviewed', () => {
  it('given the installed packages, then every contract code cell has the pinned hash', () => {
    const actual = {
      jettonMinter: JettonMinter.code.hash().toString('hex'),
      jettonWallet: JettonWallet.code.hash().toString('hex'),
      sbtCollection: SbtCollection.code.hash().toString('hex'),
      sbtItem: SbtItem.sbtCode.hash().toString('hex'),
      walletV5R1: WalletContractV5R1.create({ publicKey: Buffer.alloc(32), walletId: { networkGlobalId: -239 } }).init.code.hash().toString('hex'),
    };
    assert.deepEqual(actual, CONTRACT_CODE_HASHES);
  });

  it('given the gateway contracts, then the minter and collection deploy exactly that code, and badges are SBT items', () => {
    const contracts = new GatewayContracts(Address.parse('0:' + '11'.repeat(32)), 'http://localhost:3000');
    assert.equal(contracts.minter.init!.code!.hash().toString('hex'), CONTRACT_CODE_HASHES.jettonMinter);
    assert.equal(contracts.collection.init!.code!.hash().toString('hex'), CONTRACT_CODE_HASHES.sbtCollection);
    // Collection data: owner, next item index, content, item code, royalty.
    const data = contracts.collection.init!.data!.beginParse();
    data.loadAddress();
    data.loadUint(64);
    data.loadRef();
    assert.equal(data.loadRef().hash().toString('hex'), CONTRACT_CODE_HASHES.sbtItem);
  });
});
