import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { InstitutionKind } from '../../workflows/types.js';

@Entity({ name: 'institutions' })
export class Institution {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  kind!: InstitutionKind;

  @Column({ type: 'char', length: 2, nullable: true })
  country!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
