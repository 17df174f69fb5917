import { Module } from '@nestjs/common';
import { ProposalsModule } from '../proposals/proposals.module.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { CredentialsController } from './credentials.controller.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';
import { EndorsementOutboxService } from './endorsement-outbox.service.js';
import { OutboxWorkerService } from './outbox-worker.service.js';
import { SigningKeyService } from './signing-key.service.js';

/** Credential exports (DESIGN.md 10.3): OB 3.0, signed endorsements, ELM; the DID; the outbox drain. */
@Module({
  imports: [WorkflowModule, ProposalsModule],
  controllers: [CredentialsController],
  providers: [
    SigningKeyService,
    CredentialsRepository,
    CredentialsService,
    EndorsementOutboxService,
    OutboxWorkerService,
  ],
  exports: [CredentialsService, SigningKeyService],
})
export class CredentialsModule {}
