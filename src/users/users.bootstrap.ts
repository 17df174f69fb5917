import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { PasswordService } from './password.service.js';

const ALLIANCE_ID = '4euplus';

/**
 * First start: when no user exists, create the alliance administrator from ADMIN_EMAIL/ADMIN_PASSWORD
 * (admin@4euplus.eu / admin outside production). Guarded by an advisory lock so parallel first starts
 * create exactly one.
 */
@Injectable()
export class UsersBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersBootstrap.name);

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM users`);
    if (n > 0) return;
    const password = this.config.ADMIN_PASSWORD ?? (this.config.isProduction ? undefined : 'admin');
    if (!password) {
      this.logger.warn('No user exists and ADMIN_PASSWORD is not set: no administrator was created');
      return;
    }
    const hash = await this.passwords.hash(password);
    await this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('microcred:bootstrap-admin'))`);
      const [{ n: again }] = await em.query(`SELECT count(*)::int AS n FROM users`);
      if (again > 0) return;
      await em.query(
        `INSERT INTO users (email, display_name, institution_id, roles, password_hash) VALUES ($1, $2, $3, $4, $5)`,
        [
          this.config.ADMIN_EMAIL.trim().toLowerCase(),
          'Alliance administrator',
          ALLIANCE_ID,
          ['admin'],
          hash,
        ],
      );
      this.logger.log('Created the bootstrap alliance administrator (ADMIN_EMAIL)');
    });
  }
}
