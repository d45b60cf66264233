import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A secret taken from configuration when set; in embedded mode a random one generated once
 * into `DATA_DIR/<file>` (mode 0600) and reused on every start.
 */
export async function resolveGeneratedSecret(options: {
  readonly configured: string | undefined;
  readonly dataDir: string;
  readonly file: string;
  readonly generate?: () => string;
}): Promise<string> {
  if (options.configured !== undefined) return options.configured;
  const file = join(options.dataDir, options.file);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined && existing.trim().length >= 32) return existing.trim();
  await mkdir(dirname(file), { recursive: true });
  const secret = (options.generate ?? (() => randomBytes(48).toString('base64url')))();
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
}

/**
 * The key that signs access tokens: JWT_SECRET when configured; in embedded mode (no
 * DATABASE_URL, so loadConfig allowed it to be absent) generated once into
 * `DATA_DIR/jwt-secret`, so tokens survive a restart.
 */
export async function resolveJwtSecret(options: { readonly jwtSecret: string | undefined; readonly dataDir: string }): Promise<string> {
  return resolveGeneratedSecret({ configured: options.jwtSecret, dataDir: options.dataDir, file: 'jwt-secret' });
}
