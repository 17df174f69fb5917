import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiProperty,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { AnonymousAllowed, OptionalUser, Public } from '../auth/decorators.js';
import { CATALOGUE_CACHE_CONTROL, noneMatch, ReferencePipe } from '../catalogue/catalogue.controller.js';
import { DomainError } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { EXPORT_KINDS, type ExportKind } from './credential-documents.js';
import { CredentialsService } from './credentials.service.js';
import { SigningKeyService } from './signing-key.service.js';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('not-found', 'Proposal not found'),
});

class ExportKindPipe implements PipeTransform<string, ExportKind> {
  transform(v: string): ExportKind {
    if (!(EXPORT_KINDS as readonly string[]).includes(v))
      throw new DomainError('not-found', `No export ${v.slice(0, 50)}; exports: ${EXPORT_KINDS.join(', ')}`);
    return v as ExportKind;
  }
}

export class VerifyResultDto {
  @ApiProperty() verified!: boolean;
  @ApiProperty({
    type: [String],
    description: 'Why it is not verified: signature, issuer key, achievement state',
  })
  errors!: string[];
}

@ApiTags('credentials')
@Controller()
export class CredentialsController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly keys: SigningKeyService,
  ) {}

  @Get('api/proposals/:id/exports/:kind')
  @ApiBearerAuth()
  @AnonymousAllowed()
  @ApiOperation({
    summary:
      'An approved micro-credential as Open Badges 3.0 Achievement, signed EndorsementCredential, or European Learning Model Qualification (JSON-LD)',
    description:
      "These addresses are the documents' own ids, so anyone holding a credential can follow them: for what the public catalogue shows (published or retired) they answer everyone, with or without a token, the same bytes as its twin under /api/catalogue/:reference/exports/:kind; anything else needs a token (401 without one) of a user who may see the proposal. A token that is sent must be valid.",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'kind', enum: EXPORT_KINDS })
  @ApiProduces('application/ld+json')
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of your copy' })
  @ApiOkResponse({
    description:
      'The JSON-LD document, with a strong ETag of its bytes; the endorsement is the same bytes on every request',
  })
  @ApiResponse({ status: 304, description: 'Not modified: your copy (If-None-Match) is current' })
  @ProblemResponses(404, 409)
  async exportDocument(
    @OptionalUser() user: AuthUser | undefined,
    @Param('id', uuid) id: string,
    @Param('kind', new ExportKindPipe()) kind: ExportKind,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    // Revalidated on every use, and kept by no shared cache: it may be a document only a token may see.
    sendDocument(req, res, await this.credentials.exportByAddress(user, id, kind), 'private, no-cache');
  }

  @Get('api/catalogue/:reference/exports/:kind')
  @Public()
  @ApiOperation({
    summary:
      'Public twin of an export, for the catalogue (no token): the same JSON-LD document, for published (or retired) micro-credentials only',
  })
  @ApiParam({ name: 'reference', example: 'MC-2026-0007' })
  @ApiParam({ name: 'kind', enum: EXPORT_KINDS })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of your copy' })
  @ApiProduces('application/ld+json')
  @ApiOkResponse({ description: 'The JSON-LD document, with a strong ETag of its bytes' })
  @ApiResponse({ status: 304, description: 'Not modified: your copy (If-None-Match) is current' })
  @ProblemResponses(404)
  async publicExport(
    @Param('reference', ReferencePipe) reference: string,
    @Param('kind', new ExportKindPipe()) kind: ExportKind,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    sendDocument(req, res, await this.credentials.publicExport(reference, kind), CATALOGUE_CACHE_CONTROL);
  }

  @Post('api/credentials/verify')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Verify an endorsement: its Data Integrity proof, that the key is this service's (current or rotated), and that the micro-credential is still approved or published",
  })
  @ApiBody({ description: 'The EndorsementCredential as exported', schema: { type: 'object' } })
  @ApiOkResponse({ type: VerifyResultDto })
  @ProblemResponses(400)
  verify(@Body() credential: Record<string, unknown>): Promise<VerifyResultDto> {
    if (typeof credential !== 'object' || credential === null || Array.isArray(credential)) {
      throw new DomainError('validation-failed', 'The credential must be a JSON object', [
        { field: 'body', message: 'must be a JSON object' },
      ]);
    }
    return this.credentials.verify(credential);
  }

  @Get('.well-known/did.json')
  @Public()
  @Header('Content-Type', 'application/did+ld+json')
  @ApiOperation({
    summary: "The alliance's DID document (did:web): its current and rotated Ed25519 Multikeys",
  })
  @ApiOkResponse({ description: 'DID v1 document' })
  async didDocument(): Promise<string> {
    return JSON.stringify(await this.keys.didDocument());
  }
}

/** A JSON-LD export with a strong ETag of its bytes, or 304 when the caller's copy has that tag. */
function sendDocument(req: FastifyRequest, res: FastifyReply, body: string, cacheControl: string): void {
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  res.header('ETag', etag);
  res.header('Cache-Control', cacheControl);
  if (noneMatch(req.headers['if-none-match'], etag)) {
    res.status(304).send();
    return;
  }
  res.status(200).type('application/ld+json; charset=utf-8').send(body);
}
