import type { FastifyInstance } from "fastify";

type Job = () => Promise<unknown>;
export type Every = (ms: number, job: Job) => void;

/**
 * Every module's periodic jobs (holds expiring, games closing, the outbox relay…). A module starts its own on the
 * app's onReady hook and stops them on onClose; shutdown also stops all of them first of all, before anything a job
 * uses goes away. Off (`sweepers: false`), none starts: tests call the same functions by hand with a manual clock.
 */
export class Sweepers {
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Jobs running now: shutdown waits for them, so none finds the database closed under it. */
  readonly #running = new Set<Promise<unknown>>();

  constructor(private readonly opts: { enabled: boolean; onError(err: unknown): void }) {}

  /** Runs `start` when the app is ready (only with sweepers on); the timers it starts with `every` stop on close. */
  install(app: FastifyInstance, start: (every: Every) => Promise<void> | void): void {
    const mine: NodeJS.Timeout[] = [];
    app.addHook("onReady", async () => {
      if (!this.opts.enabled) return;
      await start((ms, job) => mine.push(this.#start(ms, () => this.#run(job))));
    });
    app.addHook("onClose", async () => this.#stop(mine));
  }

  /** A timer that runs with sweepers off too: it moves nothing a test steps through (a studio's stats refresh). */
  always(app: FastifyInstance, ms: number, tick: () => void): void {
    const mine: NodeJS.Timeout[] = [];
    app.addHook("onReady", async () => void mine.push(this.#start(ms, tick)));
    app.addHook("onClose", async () => this.#stop(mine));
  }

  /** Every module's timers at once, then the jobs already running: the first step of shutdown. */
  async stop(): Promise<void> {
    this.#stop([...this.#timers]);
    await Promise.allSettled([...this.#running]);
  }

  #run(job: Job): void {
    const running = job()
      .catch((err) => this.opts.onError(err))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  #start(ms: number, tick: () => void): NodeJS.Timeout {
    const t = setInterval(tick, ms);
    t.unref();
    this.#timers.add(t);
    return t;
  }

  #stop(timers: NodeJS.Timeout[]): void {
    for (const t of timers) {
      clearInterval(t);
      this.#timers.delete(t);
    }
  }
}
