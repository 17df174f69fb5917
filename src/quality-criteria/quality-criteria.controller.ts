import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { QualityCriteriaService } from './quality-criteria.service.js';

export class QualityCriterionDto {
  @ApiProperty({ example: 'eu-quality' }) id!: string;
  @ApiProperty({ example: 'EU principles' }) group!: string;
  @ApiProperty({ example: 'Council Recommendation 2022/C 243/02, Annex II-1' }) source!: string;
  @ApiProperty({ example: 'Quality' }) title!: string;
  @ApiProperty() question!: string;
}

@ApiTags('workflow')
@ApiBearerAuth()
@Controller('api/quality-criteria')
export class QualityCriteriaController {
  constructor(private readonly criteria: QualityCriteriaService) {}

  @Get()
  @ApiOperation({ summary: 'The current 4EU+QUALITY checklist: the quality approval must assess every item' })
  @ApiOkResponse({ type: [QualityCriterionDto] })
  list(): Promise<QualityCriterionDto[]> {
    return this.criteria.active();
  }
}
