import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountCache } from '../auth/account-cache.js';
import { PasswordService } from './password.service.js';
import { User } from './user.entity.js';
import { UsersBootstrap } from './users.bootstrap.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  controllers: [UsersController],
  providers: [UsersService, PasswordService, UsersBootstrap, AccountCache],
  exports: [UsersService, PasswordService, AccountCache],
})
export class UsersModule {}
