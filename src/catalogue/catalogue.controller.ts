import { Controller, Get, Param, Query, Req, Res, type PipeTransform } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/decorators.js';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { CatalogueEntryDto, CataloguePageDto, CatalogueQueryDto, PathwaysDto } from './catalogue.dto.js';
import { CatalogueService } from './catalogue.service.js';
import { MC_REFERENCE } from './stackability.js';

/** Public and cacheable: a shared cache may keep an answer a minute, then revalidates with the ETag. */
export const CATALOGUE_CACHE_CONTROL = 'public, max-age=60, must-revalidate';

/** Anything that is not a reference is a micro-credential that does not exist: 404. */
export class ReferencePipe implements PipeTransform<string, string> {
  transform(v: string): string {
    if (!MC_REFERENCE.test(v)) throw new DomainError('not-found', 'Micro-credential not found');
    return v;
  }
}

/** RFC 9110 If-None-Match: a list of entity tags (weak comparison) or `*`. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  return header?.trim() === '*' || namesTag(header, etag);
}

/** If-None-Match names this entity tag (weak comparison); `*` does not count. */
export function namesTag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

const NOT_MODIFIED = { status: 304, description: 'Not modified: your copy (If-None-Match) is current' };
const IF_NONE_MATCH = { name: 'If-None-Match', required: false, description: 'The ETag of your copy' };

/**
 * The public catalogue (no token): published micro-credentials only, no personal data. Every
 * answer carries an ETag made of the catalogue version (it moves in the transaction of every
 * publish and retire) and the request, so a matching If-None-Match is answered 304 before any
 * search runs.
 */
@ApiTags('catalogue')
@Public()
@Controller()
export class CatalogueController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly config: AppConfig,
  ) {}

  /**
   * The origin of the public pages: PUBLIC_URL, never the request's Host header, because these answers
   * are publicly cacheable and a forged Host would otherwise poison a shared cache with foreign links.
   */
  private get origin(): string {
    return this.config.PUBLIC_URL;
  }

  private async conditional(
    req: FastifyRequest,
    res: FastifyReply,
    contentType: string,
    produce: (version: string) => Promise<unknown>,
  ): Promise<void> {
    const version = await this.catalogue.version();
    const etag = CatalogueService.etag(version, req.url);
    const ifNoneMatch = req.headers['if-none-match'];
    const cacheable = () => {
      res.header('ETag', etag);
      res.header('Cache-Control', CATALOGUE_CACHE_CONTROL);
      res.header('Vary', 'Accept-Encoding');
    };
    // A tag of ours names a version in which this request was answered 200 (errors carry no tag), so
    // it is answered before any search runs. `*` ("any current copy") needs the answer to exist first.
    if (namesTag(ifNoneMatch, etag)) {
      cacheable();
      res.status(304).send();
      return;
    }
    const body = await produce(version);
    cacheable();
    if (noneMatch(ifNoneMatch, etag)) {
      res.status(304).send();
      return;
    }
    res
      .status(200)
      .type(`${contentType}; charset=utf-8`)
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  @Get('api/catalogue')
  @ApiOperation({
    summary:
      'Search the published micro-credentials (public): ranked full-text search, filters, facet counts, cursor paging',
  })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ type: CataloguePageDto })
  @ApiResponse(NOT_MODIFIED)
  async search(
    @Query() q: CatalogueQueryDto,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    await this.conditional(req, res, 'application/json', (version) => this.catalogue.search(q, version));
  }

  @Get('api/catalogue/:reference')
  @ApiOperation({
    summary:
      'One micro-credential of the catalogue (public): published content, agency alignments, resolved stackability, export links, schema.org Course',
  })
  @ApiParam({ name: 'reference', example: 'MC-2026-0007' })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ type: CatalogueEntryDto })
  @ApiResponse(NOT_MODIFIED)
  @ProblemResponses(404)
  async detail(
    @Param('reference', ReferencePipe) reference: string,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    await this.conditional(req, res, 'application/json', () => this.catalogue.detail(reference, this.origin));
  }

  @Get('api/catalogue/:reference/pathways')
  @ApiOperation({
    summary: 'The stackability graph around a micro-credential (public), with the total ECTS of each pathway',
  })
  @ApiParam({ name: 'reference', example: 'MC-2026-0007' })
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ type: PathwaysDto })
  @ApiResponse(NOT_MODIFIED)
  @ProblemResponses(404)
  async pathways(
    @Param('reference', ReferencePipe) reference: string,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    await this.conditional(req, res, 'application/json', () => this.catalogue.pathways(reference));
  }

  @Get('sitemap.xml')
  @ApiOperation({ summary: "Sitemap of the catalogue's public pages (the web app's /catalogue pages)" })
  @ApiProduces('application/xml')
  @ApiHeader(IF_NONE_MATCH)
  @ApiOkResponse({ description: 'sitemaps.org XML' })
  @ApiResponse(NOT_MODIFIED)
  async sitemap(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    await this.conditional(req, res, 'application/xml', async () => {
      const origin = this.origin;
      const entries = await this.catalogue.sitemapEntries();
      const url = (loc: string, lastmod?: Date) =>
        `  <url><loc>${xml(loc)}</loc>${lastmod ? `<lastmod>${lastmod.toISOString()}</lastmod>` : ''}</url>`;
      return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        url(`${origin}/catalogue`),
        ...entries.map((e) => url(`${origin}/catalogue/${e.reference}`, e.publishedAt)),
        '</urlset>',
        '',
      ].join('\n');
    });
  }
}

function xml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
