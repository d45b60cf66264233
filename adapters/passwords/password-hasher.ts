import argon2 from 'argon2';

/** Memory-hard password hashing: the hash, never the password, is what is stored. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spend the time of one verification without a real hash (unknown accounts: no timing oracle). */
  verifyNothing(password: string): Promise<void>;
}

export interface Argon2Settings {
  /** KiB; OWASP's argon2id baseline is 19 MiB with 2 iterations. */
  readonly memoryKib: number;
  readonly iterations: number;
}

/** argon2id through the `argon2` package (PHC strings: `$argon2id$v=19$m=…,t=…,p=1$salt$hash`). */
export class Argon2PasswordHasher implements PasswordHasher {
  private decoy: Promise<string> | undefined;

  constructor(private readonly settings: Argon2Settings) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, memoryCost: this.settings.memoryKib, timeCost: this.settings.iterations, parallelism: 1 });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  async verifyNothing(password: string): Promise<void> {
    this.decoy ??= this.hash('decoy password that matches nothing');
    await this.verify(await this.decoy, password);
  }
}
