import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { machineEdges } from '../../workflows/machine-graph.js';
import { WorkflowRegistry } from '../../workflows/registry.js';
import { notFound } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { QualityCriterionDto } from '../quality-criteria/quality-criteria.controller.js';
import { QualityCriteriaService } from '../quality-criteria/quality-criteria.service.js';

export class WorkflowTransitionDto {
  @ApiProperty() from!: string;
  @ApiProperty() event!: string;
  @ApiProperty() to!: string;
}

export class WorkflowDescriptionDto {
  @ApiProperty({ example: 'micro-credential-review' }) id!: string;
  @ApiProperty({ description: 'The version new proposals start on' }) version!: number;
  @ApiProperty({ type: [Number], description: 'Every version still loadable' }) versions!: number[];
  @ApiProperty({ type: [String] }) states!: string[];
  @ApiProperty({ type: [String] }) finalStates!: string[];
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ type: [String], description: 'Events that must carry a comment (the definition says so)' })
  commentRequired!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: "Each state's name for people",
  })
  stageLabels!: Record<string, string>;
  @ApiProperty({ type: [WorkflowTransitionDto] }) transitions!: WorkflowTransitionDto[];
  @ApiProperty({ description: 'Mermaid stateDiagram-v2, generated from the machine' }) mermaid!: string;
  @ApiProperty({ type: [QualityCriterionDto] }) qualityCriteria!: QualityCriterionDto[];
}

@ApiTags('workflow')
@ApiBearerAuth()
@Controller('api/workflows')
export class WorkflowsController {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly criteria: QualityCriteriaService,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'The review machine: states, events, transitions, version and a Mermaid diagram' })
  @ApiOkResponse({ type: WorkflowDescriptionDto })
  @ProblemResponses(404)
  async describe(@Param('id') id: string): Promise<WorkflowDescriptionDto> {
    const versions = this.registry.list().filter((d) => d.id === id);
    if (versions.length === 0) throw notFound('Workflow');
    const d = versions[versions.length - 1];
    return {
      id: d.id,
      version: d.version,
      versions: versions.map((v) => v.version),
      states: [...d.states],
      finalStates: [...d.finalStates],
      events: [...d.eventTypes],
      commentRequired: Object.entries(d.policy.events)
        .filter(([, policy]) => policy.commentRequired)
        .map(([type]) => type),
      stageLabels: { ...d.policy.stageLabels },
      transitions: machineEdges(d.machine).map((e) => ({ from: e.source, event: e.event, to: e.target })),
      mermaid: d.mermaid(),
      qualityCriteria: await this.criteria.active(),
    };
  }
}
