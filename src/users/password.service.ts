import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet minimum (m = 19 MiB, t = 2, p = 1).
 * Parameters live in each hash, so raising them later keeps old hashes verifiable.
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

@Injectable()
export class PasswordService {
  // A real hash of a random secret: verifying unknown users against it costs the same time as a real check.
  private readonly dummy = argon2.hash(`dummy-${Math.random()}`, ARGON2_OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? (await this.dummy), password);
      return hash !== null && ok;
    } catch {
      return false;
    }
  }
}
