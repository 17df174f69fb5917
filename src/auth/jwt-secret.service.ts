import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';

const KEY = 'jwt_secret';

/**
 * The signing secret: JWT_SECRET when set (required in production); otherwise generated once and kept
 * in the database, so that every API process of a development setup agrees without configuration.
 */
@Injectable()
export class JwtSecretService {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  async resolve(): Promise<string> {
    if (this.config.JWT_SECRET) return this.config.JWT_SECRET;
    const candidate = randomBytes(48).toString('base64url');
    // Insert-if-absent then read: concurrent first starts converge on one value.
    await this.dataSource.query(
      `INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
      [KEY, candidate],
    );
    const rows: Array<{ value: string }> = await this.dataSource.query(
      `SELECT value FROM app_settings WHERE key = $1`,
      [KEY],
    );
    return rows[0].value;
  }
}
