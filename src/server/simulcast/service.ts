import type { FastifyBaseLogger } from "fastify";
import type { CreateDestinationBody, DestinationStatus, DestinationView } from "../../protocol/api.js";
import type { Db } from "../db/index.js";
import { spawnFfmpeg, stopGracefully, type FfmpegRun } from "../platform/ffmpeg-process.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, redact } from "../platform/ids.js";
import { checkedAddressOf, hostOfUrl, type ResolveHost } from "../platform/public-address.js";
import type { SecretBox } from "./secret-box.js";
import { DestinationStore, type DestinationRow } from "./store.js";
import { assertPublicRtmpHost } from "./destination-host.js";
import { openPinnedBridge } from "./pinned-bridge.js";

export interface SimulcastDeps {
  db: Db;
  clock: Clock;
  box: SecretBox;
  ffmpegPath: string;
  log: FastifyBaseLogger;
  /** Loopback pull URL of a live show on our ingest, null when not live. */
  playUrl(showId: string): string | null;
  /** Is the show on air (live, or inside the reconnect grace period)? */
  isLive(showId: string): boolean;
  /** Allow destinations on loopback/private networks (SSRF guard off). */
  allowInternalHosts?: boolean;
  /** DNS for destination hosts (a stand-in in tests); checked and pinned before every connect. */
  resolveHost?: ResolveHost;
  /** Restart delays after a relay fails; the last one repeats. */
  backoffMs?: number[];
}

const DEFAULT_BACKOFF_MS = [2000, 4000, 8000, 16_000, 30_000];
// ffmpeg says nothing when a push is established; one still running after this long is treated as live.
const LIVE_AFTER_MS = 3000;
// A relay that ran this long was healthy: its next failure starts the backoff from the beginning.
const HEALTHY_RUN_MS = 30_000;
const MAX_DESTINATIONS = 10;

/** `tcUrl` is the destination's own URL: ffmpeg connects to our pinned bridge, the service must see its real name. */
export function relayArgs(inputUrl: string, targetUrl: string, tcUrl: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "warning",
    "-rw_timeout",
    "5000000",
    "-i",
    inputUrl,
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    // Restream what the host sends, untouched: no CPU per destination.
    "-c",
    "copy",
    "-f",
    "flv",
    "-rtmp_tcurl",
    tcUrl,
    targetUrl,
  ];
}

export function publishUrl(url: string, key: string): string {
  return `${url.replace(/\/+$/, "")}/${key}`;
}

interface Relay {
  destinationId: string;
  showId: string;
  status: DestinationStatus;
  lastError: string | null;
  run: FfmpegRun | null;
  timer: NodeJS.Timeout | null;
  failures: number;
  stopped: boolean;
}

/**
 * Simulcast: while a show is live, one ffmpeg per enabled destination pulls the show from our ingest and pushes it
 * with `-c copy` to the destination's RTMP URL + stream key, restarting with backoff when it fails.
 */
export class SimulcastService {
  readonly #d: SimulcastDeps;
  readonly #store: DestinationStore;
  // destinationId → relay, for shows on air
  readonly #relays = new Map<string, Relay>();
  // Last state of relays that ended, so the studio still sees why a push failed.
  readonly #last = new Map<string, { status: DestinationStatus; lastError: string | null }>();
  #stopped = false;

  constructor(deps: SimulcastDeps) {
    this.#d = deps;
    this.#store = new DestinationStore(deps.db);
  }

  async list(showId: string): Promise<DestinationView[]> {
    return (await this.#store.byShow(showId)).map((r) => this.#view(r));
  }

  async create(showId: string, body: CreateDestinationBody): Promise<DestinationView> {
    const existing = await this.#store.byShow(showId);
    if (existing.length >= MAX_DESTINATIONS) throw new AppError("conflict", `At most ${MAX_DESTINATIONS} destinations per show.`);
    await assertPublicRtmpHost(body.url, this.#d.allowInternalHosts ?? false, this.#d.resolveHost);
    const id = randomId("dst");
    const row: DestinationRow = {
      id,
      showId,
      name: body.name,
      url: body.url.replace(/\/+$/, ""),
      // Bound to this destination: a sealed key copied onto another row does not open.
      streamKeyEnc: this.#d.box.seal(body.streamKey, id),
      streamKeyHint: redact(body.streamKey),
      enabled: body.enabled ?? true,
      createdAt: this.#d.clock.now(),
    };
    await this.#store.insert(row);
    if (row.enabled && this.#d.isLive(showId)) this.#startRelay(row);
    return this.#view(row);
  }

  async remove(showId: string, id: string): Promise<void> {
    if (!(await this.#store.remove(showId, id))) throw new AppError("not_found", "No such destination.");
    await this.#stopRelay(id);
    this.#last.delete(id);
  }

  async setEnabled(showId: string, id: string, enabled: boolean): Promise<DestinationView> {
    if (!(await this.#store.setEnabled(showId, id, enabled))) throw new AppError("not_found", "No such destination.");
    const row = (await this.#store.get(showId, id))!;
    if (!enabled) await this.#stopRelay(id);
    else if (this.#d.isLive(showId) && !this.#relays.has(id)) this.#startRelay(row);
    return this.#view(row);
  }

  /** The show went live: start a relay per enabled destination. */
  onLive(showId: string): void {
    if (this.#stopped) return;
    void this.#store.byShow(showId).then(
      (rows) => {
        for (const row of rows) if (row.enabled && !this.#relays.has(row.id)) this.#startRelay(row);
      },
      (err: unknown) => this.#d.log.error({ err, showId }, "simulcast: loading destinations failed"),
    );
  }

  /** The show is off air: stop its relays. */
  onOffline(showId: string): void {
    for (const relay of [...this.#relays.values()]) if (relay.showId === showId) void this.#stopRelay(relay.destinationId);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#relays.keys()].map((id) => this.#stopRelay(id)));
  }

  status(destinationId: string): { status: DestinationStatus; lastError: string | null } {
    const relay = this.#relays.get(destinationId);
    if (relay) return { status: relay.status, lastError: relay.lastError };
    return this.#last.get(destinationId) ?? { status: "idle", lastError: null };
  }

  #view(r: DestinationRow): DestinationView {
    const s = this.status(r.id);
    return {
      id: r.id,
      showId: r.showId,
      name: r.name,
      url: r.url,
      streamKeyHint: r.streamKeyHint,
      enabled: r.enabled,
      status: s.status,
      lastError: s.lastError,
      createdAt: r.createdAt.toISOString(),
    };
  }

  #startRelay(row: DestinationRow): void {
    let key: string;
    try {
      key = this.#d.box.open(row.streamKeyEnc, row.id);
    } catch {
      // SECRETS_KEY changed or secrets.key was lost: the host has to enter the key again.
      this.#last.set(row.id, { status: "error", lastError: "The stored stream key cannot be decrypted (secrets key changed); add the destination again." });
      return;
    }
    const relay: Relay = {
      destinationId: row.id,
      showId: row.showId,
      status: "connecting",
      lastError: null,
      run: null,
      timer: null,
      failures: 0,
      stopped: false,
    };
    this.#relays.set(row.id, relay);
    this.#spawn(relay, row.url, key);
  }

  #spawn(relay: Relay, url: string, key: string): void {
    if (relay.stopped) return;
    const input = this.#d.playUrl(relay.showId);
    if (!input) {
      // On air but between publishers (reconnect grace): try again shortly.
      relay.status = "connecting";
      relay.timer = setTimeout(() => this.#spawn(relay, url, key), 1000);
      return;
    }
    relay.status = "connecting";
    void this.#connect(relay, url, key, input).catch((err: unknown) => this.#retry(relay, url, key, err instanceof Error ? err.message : String(err)));
  }

  /** Checks the destination's address now (every connect: a name may resolve elsewhere since it was saved), then relays to exactly that address. */
  async #connect(relay: Relay, url: string, key: string, input: string): Promise<void> {
    const log = this.#d.log.child({ showId: relay.showId, destinationId: relay.destinationId });
    const u = new URL(url);
    const host = hostOfUrl(url);
    const address = await checkedAddressOf(host, { allowInternal: this.#d.allowInternalHosts ?? false, resolve: this.#d.resolveHost });
    if (relay.stopped) return;
    const secure = u.protocol === "rtmps:";
    const bridge = await openPinnedBridge({ address, port: Number(u.port) || (secure ? 443 : 1935), tls: secure, servername: host });
    if (relay.stopped) return bridge.close();
    const target = publishUrl(`rtmp://127.0.0.1:${bridge.port}${url.replace(/^rtmps?:\/\/[^/]+/, "")}`, key);
    const run = spawnFfmpeg(this.#d.ffmpegPath, relayArgs(input, target, url));
    relay.run = run;
    const started = performance.now();
    log.info({ pid: run.pid, target: safeTarget(publishUrl(url, key), key), address }, "simulcast relay started");
    const liveTimer = setTimeout(() => {
      if (relay.run === run && !run.hasExited()) {
        relay.status = "live";
        relay.lastError = null;
      }
    }, LIVE_AFTER_MS);
    void run.exited.then((exit) => {
      clearTimeout(liveTimer);
      bridge.close();
      relay.run = null;
      if (relay.stopped) return;
      if (performance.now() - started > HEALTHY_RUN_MS) relay.failures = 0;
      // The bridge knows why the destination could not be reached; ffmpeg only saw its socket close.
      const said = (run.stderrTail().at(-1) ?? `ffmpeg exited (${exit.code ?? exit.signal})`).split(`127.0.0.1:${bridge.port}`).join(u.host);
      this.#retry(relay, url, key, scrub(bridge.error ?? said, key), exit);
    });
  }

  /** Shows the failure as the destination's status and tries again with backoff. */
  #retry(relay: Relay, url: string, key: string, message: string, exit?: object): void {
    if (relay.stopped) return;
    const backoff = this.#d.backoffMs ?? DEFAULT_BACKOFF_MS;
    const delay = backoff[Math.min(relay.failures, backoff.length - 1)];
    relay.failures += 1;
    relay.status = "error";
    relay.lastError = message;
    this.#d.log.warn(
      { showId: relay.showId, destinationId: relay.destinationId, ...exit, restartInMs: delay, error: message },
      "simulcast relay failed; retrying",
    );
    relay.timer = setTimeout(() => this.#spawn(relay, url, key), delay);
  }

  async #stopRelay(destinationId: string): Promise<void> {
    const relay = this.#relays.get(destinationId);
    if (!relay) return;
    this.#relays.delete(destinationId);
    relay.stopped = true;
    if (relay.timer) clearTimeout(relay.timer);
    this.#last.set(destinationId, { status: relay.status === "error" ? "error" : "idle", lastError: relay.lastError });
    if (relay.run) await stopGracefully(relay.run, 3000);
  }
}

function scrub(line: string, key: string): string {
  const noKey = key ? line.split(key).join("<key>") : line;
  return noKey.replace(/([?&]token=)[^&\s]+/g, "$1<redacted>").slice(0, 300);
}

function safeTarget(target: string, key: string): string {
  return target.split(key).join(redact(key));
}
