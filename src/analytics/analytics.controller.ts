import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify/sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import accepts from 'accepts';
import { csvSafeText } from '../audit/csv-cell.js';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { AnalyticsQueryDto, StagesDto, ThroughputDto, WaitingDto, WaitingQueryDto } from './analytics.dto.js';
import { AnalyticsService } from './analytics.service.js';

const STAGE_COLUMNS = [
  'stage',
  'institutionId',
  'entered',
  'left',
  'medianMs',
  'p90Ms',
  'waiting',
  'overdue',
];
const THROUGHPUT_COLUMNS = ['month', 'submitted', 'approved', 'published', 'rejected'];
const WAITING_COLUMNS = [
  'proposalId',
  'reference',
  'title',
  'state',
  'leadInstitutionId',
  'partyKey',
  'partyKind',
  'since',
  'waitingMs',
  'remindersSent',
  'lastReminderAt',
  'nextReminderAt',
  'escalated',
  'escalatedAt',
  'overdue',
];

/** `?format=csv`, or no format and an Accept header that prefers text/csv. */
function wantsCsv(req: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  return (
    format === 'csv' ||
    (format === undefined && accepts(req.raw).type(['application/json', 'text/csv']) === 'text/csv')
  );
}

/** JSON, or CSV when asked (`?format=csv` or `Accept: text/csv`); text cells cannot run as formulas. */
function answer(
  req: FastifyRequest,
  res: FastifyReply,
  format: 'json' | 'csv' | undefined,
  name: string,
  columns: string[],
  rows: object[],
  json: unknown,
): void {
  res.header('Cache-Control', 'private, no-store');
  if (!wantsCsv(req, format)) {
    res.status(200).send(json);
    return;
  }
  res
    .status(200)
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${name}.csv"`)
    .send(
      stringify(rows as Array<Record<string, unknown>>, {
        header: true,
        columns,
        cast: { boolean: (v) => String(v), string: csvSafeText },
      }),
    );
}

/**
 * Why work is stuck, for admins, quality officers and agency liaisons, each over the proposals they
 * may see. Computed from decisions and the reminder schedule with SQL on every request.
 */
@ApiTags('analytics')
@ApiBearerAuth()
@Roles('admin', 'quality_officer', 'agency_liaison')
@Controller('api/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('stages')
  @ApiOperation({
    summary:
      'Per stage and per lead institution: entered, left, median and p90 time in stage, waiting now, overdue',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: StagesDto })
  @ProblemResponses(403)
  async stages(
    @CurrentUser() user: AuthUser,
    @Query() q: AnalyticsQueryDto,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const out = await this.analytics.stages(user, q);
    answer(req, res, q.format, 'stages', STAGE_COLUMNS, out.rows, out);
  }

  @Get('throughput')
  @ApiOperation({ summary: 'Per UTC month: submitted, approved, published, rejected' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: ThroughputDto })
  @ProblemResponses(403)
  async throughput(
    @CurrentUser() user: AuthUser,
    @Query() q: AnalyticsQueryDto,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const out = await this.analytics.throughput(user, q);
    answer(req, res, q.format, 'throughput', THROUGHPUT_COLUMNS, out.rows, out);
  }

  @Get('waiting')
  @ApiOperation({
    summary:
      'Every waiting proposal, one row per pending party: since when, reminders sent, escalated or not (oldest first)',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: WaitingDto })
  @ProblemResponses(403)
  async waiting(
    @CurrentUser() user: AuthUser,
    @Query() q: WaitingQueryDto,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    // A download is the whole list: a CSV has nowhere to carry the next page's cursor.
    const page = await this.analytics.waiting(
      user,
      wantsCsv(req, q.format) ? { institutionId: q.institutionId } : q,
    );
    answer(req, res, q.format, 'waiting', WAITING_COLUMNS, page.items, page);
  }
}
