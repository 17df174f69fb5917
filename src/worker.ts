// The worker process: BullMQ reminder, escalation and e-mail processing plus the reconciler, without
// HTTP. Run any number of them (npm run start:worker) next to API processes started with WORKER=off.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module.js';
import { checkPostgres, checkRedis, loadConfigOrFail, loadDotEnv, runMain } from './app/startup.js';

runMain(async () => {
  loadDotEnv();
  const config = loadConfigOrFail();
  await checkPostgres(config);
  await checkRedis(config);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot('worker'), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
});
