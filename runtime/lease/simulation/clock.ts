/**
 * A node's monotonic clock: local = origin + rate × real. Origins differ by hours (the core must never compare two
 * nodes' clocks) and rates by up to ρ, the drift bound the safety argument assumes.
 */
export class LocalClock {
  constructor(
    private readonly origin: number,
    readonly rate: number,
  ) {}

  /** A clock that reads `localAtStart` at real time `realStart`: a process started then (performance.now()). */
  static startingAt(realStart: number, localAtStart: number, rate: number): LocalClock {
    return new LocalClock(localAtStart - rate * realStart, rate);
  }

  local(real: number): number {
    return this.origin + this.rate * real;
  }

  /** The earliest representable real time at which the clock reads `at` or later (timers never fire early). */
  realAt(at: number): number {
    let real = (at - this.origin) / this.rate;
    while (this.local(real) < at) real += Math.max(Math.abs(real) * Number.EPSILON, Number.MIN_VALUE);
    return real;
  }
}
