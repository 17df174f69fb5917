// Every TypeORM entity, for the runtime and the migration CLI alike.
import { Institution } from '../institutions/institution.entity.js';
import { User } from '../users/user.entity.js';

export const entities = [Institution, User];
