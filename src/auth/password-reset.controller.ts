import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ProblemResponses } from '../common/openapi.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import { Public } from './decorators.js';
import {
  ConfirmPasswordResetDto,
  PasswordResetConfigDto,
  RequestPasswordResetDto,
} from './password-reset.dto.js';
import { PasswordResetService } from './password-reset.service.js';

@ApiTags('auth')
@Controller('api/auth/password-reset')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Whether a forgotten password can be reset by e-mail (the sign-in page offers it then)',
  })
  @ApiOkResponse({ type: PasswordResetConfigDto })
  settings(): PasswordResetConfigDto {
    return this.resets.settings();
  }

  @Post()
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'E-mail a password reset link',
    description:
      'Answers 202 whether or not the address has an account that signs in with a password; if it has, a ' +
      'link that works once, for PASSWORD_RESET_TTL_MS, is e-mailed to it. 404 when SMTP_URL is unset.',
  })
  @ApiAcceptedResponse({ description: 'If the address has an account, a link is on its way' })
  @ApiTooManyRequestsResponse({ description: 'Too many requests for this address or from this IP' })
  @ProblemResponses(404)
  async request(@Body() dto: RequestPasswordResetDto, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.resets.request(dto.email, meta);
  }

  @Post('confirm')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the token of an e-mailed link',
    description:
      'Every token of the user stops working and the login lock is lifted. A used, replaced or expired ' +
      'link answers 400 naming `token`.',
  })
  @ApiNoContentResponse({ description: 'The new password is set; sign in with it' })
  async confirm(@Body() dto: ConfirmPasswordResetDto, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.resets.confirm(dto.token, dto.newPassword, meta);
  }
}
