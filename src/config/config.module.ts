import { Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig, loadAppConfig } from './app-config.js';

export const APP_CONFIG_KEY = 'app';

/**
 * @nestjs/config reads the environment (and .env when present) and validates it once at boot with
 * class-validator; features inject the typed AppConfig and never touch process.env.
 */
@Global()
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      envFilePath: ['.env'],
      validate: (raw) => ({ [APP_CONFIG_KEY]: loadAppConfig(raw) }),
    }),
  ],
  providers: [
    {
      provide: AppConfig,
      inject: [ConfigService],
      useFactory: (cs: ConfigService) => cs.get<AppConfig>(APP_CONFIG_KEY) as AppConfig,
    },
  ],
  exports: [AppConfig],
})
export class AppConfigModule {}
