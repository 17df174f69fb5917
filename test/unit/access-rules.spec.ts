import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { accessRulesOf } from '../../src/auth/access-rules.js';
import { AdminOf, AnonymousAllowed, Public, Roles } from '../../src/auth/decorators.js';

@Roles('reviewer')
class Reviews {
  list(): void {}

  @Roles('admin')
  @AdminOf('institutionId')
  settle(): void {}

  @AnonymousAllowed()
  peek(): void {}
}

class Open {
  @Public()
  health(): void {}
}

const ctx = (cls: object, handler: object) =>
  ({ getClass: () => cls, getHandler: () => handler }) as unknown as ExecutionContext;

describe('route access rules', () => {
  const reflector = new Reflector();

  it('take the handler’s decorators over its controller’s, for each handler of a class on its own', () => {
    const list = accessRulesOf(reflector, ctx(Reviews, Reviews.prototype.list));
    const settle = accessRulesOf(reflector, ctx(Reviews, Reviews.prototype.settle));
    const peek = accessRulesOf(reflector, ctx(Reviews, Reviews.prototype.peek));
    expect(list).toMatchObject({ roles: ['reviewer'], adminOfParam: undefined, isPublic: false });
    expect(settle).toMatchObject({ roles: ['admin'], adminOfParam: 'institutionId' });
    // Open to anonymous callers means open to accounts waiting for roles too.
    expect(peek).toMatchObject({ anonymousAllowed: true, withoutRoles: true });
    expect(accessRulesOf(reflector, ctx(Open, Open.prototype.health)).isPublic).toBe(true);
  });

  it('are read once per handler and then remembered', () => {
    const first = accessRulesOf(reflector, ctx(Reviews, Reviews.prototype.list));
    let reads = 0;
    const counting = new Reflector();
    const original = counting.getAllAndOverride.bind(counting);
    counting.getAllAndOverride = ((...args: Parameters<Reflector['getAllAndOverride']>) => {
      reads++;
      return original(...args);
    }) as Reflector['getAllAndOverride'];
    expect(accessRulesOf(counting, ctx(Reviews, Reviews.prototype.list))).toBe(first);
    expect(reads).toBe(0);
  });
});
