import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../../domain/decider.js';
import { domainError } from '../../domain/decider.js';
import { eventCodec } from '../../domain/event-codec.js';

/** A tiny decider used to exercise the runtime: a wallet whose balance may never go negative. */
export const WalletEvent = t.union([
  eventCodec('WalletOpened', t.type({ owner: t.string })),
  eventCodec('Deposited', t.type({ amount: t.number })),
  eventCodec('Withdrawn', t.type({ amount: t.number })),
]);
export type WalletEvent = t.TypeOf<typeof WalletEvent>;

export type WalletCommand =
  | { type: 'Open'; owner: string }
  | { type: 'Deposit'; amount: number }
  | { type: 'Withdraw'; amount: number };

export type WalletState = { status: 'none' } | { status: 'open'; owner: string; balance: number };

export const walletDecider: EventSourcedDecider<WalletCommand, WalletEvent, WalletState> = {
  events: WalletEvent,
  initialState: { status: 'none' },
  decide(command, state) {
    switch (command.type) {
      case 'Open':
        return state.status === 'none'
          ? right([{ type: 'WalletOpened', data: { owner: command.owner } }])
          : left(domainError('conflict', 'wallet.already_open', 'the wallet is already open'));
      case 'Deposit':
        if (state.status !== 'open') return left(domainError('not_found', 'wallet.not_found', 'no such wallet'));
        return right([{ type: 'Deposited', data: { amount: command.amount } }]);
      case 'Withdraw':
        if (state.status !== 'open') return left(domainError('not_found', 'wallet.not_found', 'no such wallet'));
        if (command.amount > state.balance) {
          return left(domainError('rule_violated', 'wallet.insufficient_funds', 'not enough money', 'amount'));
        }
        return right([{ type: 'Withdrawn', data: { amount: command.amount } }]);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WalletOpened':
        return { status: 'open', owner: event.data.owner, balance: 0 };
      case 'Deposited':
        return state.status === 'open' ? { ...state, balance: state.balance + event.data.amount } : state;
      case 'Withdrawn':
        return state.status === 'open' ? { ...state, balance: state.balance - event.data.amount } : state;
    }
  },
};
