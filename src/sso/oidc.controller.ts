import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/decorators.js';
import { setSessionCookie } from '../auth/session-cookie.js';
import { DomainError } from '../common/domain-error.js';
import { ProblemResponses } from '../common/openapi.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import { readCookie, TRANSACTION_COOKIE, TRANSACTION_TTL_SECONDS } from './oidc-transaction.js';
import { OidcService, SignInRefused } from './oidc.service.js';

export class OidcConfigDto {
  @ApiProperty({ description: 'Whether "Sign in with your university" is offered' }) enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '/api/auth/oidc/login' }) loginUrl!: string | null;
}

/** Where the web application explains a refused sign-in (`reason` is one of SignInRefused's reasons). */
export const REFUSED_PAGE = '/sign-in-refused';
const TX_PATH = '/api/auth/oidc';

/** University sign-in through OpenID Connect (DESIGN.md 10.5). Browser navigations, so answers are redirects. */
@ApiTags('auth')
@Controller('api/auth/oidc')
export class OidcController {
  constructor(private readonly oidc: OidcService) {}

  @Get('config')
  @Public()
  @ApiOperation({
    summary: 'Whether university sign-in is configured (the web app shows its button when it is)',
  })
  @ApiOkResponse({ type: OidcConfigDto })
  config(): OidcConfigDto {
    return { enabled: this.oidc.enabled, loginUrl: this.oidc.enabled ? `${TX_PATH}/login` : null };
  }

  @Get('login')
  @Public()
  @ApiOperation({
    summary: 'Start a university sign-in: redirects to the identity provider (PKCE S256, state, nonce)',
  })
  @ApiResponse({ status: 302, description: 'To the provider; the sign-in transaction is kept in a cookie' })
  @ApiResponse({ status: 303, description: `To ${REFUSED_PAGE}?reason=provider-unavailable` })
  @ProblemResponses(404, 503)
  async login(@Res() res: FastifyReply): Promise<void> {
    this.ensureEnabled();
    try {
      const { url, sealed } = await this.oidc.start();
      // Lax, not Strict: the provider's redirect back to the callback is a cross-site navigation.
      res.setCookie(TRANSACTION_COOKIE, sealed, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.oidc.secureCookies,
        path: TX_PATH,
        maxAge: TRANSACTION_TTL_SECONDS,
        expires: new Date(Date.now() + TRANSACTION_TTL_SECONDS * 1000),
      });
      res.redirect(url, 302);
    } catch (e) {
      this.refuse(res, e);
    }
  }

  @Get('callback')
  @Public()
  @ApiOperation({
    summary: 'The provider returns here: signs the browser in (session cookie) and redirects to /',
    description: `Registered at the provider as \${PUBLIC_URL}/api/auth/oidc/callback. A refused sign-in redirects to ${REFUSED_PAGE}?reason=… (sign-in-expired, state-mismatch, provider-error, token-rejected, provider-unavailable, missing-claims, email-not-verified, unknown-organisation, account-closed).`,
  })
  @ApiResponse({ status: 303, description: 'To / when signed in, else to the refusal page' })
  @ProblemResponses(404, 503)
  async callback(
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    this.ensureEnabled();
    const sealed = readCookie(req.headers.cookie, TRANSACTION_COOKIE);
    // The transaction is single-use whatever happens next.
    res.clearCookie(TRANSACTION_COOKIE, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.oidc.secureCookies,
      path: TX_PATH,
    });
    try {
      const signedIn = await this.oidc.finish(req.url, sealed, meta);
      setSessionCookie(res, signedIn.token, signedIn.expiresIn, this.oidc.secureCookies);
      res.redirect('/', 303);
    } catch (e) {
      this.refuse(res, e);
    }
  }

  private ensureEnabled(): void {
    if (!this.oidc.enabled)
      throw new DomainError('not-found', 'University sign-in is not configured (OIDC_ISSUER is unset)');
  }

  private refuse(res: FastifyReply, e: unknown): void {
    if (!(e instanceof SignInRefused)) throw e;
    res.redirect(`${REFUSED_PAGE}?reason=${e.reason}`, 303);
  }
}
