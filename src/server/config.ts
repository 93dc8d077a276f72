import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { createRequire } from "node:module";

const bool = z.enum(["0", "1", "true", "false", "yes", "no"]).transform((v) => v === "1" || v === "true" || v === "yes");

// Every setting in one place. Environment variable names are the keys in UPPER_SNAKE_CASE (see README).
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: z.string().optional(),
  // A PGlite data-directory tarball a new embedded database starts from instead of initdb (the test suite makes one).
  PGLITE_TEMPLATE: z.string().optional(),
  // The embedded database in a worker thread: its CPU off the event loop, but every statement's answer waits for a turn
  // of that loop (off by default: orders starve behind a busy room; docs/operations.md, "PGlite in a worker thread").
  PGLITE_THREAD: bool.default(false),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  REDIS_URL: z.string().optional(),
  // Every Redis key and channel this deployment uses starts with it: deployments (or test clusters) sharing one Redis
  // keep apart by giving each its own (docs/operations.md, "Several nodes").
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,48}:$/, "1–48 letters, digits, _ . - and a final colon, e.g. shop-a:")
    .default("showcart:"),
  BUS: z.enum(["memory", "redis"]).optional(),
  RTMP_PORT: z.coerce.number().int().min(0).max(65535).default(1935),
  RTMP_HOST: z.string().default("0.0.0.0"),
  FFMPEG_PATH: z.string().optional(),
  DEMO: bool.default(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HLS_SEGMENT_SECONDS: z.coerce.number().min(1).max(10).default(2),
  HLS_LIST_SIZE: z.coerce.number().int().min(3).max(60).default(6),
  // Rendition sizes by short side (heights of a landscape source, widths of a portrait one); checked by parseLadder.
  HLS_LADDER: z
    .string()
    .regex(/^\s*\d{3,4}p?\s*(,\s*\d{3,4}p?\s*)*$/)
    .default("720,480,240"),
  HLS_PART_TARGET_SECONDS: z.coerce.number().min(0.1).max(2).default(0.3),
  // RFC 8216bis: PART-HOLD-BACK at least 2 × PART-TARGET.
  HLS_PART_HOLD_BACK_PARTS: z.coerce.number().min(2).max(10).default(2),
  RECONNECT_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(30),
  // Several nodes: this node's base URL as the other nodes reach it (they fetch its live video from there). Default:
  // http://<HOST>:<port>, or http://<hostname>:<port> when HOST is a wildcard (0.0.0.0, ::).
  NODE_URL: z.string().url().optional(),
  // Several nodes: how long an ingest node's registration of a show lives unless refreshed (every third of it; every
  // node sweeps for lapsed ones as often): a dead ingest node's shows go reconnecting within about 4/3 of this.
  LIVE_DIRECTORY_TTL_MS: z.coerce.number().int().min(300).max(60_000).default(6000),
  // Several nodes: memory for live parts and segments fetched from other nodes (each kept until evicted, LRU).
  HLS_EDGE_CACHE_MB: z.coerce.number().int().min(8).max(16_384).default(256),
  // WebRTC (WHIP ingest, WHEP playback): STUN/TURN servers the server's peer connections use, as a JSON array of
  // RTCIceServer ({ urls, username?, credential? }) or comma-separated stun:/turn: URLs. Unset: host candidates only
  // (loopback and LAN work without any).
  ICE_SERVERS: z.string().optional(),
  // Addresses announced as extra host candidates (a public address in front of 1:1 NAT), comma-separated.
  WEBRTC_PUBLIC_ADDRESSES: z.string().optional(),
  // The UDP ports WebRTC peer connections bind (one per session and address), e.g. 40000-40999 for a firewall rule;
  // unset: any free port.
  WEBRTC_PORT_RANGE: z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, "low-high, e.g. 40000-40999")
    .optional(),
  // WHEP (sub-second) viewers one node serves; beyond it POST /whep answers 503 whep_full and players use LL-HLS.
  // 0 turns WHEP off. docs/operations.md, Benchmarks, rtc-latency.
  WHEP_MAX_VIEWERS_PER_NODE: z.coerce.number().int().min(0).max(10_000).default(20),
  DEFAULT_COMMISSION_BP: z.coerce.number().int().min(0).max(10_000).default(1000),
  REALTIME_HEARTBEAT_MS: z.coerce.number().int().min(50).max(300_000).default(20_000),
  REALTIME_TICK_MS: z.coerce.number().int().min(5).max(1000).default(50),
  // Viewer chat messages per room frame; beyond it the oldest are replaced by a `chat.trimmed` marker (bounds the frame,
  // so a room that fell behind catches up instead of writing ever bigger frames). Sockets written per event-loop turn.
  REALTIME_CHAT_PER_FRAME: z.coerce.number().int().min(1).max(10_000).default(50),
  REALTIME_FLUSH_SLICE: z.coerce.number().int().min(10).max(1_000_000).default(1000),
  // …and milliseconds a slice may write for before the next turn (0: by count only). Default: 8 where every statement's
  // answer waits for a turn (PostgreSQL, PGLITE_THREAD), 0 on the embedded PGlite, whose connection is handed over
  // while a flush is sliced (db/pglite-driver.ts); docs/operations.md, "Slices by time".
  REALTIME_FLUSH_SLICE_MS: z.coerce.number().min(0).max(1000).optional(),
  // permessage-deflate for WebSocket frames, compressed once per batch for every socket (src/server/realtime/deflate.ts).
  REALTIME_DEFLATE: bool.default(true),
  // Chat messages per client address per 10 s (0: off); loose because offices and carriers share addresses.
  CHAT_IP_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(100),
  // How long a node keeps a session it read (0: read it on every request). Sign-out and password resets reach every
  // node through the bus; a node that misses that message stops honouring the session after this long at worst.
  SESSION_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(5),
  // Orders and holds placed per minute (0: off), per client address (loose: carrier NAT puts many buyers behind one)
  // and per device (the X-Device-Id a browser sends). Load tests and benches from one machine raise or turn them off.
  HOLDS_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(120),
  HOLDS_PER_DEVICE_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(20),
  // Session cookie `Secure`: on whenever PUBLIC_URL is https; COOKIE_SECURE=1 forces it (0 turns it off, e.g. plain-http trials).
  COOKIE_SECURE: bool.optional(),
  // Behind a reverse proxy: how far to trust X-Forwarded-For (Fastify's trustProxy): a hop count ("1"), or a
  // comma-separated list of proxy addresses/CIDRs ("127.0.0.1,10.0.0.0/8"). Unset: the socket's address is the client.
  TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[0-9a-fA-F:.]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/, "a hop count or a comma-separated list of addresses/CIDRs")
    .optional(),
  // Other origins allowed to send cookie-authenticated writes and open WebSockets (comma-separated https://host[:port]).
  ALLOWED_ORIGINS: z.string().optional(),
  // /metrics on the main port needs `Authorization: Bearer <METRICS_TOKEN>`; without a token it is not served there.
  METRICS_TOKEN: z.string().min(16, "at least 16 characters").optional(),
  // A separate plain-HTTP listener for /metrics only, e.g. 127.0.0.1:9464 (port 0: any free port); no token needed there.
  METRICS_LISTEN: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/, "host:port, e.g. 127.0.0.1:9464 or [::1]:9464")
    .optional(),
  // The dev mailbox (/dev/mailbox, /api/dev/mailbox) shows every email sent without SMTP: only when asked for.
  DEV_MAILBOX: bool.default(false),
  SIMULCAST_ALLOW_PRIVATE: bool.default(false),
  WEBHOOKS_ALLOW_PRIVATE: bool.default(false),
  // Web Push endpoints on loopback/private addresses (tests; a push service inside the network). Off: SSRF guard.
  PUSH_ALLOW_PRIVATE: bool.default(false),
  // VAPID `sub` (RFC 8292): how a push service reaches the operator, mailto: or https:. Default: PUBLIC_URL when it is
  // https, else MAIL_FROM's address.
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, "a mailto: address or an https: URL")
    .optional(),
  // Monthly host payouts: on the 1st (UTC) every merchant with payout settings gets one run (docs/operations.md).
  PAYOUTS_MONTHLY: bool.default(true),
  // Analytics (src/server/analytics): recording on or off, how often what gathered in memory is written, and how many
  // days events, rollups and viewer samples are kept (0: forever). docs/operations.md, "Analytics".
  ANALYTICS: bool.default(true),
  ANALYTICS_FLUSH_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(730),
  // Days an outbox row (an email, a webhook delivery, a domain event) is kept once delivered or given up, and a webhook
  // delivery log entry after its attempt; 0: forever. A delivery can be retried from the log while its row is kept.
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  // How often every node looks for notices due (a show starting within 15 minutes, a show gone live).
  NOTICES_SWEEP_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  CART_HOLD_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("Showcart <no-reply@showcart.local>"),
  RECORDING_SEGMENT_SECONDS: z.coerce.number().min(2).max(6).default(4),
  PREVIEW_SECONDS: z.coerce.number().min(3).max(15).default(12),
  RECORDINGS: bool.default(true),
  RECORDING_MAX_MINUTES: z.coerce
    .number()
    .min(1)
    .max(24 * 60)
    .default(240),
  // Where finished recordings live: this node's disk (DATA_DIR/media), or S3-compatible object storage that every
  // node reads replays from (docs/operations.md, Deployment).
  RECORDINGS_STORAGE: z.enum(["local", "s3"]).default("local"),
  S3_BUCKET: z.string().min(3).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  // An S3-compatible service (MinIO, R2, Ceph…); unset: AWS.
  S3_ENDPOINT: z.string().url().optional(),
  // Path-style URLs (endpoint/bucket/key); default: on with S3_ENDPOINT, off for AWS.
  S3_FORCE_PATH_STYLE: bool.optional(),
  // Both or neither; neither: the AWS SDK's default chain (environment, shared files, instance/task role).
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, "empty, or folder names each ending in / (e.g. showcart/)")
    .default(""),
  SECRETS_KEY: z.string().optional(),
  // Payments: the built-in test provider (no network) unless PAYMENT_PROVIDER=stripe with a secret key.
  PAYMENT_PROVIDER: z.enum(["test", "stripe"]).default("test"),
  // The test provider answers each charge this much later, as a provider across the network would (benches: 100).
  PAYMENT_TEST_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  // Stripe.js in the browser checkout (pk_live_… / pk_test_…); public, unlike the secret key.
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_(test|live)_[A-Za-z0-9]+$/, "a Stripe publishable key (pk_test_… or pk_live_…)")
    .optional(),
  // Another Stripe API origin (tests: a local server playing recorded responses).
  STRIPE_API_BASE: z.string().url().optional(),
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(20_000),
  // Where the bank's 3-D Secure page sends the buyer back, `{orderId}` filled in; without it Stripe.js handles it in place.
  STRIPE_RETURN_URL: z.string().url().optional(),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  /** COOKIE_SECURE, else whether PUBLIC_URL is https. */
  cookieSecure: boolean;
  /** TRUST_PROXY as Fastify takes it: a hop count, a list of addresses/CIDRs, or false. */
  trustProxy: number | string[] | false;
  /** Origins that may send cookie-authenticated writes besides the request's own: PUBLIC_URL's and ALLOWED_ORIGINS. */
  allowedOrigins: string[];
  dataDir: string;
  mediaDir: string;
  ffmpegPath: string;
  /** Where ffmpegPath came from, for the start log: FFMPEG_PATH, the npm package for this platform, or PATH. */
  ffmpegSource: string;
  /** WEBRTC_PORT_RANGE parsed, or null. */
  webrtcPortRange: [number, number] | null;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${issues}`);
  }
  const raw = parsed.data;
  if (raw.RECORDINGS_STORAGE === "s3" && !raw.S3_BUCKET) throw new Error("Invalid configuration: RECORDINGS_STORAGE=s3 needs S3_BUCKET");
  if (!raw.S3_ACCESS_KEY_ID !== !raw.S3_SECRET_ACCESS_KEY) {
    throw new Error("Invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (or neither: the AWS SDK's default chain)");
  }
  const dataDir = path.resolve(raw.DATA_DIR);
  const publicOrigin = raw.PUBLIC_URL ? new URL(raw.PUBLIC_URL).origin : null;
  const allowedOrigins = [
    publicOrigin,
    ...(raw.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean)
      .map(originOf),
  ].filter((o): o is string => !!o);
  const ffmpeg = chooseFfmpeg({ FFMPEG_PATH: raw.FFMPEG_PATH, PATH: env.PATH });
  return {
    ...raw,
    cookieSecure: raw.COOKIE_SECURE ?? publicOrigin?.startsWith("https:") ?? false,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    allowedOrigins: [...new Set(allowedOrigins)],
    dataDir,
    mediaDir: path.join(dataDir, "media"),
    ffmpegPath: ffmpeg.path,
    ffmpegSource: ffmpeg.source,
    webrtcPortRange: parsePortRange(raw.WEBRTC_PORT_RANGE),
  };
}

function parsePortRange(raw: string | undefined): [number, number] | null {
  if (!raw) return null;
  const [low, high] = raw.split("-").map(Number) as [number, number];
  if (low < 1024 || high > 65535 || low > high) throw new Error("Invalid configuration: WEBRTC_PORT_RANGE: low-high within 1024-65535, low ≤ high");
  return [low, high];
}

function originOf(raw: string): string {
  try {
    return new URL(raw).origin;
  } catch {
    throw new Error(`Invalid configuration: ALLOWED_ORIGINS: ${raw} is not an origin (https://host[:port])`);
  }
}

function parseTrustProxy(raw: string | undefined): number | string[] | false {
  if (!raw) return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

const require = createRequire(import.meta.url);

export interface FfmpegChoice {
  path: string;
  /** "FFMPEG_PATH", "npm @ffmpeg-installer/<platform>-<arch>" or "PATH". */
  source: string;
}

/**
 * The binary inside the npm package built for this platform (`@ffmpeg-installer/ffmpeg`'s optional packages, or
 * `@ffprobe-installer/ffprobe`'s): shipped in the package, nothing downloaded. Null where npm installed none
 * (an unsupported platform, or `npm ci --omit=optional`).
 */
function npmBinary(scope: "@ffmpeg-installer" | "@ffprobe-installer", name: string, platform: string, arch: string): { path: string; pkg: string } | null {
  const pkg = `${scope}/${platform}-${arch}`;
  try {
    const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), platform === "win32" ? `${name}.exe` : name);
    return fs.existsSync(file) ? { path: file, pkg } : null;
  } catch {
    return null;
  }
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Which ffmpeg runs the transcoders, recorders and relays, decided once at start: FFMPEG_PATH when set (it must be an
 * executable file), else the npm-shipped binary for this platform (ffmpeg 4.1, linux/darwin/win32 on x64 and arm64),
 * else `ffmpeg` on PATH. Throws a message naming the fix when there is none.
 */
export function chooseFfmpeg(
  env: { FFMPEG_PATH?: string; PATH?: string } = process.env,
  { platform = process.platform as string, arch = process.arch as string } = {},
): FfmpegChoice {
  if (env.FFMPEG_PATH) {
    if (!executable(env.FFMPEG_PATH)) throw new Error(`Invalid configuration: FFMPEG_PATH: ${env.FFMPEG_PATH} is not an executable file`);
    return { path: env.FFMPEG_PATH, source: "FFMPEG_PATH" };
  }
  const npm = npmBinary("@ffmpeg-installer", "ffmpeg", platform, arch);
  if (npm && executable(npm.path)) return { path: npm.path, source: `npm ${npm.pkg}` };
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, platform === "win32" ? "ffmpeg.exe" : "ffmpeg");
    if (executable(file)) return { path: file, source: "PATH" };
  }
  const npmState = npm
    ? `npm's ${npm.path} is not executable (installed with --ignore-scripts? chmod u+x it)`
    : `npm installed no @ffmpeg-installer package for ${platform}-${arch}`;
  throw new Error(
    `No ffmpeg found: ${npmState} and none is on PATH. ` +
      "Install ffmpeg from your system's packages (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) " +
      "and set FFMPEG_PATH to it, e.g. FFMPEG_PATH=/usr/bin/ffmpeg",
  );
}

/** The ffmpeg the server would choose from this process's environment (tests and benches spawn it directly). */
export function defaultFfmpegPath(): string {
  return chooseFfmpeg(process.env).path;
}

/** ffprobe, for tests only: FFPROBE_PATH, else the npm binary for this platform (a dev dependency). */
export function defaultFfprobePath(): string {
  if (process.env.FFPROBE_PATH) return process.env.FFPROBE_PATH;
  const npm = npmBinary("@ffprobe-installer", "ffprobe", process.platform, process.arch);
  if (!npm) throw new Error(`No ffprobe: npm installed no @ffprobe-installer package for ${process.platform}-${process.arch}; set FFPROBE_PATH`);
  return npm.path;
}
