import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllianceAdminOnly } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { CreateInstitutionDto, InstitutionDto } from './institution.dto.js';
import { InstitutionsService } from './institutions.service.js';

@ApiTags('institutions')
@ApiBearerAuth()
@Controller('api/institutions')
export class InstitutionsController {
  constructor(private readonly institutions: InstitutionsService) {}

  @Get()
  @ApiOperation({ summary: 'All institutions: universities, the alliance office and national agencies' })
  @ApiOkResponse({ type: [InstitutionDto] })
  list(): Promise<InstitutionDto[]> {
    return this.institutions.list();
  }

  @Post()
  @AllianceAdminOnly()
  @ApiOperation({ summary: 'Add a university or agency (alliance admin)' })
  @ApiCreatedResponse({ type: InstitutionDto })
  @ProblemResponses(403, 409)
  create(@Body() dto: CreateInstitutionDto): Promise<InstitutionDto> {
    return this.institutions.create(dto);
  }
}
