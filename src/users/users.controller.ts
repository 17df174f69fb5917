import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { notFound } from '../common/domain-error.js';
import { AllowWithoutRoles, CurrentUser, Roles } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import {
  ChangePasswordDto,
  ColleaguesDto,
  ColleaguesQueryDto,
  ResetPasswordDto,
  CreateUserDto,
  ListUsersQueryDto,
  MeDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
} from './user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @AllowWithoutRoles()
  @ApiOperation({ summary: 'The caller: user, institution and roles' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.users.me(user);
  }

  @Delete('me/other-sessions')
  @AllowWithoutRoles()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Sign out everywhere else: every token of the caller but this one answers 401 from its next request on',
    description:
      'For a lost or shared computer. The calling session goes on; an entry SIGN_OUT_ELSEWHERE goes to the audit log of the caller’s institution. (An addition to the contract.)',
  })
  @ApiNoContentResponse({ description: 'Every other session is signed out' })
  async endOtherSessions(@CurrentUser() user: AuthUser, @ReqMeta() meta: RequestMeta): Promise<void> {
    await this.users.endOtherSessions(user, meta);
  }

  @Get('me/colleagues')
  @ApiOperation({
    summary: 'Open accounts of your own institution, by name (to pick a deputy)',
    description:
      'Any signed-in user with a role: id, display name, e-mail and roles of the other open accounts of the ' +
      'caller’s institution, ordered by name. `q` keeps those whose name or e-mail contains it.',
  })
  @ApiOkResponse({ type: ColleaguesDto })
  @ProblemResponses(400, 403)
  colleagues(@CurrentUser() user: AuthUser, @Query() q: ColleaguesQueryDto): Promise<ColleaguesDto> {
    return this.users.colleagues(user, q);
  }

  @Post('users')
  @Roles('admin')
  @ApiOperation({
    summary: 'Create a user',
    description:
      'An institution admin creates users of its own institution; an alliance admin (4euplus) creates any.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ProblemResponses(403, 409)
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateUserDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserDto> {
    return this.users.create(user, dto, meta);
  }

  @Get('users')
  @Roles('admin')
  @ApiOperation({
    summary: 'List users: own institution; alliance admins see all (optionally one institution)',
    description:
      'Filters combine: `role`, `active`, `withoutRoles`, `q` (part of the display name or e-mail, any case). Oldest first, keyset-paged.',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ProblemResponses(400, 403)
  list(@CurrentUser() user: AuthUser, @Query() q: ListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(user, q);
  }

  @Get('users/:id')
  @Roles('admin')
  @ApiOperation({
    summary: 'One user (admin of their institution, alliance admin)',
    description: 'As in the list. A user of another institution answers 404, as an unknown id does.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(403, 404)
  get(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => notFound('User') })) id: string,
  ): Promise<UserDto> {
    return this.users.get(user, id);
  }

  @Patch('users/:id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Change a user: display name, roles, active',
    description:
      'Admin of the user’s institution, or alliance admin. `active: false` closes the account: login answers 401 ' +
      'and every token of the user 401 on its next request. Role changes apply on the next request. The last ' +
      'active admin of an institution cannot be deactivated or lose `admin`, and nobody deactivates themselves (409).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(400, 403, 404, 409)
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => notFound('User') })) id: string,
    @Body() dto: UpdateUserDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserDto> {
    return this.users.update(user, id, dto, meta);
  }

  @Post('users/:id/password')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password for a user (admin of their institution, alliance admin)',
    description:
      "For a user who forgot their password or is locked out: every token the user holds stops working, and the account's login lock is lifted. Audited as PASSWORD_RESET (never the password). Your own password: POST /api/me/password (409 here).",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Set' })
  @ProblemResponses(400, 403, 404, 409)
  resetPassword(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => notFound('User') })) id: string,
    @Body() dto: ResetPasswordDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.users.resetPassword(user, id, dto, meta);
  }

  @Post('me/password')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change your password',
    description:
      'Every other token of the caller stops working; the token used for this call keeps working. ' +
      'A wrong `currentPassword` answers 400 naming that field.',
  })
  @ApiNoContentResponse({ description: 'Changed' })
  @ProblemResponses(400, 409)
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body() dto: ChangePasswordDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.users.changePassword(user, dto, meta);
  }
}
