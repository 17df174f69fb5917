import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QualityCriteriaController } from './quality-criteria.controller.js';
import { QualityCriteriaService } from './quality-criteria.service.js';
import { QualityCriterion } from './quality-criterion.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([QualityCriterion])],
  controllers: [QualityCriteriaController],
  providers: [QualityCriteriaService],
  exports: [QualityCriteriaService],
})
export class QualityCriteriaModule {}
