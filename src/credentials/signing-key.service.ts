import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Ed25519KeyPair } from '@digitalbazaar/ed25519-multikey';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { didWebOf, verificationMethodId } from './did-web.js';
import { DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT } from './document-loader.js';
import {
  generateEd25519SecretKey,
  parseEd25519SecretKey,
  type Ed25519Multikey as KeyText,
} from './multibase.js';
import { vcLibraries } from './vc-libraries.js';

export interface PublicKeyRow {
  publicKeyMultibase: string;
  retiredAt: Date | null;
}

/**
 * The alliance's signing key. Production: SIGNING_KEY (never stored; its public key is recorded so the
 * DID document keeps listing it after a rotation). Development and tests without SIGNING_KEY: a key is
 * generated at first start and kept in the database; concurrent first starts serialise on an advisory
 * lock (and the one-current-key index backs that up), so all use one key. Rotation retires the previous key but keeps it
 * in the DID document, so endorsements it signed still verify.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeyService.name);
  readonly did: string;
  private current?: KeyText;
  private pair?: Promise<Ed25519KeyPair>;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    this.did = didWebOf(config.PUBLIC_URL);
  }

  async onModuleInit(): Promise<void> {
    const key = this.config.SIGNING_KEY
      ? this.configuredKey(this.config.SIGNING_KEY)
      : await this.storedKey();
    if (this.config.SIGNING_KEY) await this.recordConfigured(key);
    this.current = key;
    this.logger.log({ verificationMethod: this.currentMethodId() }, 'credential signing key ready');
  }

  /** The verification method id new endorsements are signed with. */
  currentMethodId(): string {
    if (!this.current) throw new Error('signing key not loaded yet');
    return verificationMethodId(this.did, this.current.publicKeyMultibase);
  }

  private configuredKey(text: string): KeyText {
    const key = parseEd25519SecretKey(text);
    if (!key)
      throw new Error('SIGNING_KEY is not an Ed25519 secret key (multibase z…, ed25519-priv multicodec)');
    return key;
  }

  /** Records SIGNING_KEY's public key as the current one, retiring the previous current key. */
  private async recordConfigured(key: KeyText): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      // Serialises rotations of several processes starting at once.
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('signing_keys'))`);
      const rows: Array<{ pk: string }> = await em.query(
        `SELECT public_key_multibase AS pk FROM signing_keys WHERE retired_at IS NULL`,
      );
      if (rows[0]?.pk === key.publicKeyMultibase) return;
      await em.query(`UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL`);
      await em.query(
        `INSERT INTO signing_keys (public_key_multibase, source) VALUES ($1, 'configured')
         ON CONFLICT (public_key_multibase) DO UPDATE SET retired_at = NULL`,
        [key.publicKeyMultibase],
      );
      if (rows[0])
        this.logger.warn(
          { retired: rows[0].pk },
          'signing key rotated; the old key stays in the DID document',
        );
    });
  }

  /**
   * Without SIGNING_KEY: the stored current key, or a new one. Under an advisory lock, so processes
   * starting together agree on one key. If the current key came from a SIGNING_KEY that is no longer
   * set (development only: production requires it), a new key takes over and the old one is retired.
   */
  private async storedKey(): Promise<KeyText> {
    return this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('signing_keys'))`);
      const rows: Array<{ pk: string; sk: string | null }> = await em.query(
        `SELECT public_key_multibase AS pk, secret_key_multibase AS sk FROM signing_keys WHERE retired_at IS NULL`,
      );
      const row = rows[0];
      if (row?.sk) return { publicKeyMultibase: row.pk, secretKeyMultibase: row.sk };
      if (row) {
        await em.query(`UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL`);
        this.logger.warn({ retired: row.pk }, 'SIGNING_KEY no longer set: a generated key takes over');
      }
      const key = generateEd25519SecretKey();
      await em.query(
        `INSERT INTO signing_keys (public_key_multibase, secret_key_multibase, source) VALUES ($1, $2, 'generated')`,
        [key.publicKeyMultibase, key.secretKeyMultibase],
      );
      return key;
    });
  }

  /** The key pair that signs new endorsements (the library loads on first use). */
  signingPair(): Promise<Ed25519KeyPair> {
    const key = this.current;
    if (!key) throw new Error('signing key not loaded yet');
    this.pair ??= vcLibraries().then(({ Ed25519Multikey }) =>
      Ed25519Multikey.from({ id: this.currentMethodId(), controller: this.did, ...key }),
    );
    return this.pair;
  }

  async publicKeys(): Promise<PublicKeyRow[]> {
    const rows: Array<{ pk: string; retired: Date | null }> = await this.dataSource.query(
      `SELECT public_key_multibase AS pk, retired_at AS retired FROM signing_keys
       ORDER BY retired_at IS NULL DESC, created_at DESC`,
    );
    return rows.map((r) => ({ publicKeyMultibase: r.pk, retiredAt: r.retired }));
  }

  /** The DID document (DID v1 + Multikey): the current key first, then every retired one. */
  async didDocument(): Promise<Record<string, unknown>> {
    return this.didDocumentOf(await this.publicKeys());
  }

  didDocumentOf(keys: PublicKeyRow[]): Record<string, unknown> {
    const methods = keys.map((k) => ({
      id: verificationMethodId(this.did, k.publicKeyMultibase),
      type: 'Multikey',
      controller: this.did,
      publicKeyMultibase: k.publicKeyMultibase,
    }));
    return {
      '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
      id: this.did,
      verificationMethod: methods,
      assertionMethod: methods.map((m) => m.id),
    };
  }

  /**
   * The document loader's view of this DID: the DID document, or one verification method (with the
   * Multikey context) by its id. Null for any other DID. `keys` (read once per verification) spares
   * the library's several look-ups a query each.
   */
  async resolve(url: string, keys?: PublicKeyRow[]): Promise<Record<string, unknown> | null> {
    const [base, fragment] = url.split('#');
    if (base !== this.did) return null;
    const doc = this.didDocumentOf(keys ?? (await this.publicKeys()));
    if (fragment === undefined) return doc;
    const method = (doc.verificationMethod as Array<Record<string, unknown>>).find((m) => m.id === url);
    return method ? { '@context': MULTIKEY_V1_CONTEXT, ...method } : null;
  }
}
