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

  /** Users of this institution sign in only through OpenID Connect (PATCH /api/institutions/:id). */
  @Column({ name: 'password_login_disabled', type: 'boolean', default: false })
  passwordLoginDisabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
