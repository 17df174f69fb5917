import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { AllowWithoutRoles, CurrentUser, Roles } from '../auth/decorators.js';
import { ProblemResponses } from '../common/openapi.js';
import { ReqMeta, type RequestMeta } from '../common/request-meta.js';
import { CreateUserDto, ListUsersQueryDto, MeDto, UserDto, UserPageDto } from './user.dto.js';
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
  })
  @ApiOkResponse({ type: UserPageDto })
  @ProblemResponses(403)
  list(@CurrentUser() user: AuthUser, @Query() q: ListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(user, q);
  }
}
