import type { FastifyBaseLogger } from "fastify";
import type { StageLayout } from "../../protocol/api.js";
import type { WhipPeerOptions, WhipSession, WhipSessions } from "../media/index.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { type Compositor, startCompositor } from "./compositor.js";
import { answerFeedOffer, type StageFeed } from "./forward.js";
import type { StageParticipant } from "./service.js";

export interface StageMediaDeps {
  ffmpegPath: string;
  /** Where the program is published: the show's own RTMP ingest on loopback with its stream key. */
  publishUrl(showId: string): Promise<string>;
  /** Who is on stage (host first) and the layout, read fresh at each change. */
  onStage(showId: string): Promise<StageParticipant[]>;
  layout(showId: string): Promise<StageLayout>;
  /** A participant's publish ended (they closed the page, ICE failed): the stage moves them off. */
  left(participantId: string): Promise<void>;
  peer: WhipPeerOptions;
  /**
   * The node's WHIP registry: stage publishes are sessions there like the host's own WHIP (same timeouts), and the
   * stage host's is a program session, so the one-publisher rule sees it.
   */
  sessions: WhipSessions;
  log: FastifyBaseLogger;
}

interface Publish {
  resourceId: string;
  showId: string;
  participantId: string;
  role: StageParticipant["role"];
  session: WhipSession;
}

// A stage publish has no consumer of its own (feeds and the compositor read the peer): nothing to stop, never exits.
const NO_SINK = { stop: async () => undefined, exited: new Promise<never>(() => undefined) };

interface Program {
  compositor: Compositor | null;
  /** The participants (ids, in input order) the running compositor was started with. */
  key: string;
  /** Changes run one after another per show (a restart must finish before the next one starts). */
  queue: Promise<void>;
}

/**
 * The stage's media: each participant's WHIP publish (werift), the feeds that forward one participant to another
 * (forward.ts), and the program compositor (compositor.ts), which runs while the host publishes to the stage.
 */
export class StageMedia {
  readonly #publishes = new Map<string, Publish>();
  readonly #feeds = new Set<StageFeed>();
  readonly #programs = new Map<string, Program>();
  #stopped = false;
  constructor(private readonly deps: StageMediaDeps) {}

  /**
   * Answers a participant's WHIP offer; a second publish by the same participant replaces the first. `refuse` runs
   * right before the session is registered, with no await in between (the host's publish: throw already_publishing
   * when the show has another publisher).
   */
  async publish(p: StageParticipant, offer: string, refuse?: () => void): Promise<{ answer: string; resourceId: string }> {
    const previous = this.#publishes.get(p.id);
    const resourceId = randomId("stw");
    refuse?.();
    const { answer } = await this.deps.sessions.open({
      showId: p.showId,
      role: `stage_${p.role}`,
      program: p.role === "host",
      offer,
      attach: async (_peer, session) => {
        this.#publishes.set(p.id, { resourceId, showId: p.showId, participantId: p.id, role: p.role, session });
        return NO_SINK;
      },
      onEnded: (reason) => {
        // Only the participant's current publish moves them off (a replaced one ends quietly); a server shutting down
        // leaves the stage as it was.
        if (this.#publishes.get(p.id)?.resourceId !== resourceId) return;
        this.#publishes.delete(p.id);
        if (this.#stopped || reason === "shutdown") return;
        void this.deps
          .left(p.id)
          .catch((err) => this.deps.log.warn({ err, participantId: p.id }, "stage leave failed"))
          .finally(() => this.sync(p.showId));
      },
    });
    if (previous) await previous.session.end("deleted");
    this.sync(p.showId);
    return { answer, resourceId };
  }

  /** The participant's publish by its WHIP resource id (DELETE), or null. */
  publishOf(participantId: string): { resourceId: string } | null {
    const x = this.#publishes.get(participantId);
    return x ? { resourceId: x.resourceId } : null;
  }

  async unpublish(participantId: string): Promise<void> {
    await this.#publishes.get(participantId)?.session.end("deleted");
  }

  /** Forwards `targetId`'s camera and microphone to whoever sent this receive-only offer. */
  async feed(showId: string, targetId: string, offer: string): Promise<string> {
    const source = this.#publishes.get(targetId);
    if (!source || source.showId !== showId) throw new AppError("stage_not_ready", "This participant has no camera connected right now.");
    const feed = await answerFeedOffer(offer, source.session.peer, this.deps.peer);
    this.#feeds.add(feed);
    feed.onClosed(() => this.#feeds.delete(feed));
    return feed.answer;
  }

  /** Shows with a publish or a running program on this node. */
  shows(): Set<string> {
    const out = new Set<string>();
    for (const p of this.#publishes.values()) out.add(p.showId);
    for (const [showId, program] of this.#programs) if (program.compositor) out.add(showId);
    return out;
  }

  publishing(participantId: string): boolean {
    return this.#publishes.has(participantId);
  }

  composing(showId: string): boolean {
    return this.#programs.get(showId)?.compositor != null;
  }

  /** The running compositor's process id (tests: a layout switch must not restart it). */
  compositorPid(showId: string): number | undefined {
    return this.#programs.get(showId)?.compositor?.run.pid;
  }

  /** Packets received from a participant so far (tests and the studio's health). */
  stats(participantId: string): { audioPackets: number; videoPackets: number } | null {
    return this.#publishes.get(participantId)?.session.peer.stats() ?? null;
  }

  /**
   * Brings the program in line with the stage: no compositor without the host's publish; the same participants keep
   * the running ffmpeg (layout and mutes are commands to it); different participants restart it.
   */
  sync(showId: string): void {
    const program = this.#programs.get(showId) ?? { compositor: null, key: "", queue: Promise.resolve() };
    this.#programs.set(showId, program);
    program.queue = program.queue.then(() => this.#apply(showId, program)).catch((err) => this.deps.log.error({ err, showId }, "stage program change failed"));
  }

  async #apply(showId: string, program: Program): Promise<void> {
    if (this.#stopped) return;
    const [onStage, layout] = await Promise.all([this.deps.onStage(showId), this.deps.layout(showId)]);
    const inputs = onStage
      .filter((p) => this.#publishes.has(p.id))
      .map((p) => ({ id: p.id, muted: p.muted, role: p.role, peer: this.#publishes.get(p.id)!.session.peer }));
    const hostIn = inputs[0]?.role === "host";
    const key = hostIn ? inputs.map((x) => x.id).join(",") : "";
    if (key === program.key && program.compositor && !program.compositor.run.hasExited()) {
      program.compositor.setLayout(layout);
      for (const x of inputs) program.compositor.setMuted(x.id, x.muted);
      return;
    }
    const running = program.compositor;
    // Cleared first: the exit watcher below must not take this stop for a crash.
    program.compositor = null;
    if (running) {
      const started = Date.now();
      await running.stop();
      this.deps.log.info({ showId, stopMs: Date.now() - started }, "stage program stopped");
    }
    program.key = key;
    if (!key) return;
    program.compositor = await startCompositor({ ffmpegPath: this.deps.ffmpegPath, publishUrl: await this.deps.publishUrl(showId), inputs, layout });
    const compositor = program.compositor;
    this.deps.log.info({ showId, inputs: inputs.length, layout }, "stage program started");
    void compositor.run.exited.then((exit) => {
      if (program.compositor !== compositor || this.#stopped) return;
      // Died on its own (an input's codec changed, the ingest refused it): start again from the stage's state.
      this.deps.log.warn({ showId, exit, stderr: compositor.run.stderrTail() }, "stage program exited; restarting");
      program.key = "";
      program.compositor = null;
      setTimeout(() => this.sync(showId), 1_000).unref();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#programs.values()].map((p) => p.queue.then(() => p.compositor?.stop())));
    await Promise.all([...this.#feeds].map((f) => f.close().catch(() => undefined)));
    await Promise.all([...this.#publishes.values()].map((p) => p.session.end("shutdown")));
  }
}
