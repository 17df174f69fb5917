import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'quality_criteria' })
export class QualityCriterion {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ name: 'group_name', type: 'text' }) group!: string;
  @Column({ type: 'text' }) source!: string;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) question!: string;
  @Column({ type: 'int' }) position!: number;
  @Column({ type: 'boolean' }) active!: boolean;
}
