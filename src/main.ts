// The API process: HTTP on PORT (and, unless WORKER=off, the reminder worker in-process).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app/app.module.js';
import { configureApp } from './app/configure-app.js';
import { checkPostgres, checkRedis, loadConfigOrFail, loadDotEnv, runMain } from './app/startup.js';

runMain(async () => {
  loadDotEnv();
  const config = loadConfigOrFail();
  await checkPostgres(config);
  await checkRedis(config);
  const app = await NestFactory.create(AppModule.forRoot('api'), { bufferLogs: true });
  configureApp(app);
  app.enableShutdownHooks();
  await app.listen(config.PORT);
});
