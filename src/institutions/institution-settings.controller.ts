import { Body, Controller, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { AdminOf, AllianceAdminOnly, CurrentUser } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import { CreateInstitutionDto, InstitutionDto } from './institution.dto.js';
import { InstitutionSettingsDto, UpdateInstitutionDto } from './institution-settings.dto.js';
import { InstitutionSettingsService } from './institution-settings.service.js';

@ApiTags('institutions')
@ApiBearerAuth()
@Controller('api/institutions')
export class InstitutionSettingsController {
  constructor(private readonly settings: InstitutionSettingsService) {}

  @Post()
  @AllianceAdminOnly()
  @ApiOperation({
    // The id it had before it moved here, for clients generated from the document.
    operationId: 'InstitutionsController_create',
    summary: 'Add a university or agency (alliance admin)',
    description:
      "Audited as INSTITUTION_CREATE, the first entry of the new institution's log and an entry in the alliance office's.",
  })
  @ApiCreatedResponse({ type: InstitutionDto })
  @ProblemResponses(403, 409)
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateInstitutionDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<InstitutionDto> {
    return this.settings.create(user, dto, meta);
  }

  @Patch(':id')
  @AdminOf('id')
  @ApiOperation({
    summary: 'Sign-in settings of an institution',
    description:
      '`domains` (alliance admin): the home-organisation domains that place a first-time university sign-in here. `passwordLoginDisabled` (admin of the institution or alliance admin): refuse password sign-in for its users (403 `password-login-disabled`). Audited as INSTITUTION_UPDATE.',
  })
  @ApiOkResponse({ type: InstitutionSettingsDto })
  @ProblemResponses(400, 403, 404, 409)
  update(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdateInstitutionDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<InstitutionSettingsDto> {
    return this.settings.update(user, id, dto, meta);
  }
}
