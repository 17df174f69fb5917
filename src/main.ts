// The API process: HTTP on PORT (and, unless WORKER=off, the reminder worker in-process).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app/app.module.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureApp } from './app/configure-app.js';
import { createHttpAdapter, NEST_HTTP_OPTIONS } from './app/http-adapter.js';
import { checkPostgres, checkRedis, loadConfigOrFail, loadDotEnv, runMain } from './app/startup.js';

runMain(async () => {
  loadDotEnv();
  const config = loadConfigOrFail();
  await checkPostgres(config);
  await checkRedis(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot('api'),
    createHttpAdapter(config),
    NEST_HTTP_OPTIONS,
  );
  await configureApp(app);
  app.enableShutdownHooks();
  // Every interface, as Node listens by default (Fastify's own default is the loopback only); IPv4
  // alone where the host has no IPv6 (some containers).
  await app.listen(config.PORT, '::').catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EAFNOSUPPORT' && e.code !== 'EADDRNOTAVAIL') throw e;
    await app.listen(config.PORT, '0.0.0.0');
  });
});
