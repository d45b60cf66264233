import { ConfigError, readConfigSections, type ConfigOf, type ConfigSections, type Environment } from './config-section.js';
import { platformConfigSections, type PlatformConfig } from './platform-config.js';

/**
 * For entry points: the configuration, or a message naming each bad variable on stderr and
 * exit code 78 (EX_CONFIG) — the process never starts half-configured.
 */
export function loadConfigOrExit(env: Environment): PlatformConfig;
export function loadConfigOrExit<S extends ConfigSections>(env: Environment, sections: S): ConfigOf<S>;
export function loadConfigOrExit(env: Environment, sections: ConfigSections = platformConfigSections): unknown {
  try {
    return readConfigSections(env, sections);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
    process.exit(78);
  }
}
