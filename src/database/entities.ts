// Every TypeORM entity, for the runtime and the migration CLI alike.
import { Institution } from '../institutions/institution.entity.js';
import { Decision, Proposal, ProposalRevision } from '../proposals/proposal.entity.js';
import { QualityCriterion } from '../quality-criteria/quality-criterion.entity.js';
import { User } from '../users/user.entity.js';

export const entities = [Institution, User, Proposal, ProposalRevision, Decision, QualityCriterion];
