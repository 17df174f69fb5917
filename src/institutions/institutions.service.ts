import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { InstitutionRef } from '../../workflows/types.js';
import { InstitutionDto } from './institution.dto.js';
import { Institution } from './institution.entity.js';
import { ROLES_BY_KIND } from '../users/account-rules.js';

export const ALLIANCE_KIND = 'alliance';

@Injectable()
export class InstitutionsService {
  constructor(@InjectRepository(Institution) private readonly repo: Repository<Institution>) {}

  async list(): Promise<InstitutionDto[]> {
    const rows = await this.repo.find({ order: { kind: 'ASC', id: 'ASC' } });
    const domains: Array<{ institutionId: string; domains: string[] }> = await this.repo.query(
      `SELECT institution_id AS "institutionId", array_agg(domain ORDER BY domain) AS domains
       FROM institution_domains GROUP BY institution_id`,
    );
    const byId = new Map(domains.map((d) => [d.institutionId, d.domains]));
    return rows.map((r) => ({
      ...toDto(r),
      domains: byId.get(r.id) ?? [],
      passwordLoginDisabled: r.passwordLoginDisabled,
      roles: ROLES_BY_KIND[r.kind],
    }));
  }

  /** Institutions are reference data that only grows; reading them per request is one indexed scan of ~20 rows. */
  async refs(): Promise<InstitutionRef[]> {
    const rows = await this.repo.find();
    return rows.map((r) => ({ id: r.id, kind: r.kind, country: r.country }));
  }

  async findRef(id: string): Promise<InstitutionRef | null> {
    const r = await this.repo.findOneBy({ id });
    return r ? { id: r.id, kind: r.kind, country: r.country } : null;
  }
}

function toDto(r: Institution): InstitutionDto {
  return { id: r.id, name: r.name, kind: r.kind, country: r.country };
}
