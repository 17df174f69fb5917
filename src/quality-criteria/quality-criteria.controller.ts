import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { QualityCriterion } from './quality-criterion.entity.js';

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
  constructor(@InjectRepository(QualityCriterion) private readonly criteria: Repository<QualityCriterion>) {}

  @Get()
  @ApiOperation({ summary: 'The current 4EU+QUALITY checklist: QUALITY_APPROVE must assess every item' })
  @ApiOkResponse({ type: [QualityCriterionDto] })
  async list(): Promise<QualityCriterionDto[]> {
    const rows = await this.criteria.find({ where: { active: true }, order: { position: 'ASC', id: 'ASC' } });
    return rows.map(({ id, group, source, title, question }) => ({ id, group, source, title, question }));
  }
}
