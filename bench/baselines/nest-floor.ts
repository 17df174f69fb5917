// P7's second baseline: a bare NestJS application on the same Fastify adapter as the app, answering
// P7's read paths with the same code as the bare node:http server (bench/support/p7-routes.ts). Nest's
// defaults only: its body parsers, its logger for errors only, no middleware, guards, pipes,
// interceptors or filters, no TypeORM. Between it and the bare server is what the framework itself
// costs per request; between it and the app is what our own layers cost (authentication, validation,
// request logs, metrics, security headers, the exception filter, TypeORM). Run as its own process, as
// the API is.
import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import {
  Controller,
  Get,
  Inject,
  Module,
  NotFoundException,
  Req,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import pg from 'pg';
import { p7Answer } from '../support/p7-routes.js';

const POOL = Symbol('pool');

@Controller()
class FloorController {
  constructor(@Inject(POOL) private readonly pool: pg.Pool) {}

  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get(['api/proposals', 'api/proposals/waiting', 'api/me/notifications', 'api/institutions/:id/audit'])
  async answer(@Req() req: { raw: IncomingMessage }): Promise<unknown> {
    const body = await p7Answer(this.pool, req.raw);
    if (body === null) throw new NotFoundException();
    return body;
  }
}

@Module({
  controllers: [FloorController],
  providers: [
    {
      provide: POOL,
      useFactory: () => {
        const pool = new pg.Pool({
          connectionString: process.env.DATABASE_URL,
          max: Number(process.env.POOL_SIZE ?? 30),
          idleTimeoutMillis: 0,
        });
        // As in the bare server: an idle client's error must not take the baseline down mid-run.
        pool.on('error', (e) => process.stderr.write(`pg pool: ${e.message}\n`));
        return pool;
      },
    },
  ],
})
class FloorModule implements OnApplicationShutdown {
  constructor(@Inject(POOL) private readonly pool: pg.Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

async function main(): Promise<void> {
  // Errors only: nothing is logged on a successful request, and a failing one says why.
  const app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: ['error'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
}

void main();
