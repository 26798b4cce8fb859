// A LeaseGuard for tests: hold, lose or hand over the lease at any point, including in the middle of an apply.
import { ControllerError } from '../runtime/controller.js';
import type { FencingToken, LeaseGuard } from '../runtime/lease/fencing.js';

export class FakeLeaseGuard implements LeaseGuard {
  private token?: FencingToken;
  /** Successful assertHeld calls left before the lease is lost; undefined: never lost on its own. */
  private remaining?: number;
  /** Every assertHeld call, held or not. */
  checks = 0;

  constructor(
    readonly scope: string,
    token?: { holder: string; epoch: number },
  ) {
    if (token) this.hold(token.holder, token.epoch);
  }

  hold(holder: string, epoch: number): FencingToken {
    this.token = { scope: this.scope, holder, epoch, version: epoch };
    this.remaining = undefined;
    return this.token;
  }

  lose(): void {
    this.token = undefined;
    this.remaining = undefined;
  }

  /** The lease survives `checks` more assertHeld calls, then is lost: simulates expiry during an await. */
  loseAfter(checks: number): void {
    this.remaining = checks;
  }

  assertHeld(): FencingToken {
    this.checks += 1;
    if (this.remaining !== undefined) {
      if (this.remaining === 0) this.lose();
      else this.remaining -= 1;
    }
    if (!this.token) throw new ControllerError('LeaseLost', `this instance does not hold the ${this.scope} lease`);
    return this.token;
  }
}
