import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Address, beginCell, Cell, loadMessage, type Transaction, type TupleItem } from '@ton/core';
import type { Blockchain } from '@ton/sandbox';

type Json = Record<string, unknown>;

/**
 * A toncenter v2 JSON-RPC endpoint on 127.0.0.1, backed by TON's emulator: `TonClient` talks
 * to it exactly as to toncenter.com (the methods the gateway's network adapter uses:
 * runGetMethod, getAddressInformation, getTransactions, sendBoc), and it answers with the
 * emulator's real state and transactions. Faults on demand: HTTP 429/5xx, or no answer at all.
 *
 * It keeps its own index of transactions per account, newest first (the emulator's
 * getTransactions reorders its list in place, see shared/TON.md).
 */
export class ToncenterStub {
  private readonly transactions = new Map<string, Transaction[]>();
  private readonly cascades = new Set<Promise<void>>();
  private gate: Promise<void> = Promise.resolve();
  private faults: { status: number | 'hang'; methods: readonly string[] | 'all'; remaining: number }[] = [];
  readonly calls: string[] = [];
  /** Transactions answered by getTransactions so far (how much a confirmation reads). */
  transactionsServed = 0;
  readonly apiKeys = new Set<string>();

  private constructor(
    private readonly blockchain: Blockchain,
    private readonly server: Server,
    private readonly now: () => number,
  ) {}

  static async start(blockchain: Blockchain, now: () => number): Promise<ToncenterStub> {
    let stub!: ToncenterStub;
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => void stub.answer(text, String(req.headers['x-api-key'] ?? ''), res));
    });
    stub = new ToncenterStub(blockchain, server, now);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return stub;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v2/jsonRPC`;
  }

  /** The next `times` calls (of these methods) answer with this HTTP status, or never answer. */
  failNext(status: number | 'hang', times = 1, methods: readonly string[] | 'all' = 'all'): void {
    this.faults.push({ status, methods, remaining: times });
  }

  async close(): Promise<void> {
    await this.settled();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(text: string, apiKey: string, res: import('node:http').ServerResponse): Promise<void> {
    const send = (status: number, body: Json): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    let request: { method: string; params: Json };
    try {
      request = JSON.parse(text);
    } catch {
      return send(400, { ok: false, error: 'bad json', code: 400 });
    }
    this.calls.push(request.method);
    if (apiKey) this.apiKeys.add(apiKey);
    const fault = this.faults.find((f) => f.remaining > 0 && (f.methods === 'all' || f.methods.includes(request.method)));
    if (fault) {
      fault.remaining--;
      if (fault.status === 'hang') return; // never answers: the client's timeout
      return send(fault.status, { ok: false, error: fault.status === 429 ? 'Ratelimit exceed' : 'Internal Server Error', code: fault.status });
    }
    this.blockchain.now = this.now();
    try {
      const result = await this.call(request.method, request.params);
      send(200, { ok: true, result, '@extra': 'stub' });
    } catch (error) {
      send(500, { ok: false, error: error instanceof Error ? error.message.split('\n')[0] : String(error), code: 500 });
    }
  }

  private async call(method: string, params: Json): Promise<unknown> {
    switch (method) {
      case 'sendBoc':
        return this.sendBoc(String(params.boc));
      case 'getAddressInformation':
        return this.addressInformation(Address.parse(String(params.address)));
      case 'runGetMethod':
        return this.runGetMethod(Address.parse(String(params.address)), params.method as string | number, params.stack as [string, string][]);
      case 'getTransactions':
        return this.getTransactions(Address.parse(String(params.address)), Number(params.limit ?? 10), params.lt as string | undefined, params.hash as string | undefined, params.to_lt as string | undefined);
      default:
        throw new Error(`method ${method} is not served by this stub`);
    }
  }

  /**
   * As a liteserver: the external is run against the hot wallet's current state at once (an
   * external the wallet does not accept is an error, and nothing happens), and the answer comes
   * back as soon as the wallet has accepted it. The transactions it causes follow in the
   * background one by one, as blocks would bring them: a reader may see the cascade in flight.
   */
  private async sendBoc(boc: string): Promise<Json> {
    const message = loadMessage(Cell.fromBase64(boc).beginParse());
    let first;
    let transactions;
    try {
      transactions = await this.blockchain.sendMessageIter(message, { allowParallel: true });
      first = await transactions.next();
    } catch (error) {
      throw new Error(`LITE_SERVER_UNKNOWN: cannot apply external message to current state : ${error instanceof Error ? error.message.split('\n')[0] : error}`);
    }
    if (first.done) throw new Error('LITE_SERVER_UNKNOWN: cannot apply external message to current state : nothing was executed');
    this.index(first.value);
    const rest: Promise<void> = (async () => {
      for (;;) {
        // the emulator runs synchronously: let answers and other requests through between transactions
        await new Promise((resolve) => setImmediate(resolve));
        await this.gate;
        const next = await transactions.next();
        if (next.done) return;
        this.index(next.value);
      }
    })()
      .catch(() => {})
      .finally(() => this.cascades.delete(rest));
    this.cascades.add(rest);
    return { '@type': 'ok' };
  }

  /** Holds every cascade after its current transaction until the returned function is called (blocks that have not come yet). */
  holdCascades(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = Promise.resolve();
      release();
    };
  }

  /** Resolves once every message handed over so far has run its whole cascade. */
  async settled(): Promise<void> {
    while (this.cascades.size > 0) await Promise.all([...this.cascades]);
  }

  private index(tx: Transaction): void {
    const dest = tx.inMessage?.info.dest;
    if (!(dest instanceof Address)) return;
    const key = dest.toRawString();
    this.transactions.set(key, [tx, ...(this.transactions.get(key) ?? [])]);
  }

  private async addressInformation(address: Address): Promise<Json> {
    const contract = await this.blockchain.getContract(address);
    const state = contract.accountState;
    const active = state?.type === 'active';
    const toBoc = (cell: Cell | null | undefined) => (cell ? cell.toBoc().toString('base64') : '');
    return {
      '@type': 'raw.fullAccountState',
      balance: contract.balance.toString(),
      state: active ? 'active' : state?.type === 'frozen' ? 'frozen' : 'uninitialized',
      code: active ? toBoc(state.state.code) : '',
      data: active ? toBoc(state.state.data) : '',
      last_transaction_id: {
        '@type': 'internal.transactionId',
        lt: contract.lastTransactionLt.toString(),
        hash: Buffer.from(contract.lastTransactionHash.toString(16).padStart(64, '0'), 'hex').toString('base64'),
      },
      block_id: { '@type': 'ton.blockIdExt', workchain: -1, shard: '-9223372036854775808', seqno: 1, root_hash: '', file_hash: '' },
      frozen_hash: '',
      sync_utime: this.now(),
    };
  }

  private async runGetMethod(address: Address, method: string | number, stack: [string, string][] = []): Promise<Json> {
    const args: TupleItem[] = stack.map(([type, value]) => {
      if (type === 'num') return { type: 'int', value: BigInt(value) };
      const cell = Cell.fromBase64(value);
      return type === 'tvm.Cell' ? { type: 'cell', cell } : type === 'tvm.Builder' ? { type: 'builder', cell } : { type: 'slice', cell };
    });
    const contract = await this.blockchain.getContract(address);
    if (contract.accountState?.type !== 'active') return { '@type': 'smc.runResult', gas_used: 0, exit_code: -13, stack: [] };
    const result = await this.blockchain.runGetMethod(address, method, args).catch(() => null);
    if (!result) return { '@type': 'smc.runResult', gas_used: 0, exit_code: 11, stack: [] };
    return { '@type': 'smc.runResult', gas_used: Number(result.gasUsed), exit_code: result.exitCode, stack: result.stack.map(stackItem) };
  }

  /**
   * Newest first; from (lt, hash) inclusive when given (the hash in hex or base64, as toncenter
   * takes it); only transactions with an lt above `to_lt` when given (toncenter's `to_lt` is
   * exclusive).
   */
  private getTransactions(address: Address, limit: number, lt?: string, hash?: string, toLt?: string): Json[] {
    let list = this.transactions.get(address.toRawString()) ?? [];
    if (lt && hash) {
      const hashHex = /^[0-9a-f]{64}$/i.test(hash) ? hash.toLowerCase() : Buffer.from(hash, 'base64').toString('hex');
      const start = list.findIndex((tx) => tx.lt.toString() === lt && tx.hash().toString('hex') === hashHex);
      if (start < 0) throw new Error('LITE_SERVER_UNKNOWN: cannot locate transaction in chain of transactions');
      list = list.slice(start);
    }
    if (toLt && toLt !== '0') list = list.filter((tx) => tx.lt > BigInt(toLt));
    this.transactionsServed += Math.min(list.length, limit);
    return list.slice(0, limit).map((tx) => ({
      '@type': 'raw.transaction',
      data: beginCell().storeSlice(tx.raw.beginParse()).endCell().toBoc().toString('base64'),
      utime: tx.now,
      transaction_id: { '@type': 'internal.transactionId', lt: tx.lt.toString(), hash: tx.hash().toString('base64') },
      fee: '0',
      storage_fee: '0',
      other_fee: '0',
      out_msgs: [],
    }));
  }
}

/** A get-method result item in toncenter's stack encoding. */
function stackItem(item: TupleItem): unknown {
  switch (item.type) {
    case 'int':
      return ['num', item.value < 0n ? `-0x${(-item.value).toString(16)}` : `0x${item.value.toString(16)}`];
    case 'null':
      return ['null', null];
    case 'cell':
      return ['cell', { bytes: item.cell.toBoc().toString('base64'), object: {} }];
    case 'slice':
      return ['cell', { bytes: item.cell.toBoc().toString('base64'), object: {} }];
    case 'builder':
      return ['cell', { bytes: item.cell.toBoc().toString('base64'), object: {} }];
    default:
      throw new Error(`stack item ${item.type} is not served by this stub`);
  }
}
