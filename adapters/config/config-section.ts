import { isLeft } from 'fp-ts/Either';
import type { EnvironmentVariable } from './environment-variables.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A variable at fault and why, e.g. `{ variable: 'PORT', message: 'must be a whole number' }`. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/**
 * The configuration one module needs: the environment variables it reads (by name) and the
 * typed value it builds from them. Sections compose: `loadConfig(env, { ...platformConfigSections,
 * psp: pspConfigSection })`.
 */
export interface ConfigSection<A> {
  readonly title: string;
  readonly variables: Readonly<Record<string, EnvironmentVariable<unknown>>>;
  read(env: Environment): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };
}

type ValuesOf<V extends Record<string, EnvironmentVariable<unknown>>> = {
  readonly [K in keyof V]: V[K] extends EnvironmentVariable<infer A> ? A : never;
};

export function defineConfigSection<V extends Record<string, EnvironmentVariable<any>>, A>(declaration: {
  readonly title: string;
  readonly variables: V;
  /** Rules across variables (`JWT_SECRET` required when `DATABASE_URL` is set …). */
  readonly check?: (values: ValuesOf<V>) => readonly ConfigProblem[];
  readonly build: (values: ValuesOf<V>) => A;
}): ConfigSection<A> {
  return {
    title: declaration.title,
    variables: declaration.variables,
    read(env) {
      const problems: ConfigProblem[] = [];
      const values: Record<string, unknown> = {};
      for (const [name, variable] of Object.entries(declaration.variables)) {
        const decoded = variable.codec.decode(env[name]);
        if (isLeft(decoded)) {
          const reason = decoded.left[0]?.message ?? 'is invalid';
          const shown = variable.secret || env[name] === undefined ? '' : ` (got ${JSON.stringify(env[name])})`;
          problems.push({ variable: name, message: `${reason}${shown}` });
        } else {
          values[name] = decoded.right;
        }
      }
      if (problems.length === 0 && declaration.check) problems.push(...declaration.check(values as ValuesOf<V>));
      return problems.length > 0 ? { ok: false, problems } : { ok: true, value: declaration.build(values as ValuesOf<V>) };
    },
  };
}

export type ConfigSections = Readonly<Record<string, ConfigSection<unknown>>>;
export type ConfigOf<S extends ConfigSections> = { readonly [K in keyof S]: S[K] extends ConfigSection<infer A> ? A : never };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable} ${p.message}`).join('\n')}`);
  }
}

/** Read every section; all problems of all sections are reported together. Throws ConfigError. */
export function readConfigSections<S extends ConfigSections>(env: Environment, sections: S): ConfigOf<S> {
  const problems: ConfigProblem[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, section] of Object.entries(sections)) {
    const result = section.read(env);
    if (result.ok) config[key] = result.value;
    else problems.push(...result.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}
