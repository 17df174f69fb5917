import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { REDIS_CLIENT } from '../redis/redis.module.js';
import { DelegationLookup } from '../deputies/delegation-lookup.js';
import { UsersModule } from '../users/users.module.js';
import { AccessGuard } from './access.guard.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { CurrentUserService } from './current-user.service.js';
import { JwtSecretService } from './jwt-secret.service.js';
import { VerifiedTokens } from './verified-tokens.js';
import { accountTracker, ipTracker, LOGIN_ACCOUNT, LOGIN_IP } from './login-throttler.guard.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { ResetLinkTokens } from './reset-link-token.js';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './token.js';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      extraProviders: [JwtSecretService],
      inject: [JwtSecretService],
      useFactory: async (secrets: JwtSecretService) => ({
        // A KeyObject, not a string: jsonwebtoken otherwise tries to parse the string as a public key on
        // every verification (a thrown and caught error each time, measured at ~370 µs per request).
        secret: createSecretKey(Buffer.from(await secrets.resolve(), 'utf8')),
        signOptions: { algorithm: TOKEN_ALGORITHM, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
        verifyOptions: { algorithms: [TOKEN_ALGORITHM], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS_CLIENT],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [
          {
            name: LOGIN_ACCOUNT,
            ttl: config.LOGIN_WINDOW_MS,
            limit: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
            blockDuration: config.LOGIN_WINDOW_MS,
            getTracker: accountTracker,
          },
          {
            name: LOGIN_IP,
            ttl: config.LOGIN_WINDOW_MS,
            limit: config.LOGIN_MAX_FAILURES_PER_IP,
            blockDuration: config.LOGIN_WINDOW_MS,
            getTracker: ipTracker,
          },
        ],
        storage: new RedisThrottlerStorage(redis, config),
      }),
    }),
  ],
  controllers: [AuthController, PasswordResetController],
  providers: [
    AuthService,
    PasswordResetService,
    ResetLinkTokens,
    CurrentUserService,
    VerifiedTokens,
    JwtSecretService,
    DelegationLookup,
    {
      provide: RedisThrottlerStorage,
      inject: [REDIS_CLIENT, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) => new RedisThrottlerStorage(redis, config),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [JwtModule, JwtSecretService],
})
export class AuthModule {}
