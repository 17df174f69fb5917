import { Body, Controller, Delete, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemResponses } from '../common/openapi.js';
import { AppConfig } from '../config/app-config.js';
import { LoginDto, TokenDto } from './auth.dto.js';
import { presentedToken, sessionCookieOf } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { Public } from './decorators.js';
import { LoginThrottlerGuard, type CountedHit } from './login-throttler.guard.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @UseGuards(LoginThrottlerGuard)
  @ApiOperation({ summary: 'Exchange e-mail and password for a bearer access token' })
  @ApiOkResponse({ type: TokenDto })
  @ApiUnauthorizedResponse({ description: 'Unknown e-mail or wrong password (the same answer for both)' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or from this IP' })
  @ProblemResponses(400)
  login(@Body() dto: LoginDto, @Req() req: FastifyRequest & { loginHits?: CountedHit[] }): Promise<TokenDto> {
    return this.auth.login(dto.email, dto.password, req.loginHits);
  }

  @Post('session')
  @Public()
  @HttpCode(204)
  @UseGuards(LoginThrottlerGuard)
  @ApiOperation({
    summary: 'Browser sign-in: sets the HttpOnly session cookie mc_session (the same token as login gives)',
  })
  @ApiNoContentResponse({ description: 'Signed in; the cookie is set' })
  @ApiUnauthorizedResponse({ description: 'Unknown e-mail or wrong password (the same answer for both)' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or from this IP' })
  @ProblemResponses(400)
  async createSession(
    @Body() dto: LoginDto,
    @Req() req: FastifyRequest & { loginHits?: CountedHit[] },
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<void> {
    const token = await this.auth.login(dto.email, dto.password, req.loginHits);
    setSessionCookie(res, token.accessToken, token.expiresIn, this.config.isProduction);
  }

  @Delete('session')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Sign out: revokes the tokens presented (session cookie, bearer token) and clears the cookie; other tokens of the user keep working',
    description:
      'The revoked tokens answer 401 from their next request on (in other API processes within milliseconds). Without a valid token (already signed out, expired) it only clears the cookie: still 204.',
  })
  @ApiNoContentResponse({ description: 'Signed out; the token is revoked and the cookie cleared' })
  async deleteSession(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<void> {
    // First: the browser forgets the cookie even when the revocation fails (a 503 keeps this header).
    clearSessionCookie(res, this.config.isProduction);
    await this.auth.signOut([presentedToken(req.headers).token, sessionCookieOf(req.headers.cookie)]);
  }
}
