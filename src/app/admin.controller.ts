import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllianceAdminOnly } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { QueueMetricsService, type QueueFigures } from '../queue/queue-metrics.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
export class AdminController {
  constructor(private readonly queues: QueueMetricsService) {}

  @Get('queues')
  @AllianceAdminOnly()
  @ApiOperation({
    summary:
      'Queue figures per queue: waiting, delayed, active, failed, completed, oldest waiting job (alliance admins)',
  })
  @ApiOkResponse({ description: '{ reminders: QueueFigures, email: QueueFigures, outbox: QueueFigures }' })
  @ProblemResponses(403)
  queuesFigures(): Promise<Record<string, QueueFigures>> {
    return this.queues.all();
  }
}
