import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { AllowWithoutRoles, CurrentUser } from '../auth/decorators.js';
import { DomainError } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import { DeputiesService } from './deputies.service.js';
import { CreateDeputyDto, DeputiesDto, DeputyDto } from './deputy.dto.js';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('not-found', 'Deputy not found'),
});

@ApiTags('deputies')
@ApiBearerAuth()
@Controller('api/me/deputies')
export class DeputiesController {
  constructor(private readonly deputies: DeputiesService) {}

  @Post()
  @ApiOperation({
    summary: 'Name a colleague of your institution as your deputy for a period',
    description:
      'In the period the colleague acts with your review roles (reviewer, quality_officer, agency_liaison; never admin), receives your reminders, and decisions are audited with `onBehalfOf`. A deputy cannot name deputies (403 `cannot-name-deputies`).',
  })
  @ApiCreatedResponse({ type: DeputyDto })
  @ProblemResponses(400, 403)
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateDeputyDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<DeputyDto> {
    return this.deputies.create(user, dto, meta);
  }

  @Get()
  @AllowWithoutRoles()
  @ApiOperation({
    summary: 'Deputies you named, and colleagues you stand in for (ended over 30 days ago left out)',
  })
  @ApiOkResponse({ type: DeputiesDto })
  list(@CurrentUser() user: AuthUser): Promise<DeputiesDto> {
    return this.deputies.list(user);
  }

  @Get(':id')
  @AllowWithoutRoles()
  @ApiOperation({ summary: 'One delegation you named or stand in for' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: DeputyDto })
  @ProblemResponses(404)
  get(@CurrentUser() user: AuthUser, @Param('id', uuid) id: string): Promise<DeputyDto> {
    return this.deputies.get(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of your delegations now' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ProblemResponses(404)
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', uuid) id: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.deputies.remove(user, id, meta);
  }
}
