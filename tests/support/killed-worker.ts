import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../adapters/database/database.js';
import { openDatabase } from '../../adapters/database/open-database.js';
import { TEST_JWT_SECRET } from './test-system.js';

/** The PostgreSQL server of the suites run on it (trust auth). */
export const SERVER = 'postgres://postgres@127.0.0.1:5432';

/** A database of its own on the server, for a spec that runs two processes on one database; dropped after. */
export interface ServerDatabase {
  readonly url: string;
  readonly database: Database;
  drop(): Promise<void>;
}

export async function freshServerDatabase(prefix = 'kill'): Promise<ServerDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = `${SERVER}/${name}`;
  const database = await openDatabase({ url, poolSize: 20 });
  return {
    url,
    database,
    async drop() {
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    },
  };
}

/**
 * `npm run worker` as a child process on `databaseUrl` (sagas, projections, the outbox), with the
 * environment a spec adds; its output kept (the last 20 kB) for a failure's message.
 */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private output = '';
  kills = 0;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get log(): string {
    return this.output;
  }

  start(): void {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JWT_SECRET: TEST_JWT_SECRET,
      GCP_CVC_SECRET: 'kill-spec-cvc-secret-of-at-least-32-characters',
      LOG_LEVEL: 'warn',
      PROJECTION_POLL_MS: '50',
      PORT: '0',
      ...this.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/serve.ts', '--role=worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (this.output = (this.output + chunk).slice(-20_000)));
    child.stderr!.on('data', (chunk) => (this.output = (this.output + chunk).slice(-20_000)));
    this.child = child;
  }

  /** SIGKILL, wherever it is, and wait for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Let it run 2.5–6 s (its start-up included), kill it, start it again — until `finished()`
   * (the spec's load is all in) and `settled()` after at least `minKills`, or `maxKills` or
   * `budgetMs` are reached. A worker that stops by itself fails the spec.
   */
  async killAtRandom(options: { readonly finished: () => boolean; readonly settled: () => Promise<boolean>; readonly minKills?: number; readonly maxKills?: number; readonly budgetMs?: number }): Promise<void> {
    const deadline = Date.now() + (options.budgetMs ?? 300_000);
    while (Date.now() < deadline && this.kills < (options.maxKills ?? 14)) {
      await new Promise((resolve) => setTimeout(resolve, 2_500 + Math.random() * 3_500));
      if (options.finished() && this.kills >= (options.minKills ?? 5) && (await options.settled())) return;
      if (this.child && this.child.exitCode !== null) throw new Error(`the worker stopped by itself (exit ${this.child.exitCode}):\n${this.output}`);
      await this.kill();
      this.kills++;
      this.start();
    }
  }
}
