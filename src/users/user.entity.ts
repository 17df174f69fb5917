import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../workflows/types.js';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stored lower-cased; unique case-insensitively (index on lower(email)). */
  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ type: 'text', array: true })
  roles!: Role[];

  /** false: the account is closed (login 401, every token 401 on its next request). */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Moves on when all the user's tokens must stop working (deactivation, password change). */
  @Column({ name: 'token_generation', type: 'integer', default: 0 })
  tokenGeneration!: number;

  /** argon2id; never leaves the service (see UserDto). */
  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
