// Used by the TypeORM CLI (npm run migration:run / migration:revert / migration:generate).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './typeorm-options.js';

const config = loadAppConfig(process.env);
export default new DataSource(dataSourceOptions(config.DATABASE_URL));
