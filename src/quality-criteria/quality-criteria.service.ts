import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { QualityCriterion } from './quality-criterion.entity.js';

export interface ActiveCriterion {
  id: string;
  group: string;
  source: string;
  title: string;
  question: string;
}

/** The 4EU+QUALITY checklist as it stands (inactive items are kept for old decisions, not shown). */
@Injectable()
export class QualityCriteriaService {
  constructor(@InjectRepository(QualityCriterion) private readonly criteria: Repository<QualityCriterion>) {}

  async active(): Promise<ActiveCriterion[]> {
    const rows = await this.criteria.find({ where: { active: true }, order: { position: 'ASC', id: 'ASC' } });
    return rows.map(({ id, group, source, title, question }) => ({ id, group, source, title, question }));
  }
}
