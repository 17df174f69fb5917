// Every TypeORM entity, for the runtime and the migration CLI alike.
import { Institution } from '../institutions/institution.entity.js';
import { QualityCriterion } from '../quality-criteria/quality-criterion.entity.js';
import { User } from '../users/user.entity.js';

// Proposals, revisions and decisions are read and written with SQL by their repository (src/workflow).
export const entities = [Institution, User, QualityCriterion];
