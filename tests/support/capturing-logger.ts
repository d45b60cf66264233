import { Writable } from 'node:stream';
import { createLogger } from '../../adapters/observability/logger.js';

/** A logger at `info` whose JSON lines a spec reads back (what an adapter logged, and that no secret is in it). */
export function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter((l) => l !== '')) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}
