// Time is injected: services never call Date.now() so countdowns and expiry are testable without sleeping.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ManualClock implements Clock {
  #t: number;
  constructor(start: Date | string | number = "2026-01-01T10:00:00Z") {
    this.#t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#t);
  }
  advance(ms: number): void {
    this.#t += ms;
  }
  set(t: Date | string | number): void {
    this.#t = new Date(t).getTime();
  }
}
