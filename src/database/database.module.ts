import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './typeorm-options.js';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL, {
          migrationsRun: config.MIGRATIONS_RUN,
          poolSize: config.DATABASE_POOL_SIZE,
        }),
        // Start-up checks reachability before Nest boots; inside Nest, do not spin on retries.
        retryAttempts: 0,
      }),
    }),
  ],
})
export class DatabaseModule {}
