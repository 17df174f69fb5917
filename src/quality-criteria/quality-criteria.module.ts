import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QualityCriteriaController } from './quality-criteria.controller.js';
import { QualityCriterion } from './quality-criterion.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([QualityCriterion])],
  controllers: [QualityCriteriaController],
})
export class QualityCriteriaModule {}
