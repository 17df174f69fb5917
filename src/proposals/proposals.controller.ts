import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { DomainError } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { PageQueryDto } from '../common/pagination.dto.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import {
  IdempotencyKey,
  IdempotentOperation,
  sendStored,
  type IdempotencyKeyInfo,
} from '../idempotency/idempotency.decorators.js';
import {
  WorkflowEngineService,
  type EventInput,
  type IdempotentCall,
} from '../workflow/workflow-engine.service.js';
import { EventRequestPipe } from './event-request.pipe.js';
import {
  CreateProposalDto,
  HistoryEntryDto,
  ListProposalsQueryDto,
  ProposalDto,
  ProposalEventDto,
  ProposalPageDto,
  WaitingProposalPageDto,
  RevisionDiffDto,
  UpdateProposalDto,
} from './proposal.dto.js';
import { ProposalsService } from './proposals.service.js';

// An unparseable id is a proposal that does not exist: 404, the same as an invisible one.
const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('not-found', 'Proposal not found'),
});
const UNKNOWN_VERSION =
  'the proposal runs on a workflow version this release does not have (type urn:microcred:problem:unknown-workflow-version)';
const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

class RevisionNumberPipe implements PipeTransform<string, number> {
  transform(v: string): number {
    if (!/^[1-9]\d{0,5}$/.test(v)) throw new DomainError('not-found', 'Revision not found');
    return Number(v);
  }
}

@ApiTags('proposals')
@ApiBearerAuth()
@Controller('api/proposals')
export class ProposalsController {
  constructor(
    private readonly proposals: ProposalsService,
    private readonly engine: WorkflowEngineService,
  ) {}

  @Post()
  @Roles('proposer')
  @ApiOperation({ summary: 'Create a proposal in draft; the lead is your institution' })
  @ApiCreatedResponse({ type: ProposalDto })
  @ProblemResponses(403)
  @IdempotentOperation()
  async create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateProposalDto,
    @ReqMeta() meta: RequestMeta,
    @IdempotencyKey() key: IdempotencyKeyInfo | null,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ProposalDto | string> {
    if (!key) return this.proposals.toDto(user, await this.engine.create(user, dto, meta));
    return sendStored(res, await this.engine.create(user, dto, meta, this.idempotent(user, key, 201)));
  }

  @Get()
  @ApiOperation({
    summary:
      'Proposals you may see (lead or partner institution; agencies once in agency alignment; all for alliance users), newest first',
  })
  @ApiOkResponse({ type: ProposalPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: ListProposalsQueryDto): Promise<ProposalPageDto> {
    return this.proposals.list(user, q);
  }

  // Declared before ':id', which would otherwise take "waiting" for an id.
  @Get('waiting')
  @ApiOperation({
    summary: 'What waits on you: proposals you may decide now, or where your institution is pending',
    description:
      'Longest in their stage first. Each request reads a bounded number of candidates, so a page may be shorter than `limit` (even empty) and still have a `nextCursor`.',
  })
  @ApiOkResponse({ type: WaitingProposalPageDto })
  waiting(@CurrentUser() user: AuthUser, @Query() q: PageQueryDto): Promise<WaitingProposalPageDto> {
    return this.proposals.waiting(user, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A proposal with its pending parties and the events you may send now' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ProposalDto })
  @ProblemResponses(404)
  @ApiResponse({ status: 409, description: UNKNOWN_VERSION, content: PROBLEM })
  get(@CurrentUser() user: AuthUser, @Param('id', uuid) id: string): Promise<ProposalDto> {
    return this.proposals.get(user, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Edit content (JSON merge patch) or partners; lead proposers, while a draft or with changes requested',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ProposalDto })
  @ProblemResponses(403, 404)
  @IdempotentOperation({
    conflict: `Not editable in this state, or \`expectedVersion\` is stale; or ${UNKNOWN_VERSION}`,
  })
  async update(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body() dto: UpdateProposalDto,
    @ReqMeta() meta: RequestMeta,
    @IdempotencyKey() key: IdempotencyKeyInfo | null,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ProposalDto | string> {
    if (!key) return this.proposals.toDto(user, await this.engine.edit(user, id, dto, meta));
    return sendStored(res, await this.engine.edit(user, id, dto, meta, this.idempotent(user, key, 200)));
  }

  @Post(':id/events')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a workflow event (DESIGN.md section 5); the machine decides' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ type: ProposalEventDto })
  @ApiOkResponse({ type: ProposalDto, description: 'The proposal after the event' })
  @ProblemResponses(403, 404)
  @IdempotentOperation({
    conflict: `Not allowed in the current state, already decided, or \`expectedVersion\` is stale; or ${UNKNOWN_VERSION}`,
    unprocessable: 'Refused by a workflow rule; `errors` lists every problem',
  })
  async send(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Body(EventRequestPipe) dto: EventInput,
    @ReqMeta() meta: RequestMeta,
    @IdempotencyKey() key: IdempotencyKeyInfo | null,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ProposalDto | string> {
    if (!key) return this.proposals.toDto(user, await this.engine.send(user, id, dto, meta));
    return sendStored(res, await this.engine.send(user, id, dto, meta, this.idempotent(user, key, 200)));
  }

  /** The answer is rendered inside the change's transaction (so it is stored with it), reading through `em`. */
  private idempotent(user: AuthUser, key: IdempotencyKeyInfo, status: number): IdempotentCall {
    return {
      userId: user.id,
      key: key.key,
      fingerprint: key.fingerprint,
      status,
      render: (em, row) => this.proposals.toDto(user, row, em),
    };
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Decisions and state changes, oldest first' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: [HistoryEntryDto] })
  @ProblemResponses(404)
  history(@CurrentUser() user: AuthUser, @Param('id', uuid) id: string): Promise<HistoryEntryDto[]> {
    return this.proposals.history(user, id);
  }

  @Get(':id/revisions/:a/diff/:b')
  @ApiOperation({ summary: 'Field-by-field changes between two submitted revisions' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'a', type: Number })
  @ApiParam({ name: 'b', type: Number })
  @ApiOkResponse({ type: RevisionDiffDto })
  @ProblemResponses(404)
  diff(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @Param('a', RevisionNumberPipe) a: number,
    @Param('b', RevisionNumberPipe) b: number,
  ): Promise<RevisionDiffDto> {
    return this.proposals.diff(user, id, a, b);
  }
}
