/**
 * `npm run bench -- onsale [--quick] [--buyers=500] [--seats=5000] [--warmup=1000] [--seconds=120] [--shapes=one,scaled] [--impls=ours,crud,naive] [--connections=warm|cold] [--profile]`
 *
 * An on-sale rush over HTTP (T-3): N concurrent buyers keep buying one ticket at a time of one
 * ticket type of M seats until each is told it is sold out (after an unmeasured warm-up rush for
 * another ticket type of `--warmup` seats: servers on a real on-sale day have served before). Nothing shares an event loop: every
 * server is a process of its own (bench/onsale/server-process.ts) and the buyers run in a load
 * process (bench/onsale/load-process.ts). Shapes: `one` — one process serving the API and
 * running the workers (`npm start`); `scaled` — two API processes and a worker (PostgreSQL
 * server only: PGlite lives inside one process). Each shape runs, on a fresh schema each:
 *   ours  — the batched seller on one inventory stream;
 *   crud  — the peer a user would otherwise pick: a plain CRUD shop on the same HTTP stack and
 *           database, one transaction per purchase (guarded UPDATE of `sold` + ticket INSERT);
 *   naive — plain optimistic retry on the same stream.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { signAccessToken } from '../adapters/http/access-token.js';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';
import { percentile, round } from './lib/measures.js';
import type { LoadGo, LoadOutcome, LoadPlan, ServerAsk, ServerStart, ServerVariant } from './onsale/messages.js';

const SECRET = 'onsale-benchmark-secret-of-at-least-32-chars';
const here = dirname(fileURLToPath(import.meta.url));
type Shape = 'one' | 'scaled';
const IMPL: Record<ServerVariant, string> = { batched: 'ours', crud: 'crud', optimistic: 'naive' };

/** A forked bench process and its IPC channel: `ask` sends a message and resolves with the answer carrying its id. */
class Child {
  private next = 1;
  private readonly waiting = new Map<number, (answer: any) => void>();
  private readonly first: Promise<any>;
  private exited = false;

  constructor(
    readonly name: string,
    private readonly process: ChildProcess,
  ) {
    let resolveFirst!: (answer: any) => void;
    let rejectFirst!: (error: Error) => void;
    this.first = new Promise((resolve, reject) => ((resolveFirst = resolve), (rejectFirst = reject)));
    process.on('message', (message: any) => {
      if (typeof message?.id === 'number' && this.waiting.has(message.id)) {
        this.waiting.get(message.id)!(message);
        this.waiting.delete(message.id);
      } else resolveFirst(message);
    });
    process.once('exit', (code) => {
      this.exited = true;
      rejectFirst(new Error(`${name} exited (${code}) before it answered`));
      for (const [, resolve] of this.waiting) resolve({ error: `${name} exited (${code})` });
      this.waiting.clear();
    });
  }

  static start(name: string, file: string): Child {
    // the parent's execArgv carries tsx's loader, so the child runs the TypeScript as we do
    return new Child(name, fork(join(here, 'onsale', file), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** Sends `message` and resolves with the process's first message (ready / outcome). */
  async tell(message: unknown): Promise<any> {
    this.process.send(message as object);
    const answer = await this.first;
    if (answer?.error) throw new Error(`${this.name}: ${answer.error}`);
    return answer;
  }

  async ask(question: ServerAsk extends infer A ? (A extends ServerAsk ? Omit<A, 'id'> : never) : never): Promise<any> {
    const id = this.next++;
    const answer = await new Promise<any>((resolve) => {
      this.waiting.set(id, resolve);
      this.process.send({ ...question, id });
    });
    if (answer.error) throw new Error(`${this.name}: ${answer.error}`);
    return answer;
  }

  /** Answers one more message from the process (the load's outcome after `go`). */
  async after(message: unknown): Promise<any> {
    const outcome = new Promise<any>((resolve) => this.process.once('message', resolve));
    this.process.send(message as object);
    return outcome;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    await Promise.race([this.ask({ ask: 'stop' }).catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.process.kill('SIGKILL');
  }
}

async function post(url: string, token: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const json = await response.json().catch(() => null);
  if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

interface OnSale {
  readonly path: string;
  readonly body: unknown;
  readonly ticketTypeId: string;
}

/** Ticket types on sale (one of each size in `seats`), made through the API of `api`: path and body of their purchase. */
async function onSale(variant: ServerVariant, api: string, seats: readonly number[]): Promise<OnSale[]> {
  const organizer = await signAccessToken({ kind: 'user', id: 'bench-organizer', roles: ['organizer'], scopes: [] }, { secret: SECRET, ttlSeconds: 3600 });
  if (variant === 'crud') {
    const types: OnSale[] = [];
    for (const quantity of seats) {
      const { ticket_type_id } = await post(`${api}/api/crud/ticket-types`, organizer, { quantity, price: '1500.00' });
      types.push({ path: `/api/crud/ticket-types/${ticket_type_id}/tickets`, body: {}, ticketTypeId: ticket_type_id });
    }
    return types;
  }
  const now = Date.now();
  const { id } = await post(`${api}/api/events`, organizer, {
    title: 'On-sale rush',
    venue: 'Benchmark Arena',
    starts_at: new Date(now + 30 * 86400_000).toISOString(),
    ends_at: new Date(now + 30 * 86400_000 + 3 * 3600_000).toISOString(),
    capacity: seats.reduce((sum, n) => sum + n, 0),
  });
  await post(`${api}/api/events/${id}/publish`, organizer, {});
  const types: OnSale[] = [];
  for (const quantity of seats) {
    const { ticket_type_id } = await post(`${api}/api/events/${id}/ticket-types`, organizer, {
      kind: 'standard',
      quantity,
      price: '1500.00',
      sales_start: new Date(now - 3600_000).toISOString(),
      sales_end: new Date(now + 29 * 86400_000).toISOString(),
    });
    types.push({ path: `/api/events/${id}/tickets`, body: { ticket_type_id }, ticketTypeId: ticket_type_id });
  }
  return types;
}

interface Rush {
  readonly shape: Shape;
  readonly variant: ServerVariant;
  readonly buyers: number;
  readonly seats: number;
  readonly seconds: number;
  /** Seats of a ticket type sold out first, unmeasured: the servers have served before (JIT, pools, caches), as on a real on-sale day. */
  readonly warmupSeats: number;
  /** The buyers open new connections at the go instead of coming on those of the warm-up. */
  readonly coldConnections: boolean;
}

async function rush(ctx: BenchContext, run: Rush): Promise<Record<string, number | string | boolean | null>> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const profile = ctx.options.has('profile');
  const start = (role: ServerStart['role']): ServerStart => ({ role, variant: run.variant, secret: SECRET, schema, profile, ...(ctx.target.url ? { url: ctx.target.url } : {}) });
  const servers: Child[] = [];
  let load: Child | undefined;
  try {
    // the first process applies the migrations; the others start after it
    const roles: ServerStart['role'][] = run.shape === 'one' ? ['all'] : ['worker', 'api', 'api'];
    const first = Child.start(`${roles[0]} server`, 'server-process.ts');
    servers.push(first);
    const ports: (number | null)[] = [(await first.tell(start(roles[0]!))).port];
    const rest = roles.slice(1).map((role, i) => Child.start(`${role} server ${i + 1}`, 'server-process.ts'));
    servers.push(...rest);
    ports.push(...(await Promise.all(rest.map(async (child, i) => (await child.tell(start(roles[i + 1]!))).port))));
    const urls = ports.filter((port): port is number => port !== null).map((port) => `http://127.0.0.1:${port}`);
    const worker = first; // the process that runs the projections and sagas
    const [warmup, sale] = await onSale(run.variant, urls[0]!, [run.warmupSeats, run.seats]);

    load = Child.start('load', 'load-process.ts');
    const plan: LoadPlan = { urls, secret: SECRET, buyers: run.buyers };
    await load.tell(plan);
    await load.after({ go: true, path: warmup!.path, body: warmup!.body, seconds: Math.min(run.seconds, 15) } satisfies LoadGo);
    await settle(worker);
    ctx.log(`onsale ${run.shape} ${IMPL[run.variant]}: ${run.buyers} buyers, ${run.seats} seats, ${urls.length} API process(es)`);
    const counted = async () => {
      const answers = await Promise.all(servers.map((server) => server.ask({ ask: 'statements' })));
      const byText = new Map<string, number>();
      for (const answer of answers) for (const [text, n] of Object.entries(answer.profile as Record<string, number>)) byText.set(text, (byText.get(text) ?? 0) + n);
      return { total: answers.reduce((sum, answer) => sum + answer.statements, 0), byText };
    };
    const atStart = await counted();
    const before = atStart.total;
    const cpuOf = async () => Promise.all(servers.map(async (server) => (await server.ask({ ask: 'cpu' })).cpuMs as number));
    const [serversCpuAtStart, machineAtStart] = [await cpuOf(), machineCpu()];
    const outcome: LoadOutcome = await load.after({ go: true, path: sale!.path, body: sale!.body, seconds: run.seconds, coldConnections: run.coldConnections } satisfies LoadGo);
    const cpu = cpuBudget(roles, serversCpuAtStart, await cpuOf(), outcome.cpuMs, machineAtStart, machineCpu());
    // the asynchronous work of the sales counts too: wait until it has settled
    const settleStart = performance.now();
    const settled = await settle(worker);
    const settledSeconds = (performance.now() - settleStart) / 1000;
    const atEnd = await counted();
    const sent = atEnd.total - before;
    if (profile) {
      const rows = [...atEnd.byText].map(([text, n]) => [text, n - (atStart.byText.get(text) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
      const sales = Math.max(1, outcome.purchased.length);
      ctx.log(`statements per sale by text (${run.shape} ${IMPL[run.variant]}, asks included):\n${rows.slice(0, 25).map(([text, n]) => `  ${(n / sales).toFixed(2).padStart(7)}  ${text}`).join('\n')}`);
    }
    const { sold, counter } = await worker.ask({ ask: 'sold', ticketTypeId: sale!.ticketTypeId });
    const purchased = [...outcome.purchased].sort((a, b) => a - b);
    const soldOut = [...outcome.soldOut].sort((a, b) => a - b);
    if (sold !== purchased.length) ctx.note(`${run.shape} ${IMPL[run.variant]}: ${sold} seats sold in the database but ${purchased.length} purchases answered 201`);
    if (soldOut.length === 0) ctx.note(`${run.shape} ${IMPL[run.variant]}: not sold out within ${run.seconds} s (--seconds); figures cover what sold in that time`);
    if (outcome.firstError) ctx.note(`${run.shape} ${IMPL[run.variant]}: ${outcome.errors} unexpected answers, the first: ${outcome.firstError}`);
    if (!settled) ctx.note(`${run.shape} ${IMPL[run.variant]}: the asynchronous work had not settled after 120 s; statements counted until then`);
    return {
      bench: 'onsale',
      case: `rush-${run.shape}`,
      impl: IMPL[run.variant],
      variant: run.variant,
      processes: `${urls.length} api${run.shape === 'scaled' ? ' + worker' : ' (all roles)'} + load`,
      buyers: run.buyers,
      seats: run.seats,
      sold,
      oversold: Math.max(0, sold - run.seats, counter - run.seats),
      answered201: purchased.length,
      soldOut: soldOut.length > 0,
      busy429: outcome.busy429,
      errors: outcome.errors,
      seconds: round(outcome.seconds, 2),
      purchasesPerSec: round(purchased.length / outcome.seconds),
      p50Ms: round(percentile(purchased, 50)),
      p99Ms: round(percentile(purchased, 99)),
      soldOutP50Ms: soldOut.length ? round(percentile(soldOut, 50)) : null,
      soldOutP99Ms: soldOut.length ? round(percentile(soldOut, 99)) : null,
      statementsPerSale: purchased.length ? round(sent / purchased.length, 1) : null,
      settledSeconds: round(settledSeconds, 1),
      ...cpu,
    };
  } finally {
    load?.kill();
    await Promise.all(servers.map((server) => server.stop().catch(() => server.kill())));
    if (ctx.target.url) await dropSchemas(ctx.target.url, schema);
  }
}

/** Waits (up to two minutes) until the sales' asynchronous work has settled: true when it has. */
/** The machine's CPU time so far from /proc/stat, ms: busy and idle (iowait counted idle); undefined off Linux. */
function machineCpu(): { busyMs: number; idleMs: number; postgresMs: number } | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks as [number, number, number, number, number, number, number, number];
    const msPerTick = 10; // USER_HZ is 100 on Linux
    return { busyMs: (user + nice + system + irq + softirq + steal) * msPerTick, idleMs: (idle + iowait) * msPerTick, postgresMs: postgresCpuMs() };
  } catch {
    return undefined;
  }
}

/** CPU time of the machine's `postgres` processes so far (the server's backends and its own workers), ms; 0 without any. */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' '); // from field 3 (state) on
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * Where the machine's CPU went from the go of the rush until the load process answered, in
 * CPU-seconds: the API processes, the worker, the load process, PostgreSQL's processes (when the
 * server runs on this machine), the rest (the kernel's interrupts, this process, anything else) and idle. The rush's wall time × cores = the sum of them all.
 */
function cpuBudget(
  roles: readonly ServerStart['role'][],
  before: readonly number[],
  after: readonly number[],
  loadMs: number,
  machineBefore: ReturnType<typeof machineCpu>,
  machineAfter: ReturnType<typeof machineCpu>,
): Record<string, number> {
  const used = (role: ServerStart['role']) => roles.reduce((sum, r, i) => (r === role ? sum + after[i]! - before[i]! : sum), 0);
  const api = used('api') + used('all');
  const worker = used('worker');
  const s = (ms: number) => round(ms / 1000, 1);
  if (!machineBefore || !machineAfter) return { cpuApiS: s(api), cpuWorkerS: s(worker), cpuLoadS: s(loadMs) };
  const busy = machineAfter.busyMs - machineBefore.busyMs;
  const postgres = machineAfter.postgresMs - machineBefore.postgresMs;
  return {
    cpuApiS: s(api),
    cpuWorkerS: s(worker),
    cpuLoadS: s(loadMs),
    cpuPostgresS: s(postgres),
    cpuOtherS: s(Math.max(0, busy - api - worker - loadMs - postgres)),
    cpuIdleS: s(machineAfter.idleMs - machineBefore.idleMs),
  };
}

async function settle(worker: Child): Promise<boolean> {
  for (let i = 0; i < 1200; i++) {
    if ((await worker.ask({ ask: 'settled' })).settled) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function dropSchemas(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.query(`drop schema if exists ${schema}_bi cascade`);
  } finally {
    await client.end();
  }
}

export const bench: Bench = {
  name: 'onsale',
  description: 'On-sale rush over HTTP, servers and load in separate processes: our batched seller vs a plain CRUD shop vs plain optimistic retry',
  async run(ctx) {
    const buyers = numberOption(ctx, 'buyers', ctx.quick ? 40 : 500);
    const seats = numberOption(ctx, 'seats', ctx.quick ? 200 : 5000);
    const seconds = numberOption(ctx, 'seconds', ctx.quick ? 30 : 120);
    const warmupSeats = numberOption(ctx, 'warmup', ctx.quick ? 10 : 1000);
    const connections = ctx.options.get('connections') ?? 'warm';
    if (connections !== 'warm' && connections !== 'cold') throw new Error(`--connections takes warm or cold, got ${connections}`);
    const coldConnections = connections === 'cold';
    const asked = (ctx.options.get('shapes') ?? (ctx.quick || !ctx.target.url ? 'one' : 'one,scaled')).split(',');
    const shapes = asked.filter((shape): shape is Shape => shape === 'one' || shape === 'scaled');
    if (shapes.length !== asked.length) throw new Error(`--shapes takes one and scaled, got ${asked.join(',')}`);
    if (shapes.includes('scaled') && !ctx.target.url) throw new Error('--shapes=scaled needs a PostgreSQL server (DATABASE_URL): PGlite lives inside one process');
    const impls = (ctx.options.get('impls') ?? 'ours,crud,naive').split(',');
    const variants = (['batched', 'crud', 'optimistic'] as const).filter((variant) => impls.includes(IMPL[variant]));
    if (variants.length !== impls.length) throw new Error(`--impls takes ours, crud and naive, got ${impls.join(',')}`);
    // the naive baseline gets at most a minute (unless --seconds says otherwise): it sells a few seats a second
    const naiveSeconds = ctx.options.has('seconds') ? seconds : Math.min(seconds, 60);
    for (const shape of shapes) {
      const results: Partial<Record<ServerVariant, Record<string, number | string | boolean | null>>> = {};
      for (const variant of variants) results[variant] = await rush(ctx, { shape, variant, buyers, seats, warmupSeats, coldConnections, seconds: variant === 'optimistic' ? naiveSeconds : seconds });
      const rate = (other: Record<string, unknown> | undefined) =>
        typeof other?.purchasesPerSec === 'number' && other.purchasesPerSec > 0 ? round((results.batched!.purchasesPerSec as number) / other.purchasesPerSec, 2) : null;
      if (results.batched) ctx.record({ ...results.batched, vsCrud: rate(results.crud), vsNaive: rate(results.optimistic) } as never);
      if (results.crud) ctx.record(results.crud as never);
      if (results.optimistic) ctx.record(results.optimistic as never);
    }
    ctx.note('every server is its own process and the buyers run in a load process; rush-one = one process serving the API and running projections, sagas and outbox (npm start); rush-scaled = two API processes (buyers split between them) and a worker');
    ctx.note('ours = purchases of one ticket type queued per process and decided + appended together, then projected and followed by the saga (notification); crud = one transaction per purchase: UPDATE … SET sold = sold + 1 WHERE id = $1 AND sold < quantity, then INSERT the ticket (no log, no read model, no notification); naive = one load-decide-append per purchase, retried on conflict (429 busy after 20 conflicts; the buyer tries again)');
    ctx.note(
      coldConnections
        ? 'connections: cold — every buyer opens a new TCP connection at the go of the measured rush'
        : 'connections: warm — the buyers come to the measured rush on the keep-alive connections of the warm-up (as through a load balancer’s upstream pool); --connections=cold opens new ones at the go',
    );
    ctx.note('cpu*S = CPU-seconds from the go until the last answer: the API processes, the worker, the load process, PostgreSQL’s processes (when on this machine), the rest (kernel, the bench itself) and idle; they add up to the rush’s wall time × cores');
    ctx.note('purchasesPerSec = answers 201 / seconds from the start of the rush to the last 201; p50/p99 of those answers and of the 409 sold-out answer each buyer ends with; statementsPerSale = every statement the server processes sent to the database from the rush until the sales’ asynchronous work had settled, BEGIN/COMMIT included (database_statements_total), over the purchases answered 201; vsCrud / vsNaive = our purchases/s over theirs');
  },
};
