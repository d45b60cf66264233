import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The layers, as imports may cross them (issue "Platform before three more contexts", item 1):
 *
 * - `domain/` is the shared kernel and the pure deciders: it imports nothing of ours outside `domain/`
 *   (and `platform/`, the clock-free parts of it only: nothing, today).
 * - `platform/` (clock, delay) imports nothing of ours; every layer may import it.
 * - `projections/` never import `commands/`: a projector reads events, not command handlers.
 * - `adapters/` never import a business context's commands, projections or sagas: an integration
 *   implements a port its context declares (`commands/<context>/ports/…`), and only the composition
 *   root (`adapters/app/`) and the entry points (`bin/`) put contexts together.
 * - `sagas/` never import an effect handler: a saga enqueues a declared effect (`…-effect-kinds.ts`).
 */
const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), '../..'));
const LAYERS = ['domain', 'platform', 'commands', 'projections', 'sagas', 'adapters', 'bin'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

interface Import {
  readonly from: string;
  readonly to: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = (match[1] ?? match[2])!;
    const target = relative(ROOT, normalize(join(dirname(file), spec))).replace(/\.js$/, '.ts');
    found.push({ from: relative(ROOT, file), to: target });
  }
  return found;
}

const layerOf = (path: string) => path.split('/')[0]!;

/** Why an import breaks the layering, or undefined. */
function violation({ from, to }: Import): string | undefined {
  const source = layerOf(from);
  const target = layerOf(to);
  if (!LAYERS.includes(target)) return undefined;
  if (source === 'domain' && target !== 'domain') return 'domain imports only domain';
  if (source === 'platform' && target !== 'platform') return 'platform imports nothing of ours';
  if (source === 'projections' && target === 'commands') return 'a projection never imports commands';
  if (source === 'adapters' && !from.startsWith('adapters/app/')) {
    if (target === 'projections' || target === 'sagas' || target === 'bin') return `an adapter never imports ${target}`;
    if (target === 'commands' && !/^commands\/[^/]+\/ports\//.test(to)) return 'an adapter imports only the ports its context declares (commands/<context>/ports/)';
  }
  if (source === 'sagas' && /effect-handlers?\.ts$|-effects\.ts$/.test(to)) return 'a saga never imports an effect handler';
  return undefined;
}

describe('architecture: imports cross the layers only the right way', () => {
  const files = LAYERS.filter((layer) => {
    try {
      return statSync(join(ROOT, layer)).isDirectory();
    } catch {
      return false;
    }
  }).flatMap((layer) => sourceFiles(join(ROOT, layer)));

  it('given every source file, then no import breaks the layering', () => {
    const broken = files.flatMap(importsOf).flatMap((i) => {
      const why = violation(i);
      return why ? [`${i.from} → ${i.to}: ${why}`] : [];
    });
    assert.deepEqual(broken, []);
  });

  it('given the rule, then it would catch each kind of wrong import', () => {
    assert.ok(violation({ from: 'domain/ticketing/ticket.ts', to: 'commands/load-aggregate.ts' }));
    assert.ok(violation({ from: 'domain/ticketing/ticket.ts', to: 'adapters/http/route.ts' }));
    assert.ok(violation({ from: 'projections/ticketing/ticket-projection.ts', to: 'commands/ticketing/ticket-seller.ts' }));
    assert.ok(violation({ from: 'adapters/ton/emulator-chain.ts', to: 'commands/blockchain/gateway-module.ts' }));
    assert.ok(violation({ from: 'adapters/ton/emulator-chain.ts', to: 'sagas/blockchain/ton-dispatcher.ts' }));
    assert.ok(violation({ from: 'sagas/ticketing/gathering-followup-saga.ts', to: 'commands/ticketing/ticketing-effects.ts' }));
    assert.equal(violation({ from: 'adapters/ton/emulator-chain.ts', to: 'commands/blockchain/ports/gateway-chain.ts' }), undefined);
    assert.equal(violation({ from: 'adapters/app/system.ts', to: 'projections/projection-runner.ts' }), undefined);
    assert.equal(violation({ from: 'commands/ticketing/purchase-tickets.ts', to: 'platform/clock.ts' }), undefined);
  });
});
