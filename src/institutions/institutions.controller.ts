import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InstitutionDto } from './institution.dto.js';
import { InstitutionsService } from './institutions.service.js';

@ApiTags('institutions')
@ApiBearerAuth()
// Adding an institution is audited, so it lives with the audited institution changes
// (institution-settings.controller.ts, InstitutionAdminModule).
@Controller('api/institutions')
export class InstitutionsController {
  constructor(private readonly institutions: InstitutionsService) {}

  @Get()
  @ApiOperation({ summary: 'All institutions: universities, the alliance office and national agencies' })
  @ApiOkResponse({ type: [InstitutionDto] })
  list(): Promise<InstitutionDto[]> {
    return this.institutions.list();
  }
}
