import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { AdminOf, CurrentUser } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { AuditExportQueryDto, AuditPageDto, AuditQueryDto, AuditVerifyDto } from './audit-log.dto.js';
import { AuditQueryService } from './audit-query.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/institutions/:id/audit')
@AdminOf('id')
export class AuditController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @ApiOperation({
    summary: "Search the institution's audit log, newest first (admins of it, alliance admins)",
  })
  @ApiOkResponse({ type: AuditPageDto })
  @ProblemResponses(403, 404)
  search(
    @Param('id') id: string,
    @Query() q: AuditQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<AuditPageDto> {
    return this.audit.search(id, q, user);
  }

  @Get('export')
  @ApiOperation({ summary: 'The whole log, oldest first, streamed as NDJSON (one entry per line) or CSV' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'The log; NDJSON lines are AuditEntryDto objects' })
  @ProblemResponses(403, 404)
  async export(
    @Param('id') id: string,
    @Query() q: AuditExportQueryDto,
    @Res() res: FastifyReply,
  ): Promise<void> {
    await this.audit.export(id, q.format ?? 'ndjson', res);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain and report the first broken seq' })
  @ApiOkResponse({ type: AuditVerifyDto })
  @ProblemResponses(403, 404)
  verify(@Param('id') id: string): Promise<AuditVerifyDto> {
    return this.audit.verify(id);
  }
}
