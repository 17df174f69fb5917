import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ProblemResponses } from '../common/openapi.js';
import { LoginDto, TokenDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import { Public } from './decorators.js';
import { LoginThrottlerGuard, type CountedHit } from './login-throttler.guard.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @UseGuards(LoginThrottlerGuard)
  @ApiOperation({ summary: 'Exchange e-mail and password for a bearer access token' })
  @ApiOkResponse({ type: TokenDto })
  @ApiUnauthorizedResponse({ description: 'Unknown e-mail or wrong password (the same answer for both)' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or from this IP' })
  @ProblemResponses(400)
  login(@Body() dto: LoginDto, @Req() req: Request & { loginHits?: CountedHit[] }): Promise<TokenDto> {
    return this.auth.login(dto.email, dto.password, req.loginHits);
  }
}
