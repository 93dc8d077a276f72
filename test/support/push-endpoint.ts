import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify as verifySignature } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

// A push service for the tests (RFC 8030), written from the RFCs with node:crypto only, so it checks web-push rather
// than agreeing with it: every message must carry a VAPID JWT (RFC 8292) signed ES256 by the key in the header's
// `k=`, for this endpoint's origin, expiring within 24 h, with a `sub`; its aes128gcm body (RFC 8188) is decrypted
// with the subscription's private key and auth secret (RFC 8291). HTTPS with a self-signed certificate for 127.0.0.1
// (test/fixtures/push-endpoint.*.pem): the server under test trusts it through ServerOverrides.pushCa.

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
export const PUSH_ENDPOINT_CA = fs.readFileSync(path.join(fixtures, "push-endpoint.cert.pem"), "utf8");
const PUSH_ENDPOINT_KEY = fs.readFileSync(path.join(fixtures, "push-endpoint.key.pem"), "utf8");

/** The browser side of a subscription, as PushSubscription.toJSON() gives it. */
export interface SubscriptionJson {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscriptionId: string;
  /** The decrypted payload (UTF-8). */
  text: string;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  /** The VAPID JWT's claims and the `k=` key it was checked against. */
  vapid: { aud: string; exp: number; sub: string; k: string };
}

interface Sub {
  id: string;
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  /** The applicationServerKey the browser subscribed with: a message signed with another key is refused (RFC 8292 §4.2). */
  applicationServerKey: string | null;
  /** A status to answer instead of taking messages (410: the user unsubscribed). */
  answer: number | null;
}

export class PushEndpoint {
  readonly received: ReceivedPush[] = [];
  /** Requests refused, with why (a bad JWT, a wrong key, a body that does not decrypt). */
  readonly refused: { subscriptionId: string; status: number; reason: string }[] = [];
  readonly #subs = new Map<string, Sub>();
  readonly #server: https.Server;
  origin = "";

  private constructor() {
    this.#server = https.createServer({ cert: PUSH_ENDPOINT_CA, key: PUSH_ENDPOINT_KEY }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const { status, headers } = this.#take(req, Buffer.concat(chunks));
        res.writeHead(status, headers).end();
      });
    });
  }

  static async start(): Promise<PushEndpoint> {
    const endpoint = new PushEndpoint();
    await new Promise<void>((resolve) => endpoint.#server.listen(0, "127.0.0.1", resolve));
    endpoint.origin = `https://127.0.0.1:${(endpoint.#server.address() as AddressInfo).port}`;
    return endpoint;
  }

  /** A new subscription, as a browser would get it from this push service for `applicationServerKey`. */
  subscribe(applicationServerKey: string | null = null): SubscriptionJson & { id: string } {
    const id = randomBytes(16).toString("base64url");
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.#subs.set(id, { id, ecdh, auth, applicationServerKey, answer: null });
    return {
      id,
      endpoint: `${this.origin}/push/${id}`,
      expirationTime: null,
      keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
    };
  }

  /** From now on the subscription answers `status` (410 Gone: the browser unsubscribed; 404: expired). */
  answer(subscriptionId: string, status: number): void {
    this.#subs.get(subscriptionId)!.answer = status;
  }

  messagesFor(subscriptionId: string): ReceivedPush[] {
    return this.received.filter((m) => m.subscriptionId === subscriptionId);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #take(
    req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> },
    body: Buffer,
  ): { status: number; headers?: Record<string, string> } {
    const match = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "");
    const sub = match ? this.#subs.get(match[1]!) : undefined;
    const refuse = (status: number, reason: string) => {
      this.refused.push({ subscriptionId: sub?.id ?? String(req.url), status, reason });
      return { status };
    };
    if (req.method !== "POST") return refuse(405, "not a POST");
    if (!sub) return refuse(404, "no such subscription");
    if (sub.answer) return refuse(sub.answer, `answering ${sub.answer}`);

    // RFC 8292 §3: Authorization: vapid t=<JWT>, k=<public key>
    const authz = String(req.headers.authorization ?? "");
    const params = /^vapid\s+(.*)$/i.exec(authz)?.[1];
    if (!params) return refuse(401, "no vapid Authorization");
    const fields = Object.fromEntries(params.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
    const [t, k] = [fields.t, fields.k];
    if (!t || !k) return refuse(401, "vapid needs t= and k=");
    const claims = checkJwt(t, k, this.origin);
    if (typeof claims === "string") return refuse(403, claims);
    if (sub.applicationServerKey && k !== sub.applicationServerKey) return refuse(403, "k= is not the key the subscription was made with");

    // RFC 8030 §5.2: TTL is required.
    const ttl = Number(req.headers.ttl);
    if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0) return refuse(400, "TTL header missing or bad");
    if (String(req.headers["content-encoding"]) !== "aes128gcm") return refuse(415, "Content-Encoding is not aes128gcm");
    const text = decryptAes128gcm(body, sub);
    if (typeof text !== "string" || text.startsWith("error:")) return refuse(400, String(text));

    this.received.push({
      subscriptionId: sub.id,
      text,
      ttl,
      urgency: (req.headers.urgency as string | undefined) ?? null,
      topic: (req.headers.topic as string | undefined) ?? null,
      vapid: { ...claims, k },
    });
    return { status: 201, headers: { location: `${this.origin}/message/${randomBytes(8).toString("base64url")}` } };
  }
}

/** RFC 7515/7519 compact JWT, ES256 (RFC 7518 §3.4: r‖s, 64 bytes) against the uncompressed P-256 key `k`. */
function checkJwt(jwt: string, k: string, origin: string): { aud: string; exp: number; sub: string } | string {
  const parts = jwt.split(".");
  if (parts.length !== 3) return "JWT is not three parts";
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    return "JWT header or claims are not JSON";
  }
  if (header.alg !== "ES256") return `JWT alg ${header.alg}, not ES256`;
  const point = Buffer.from(k, "base64url");
  if (point.length !== 65 || point[0] !== 4) return "k= is not an uncompressed P-256 point";
  const key = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
    format: "jwk",
  });
  const signature = Buffer.from(s, "base64url");
  if (signature.length !== 64) return "ES256 signature is not 64 bytes";
  if (!verifySignature("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, signature)) return "JWT signature does not verify with k=";
  // RFC 8292 §2: aud is the push resource's origin; exp no more than 24 hours ahead; sub a contact (mailto:/https:).
  if (claims.aud !== origin) return `aud ${String(claims.aud)} is not ${origin}`;
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= now) return "exp missing or past";
  if (claims.exp > now + 24 * 3600) return "exp more than 24 h ahead";
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) return "sub missing or not mailto:/https:";
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub };
}

/**
 * RFC 8188 aes128gcm with RFC 8291's key derivation: header salt(16) ‖ rs(4) ‖ idlen(1) ‖ keyid (the sender's
 * ephemeral public key), then one record (Web Push allows one) of AES-128-GCM ciphertext with its 16-byte tag;
 * the plaintext ends in the delimiter 0x02 followed by zero padding. Returns the text, or "error: …".
 */
export function decryptAes128gcm(body: Buffer, sub: { ecdh: ReturnType<typeof createECDH>; auth: Buffer }): string {
  if (body.length < 21) return "error: body shorter than the header";
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const records = body.subarray(21 + idlen);
  if (idlen !== 65 || asPublic[0] !== 4) return "error: keyid is not the sender's uncompressed P-256 key";
  if (rs < 18) return "error: record size below 18";
  if (records.length > rs) return "error: more than one record";
  if (records.length < 17) return "error: record shorter than a tag";
  let ecdhSecret: Buffer;
  try {
    ecdhSecret = sub.ecdh.computeSecret(asPublic);
  } catch {
    return "error: keyid is not on the curve";
  }
  const uaPublic = sub.ecdh.getPublicKey();
  // RFC 8291 §3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32)
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", ecdhSecret, sub.auth, keyInfo, 32));
  // RFC 8188 §2.2/2.3: CEK and NONCE from HKDF(salt, IKM); record 0's nonce is NONCE itself (XOR sequence number 0).
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
    decipher.setAuthTag(records.subarray(records.length - 16));
    plain = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
  } catch {
    return "error: the record does not decrypt (wrong keys or tampered)";
  }
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0 || plain[end] !== 2) return "error: the last record's delimiter is not 0x02";
  return plain.subarray(0, end).toString("utf8");
}
