import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/domain-error.js';
import { UsersService } from './users.service.js';

const ALLIANCE_ID = '4euplus';

/**
 * First start: when no user exists, create the alliance administrator from ADMIN_EMAIL/ADMIN_PASSWORD
 * (admin@4euplus.eu / admin outside production). Goes through UsersService, so it is audited like any
 * user creation; parallel first starts race on the unique e-mail and exactly one wins.
 */
@Injectable()
export class UsersBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersBootstrap.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const password = this.config.ADMIN_PASSWORD ?? (this.config.isProduction ? undefined : 'admin');
    if (!password) {
      this.logger.warn('No user exists and ADMIN_PASSWORD is not set: no administrator was created');
      return;
    }
    try {
      await this.users.create(null, {
        email: this.config.ADMIN_EMAIL.trim().toLowerCase(),
        password,
        displayName: 'Alliance administrator',
        institutionId: ALLIANCE_ID,
        roles: ['admin'],
      });
      this.logger.log('Created the bootstrap alliance administrator (ADMIN_EMAIL)');
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'email-taken')) throw e;
    }
  }
}
