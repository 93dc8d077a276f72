import fs from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import webpush from "web-push";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import type { PushTables } from "./schema.js";

/** RFC 8292's application server key pair, base64url (public: uncompressed P-256 point; private: the 32-byte scalar). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** AES-256-GCM under the secrets key (simulcast's SecretBox): the private key is stored sealed in the database. */
export interface Sealer {
  seal(plaintext: string, aad?: string): string;
  open(sealed: string, aad?: string): string;
}

const AAD = "push_vapid_keys.private_key";
export const VAPID_FILE = "vapid-keys.json";

/**
 * The VAPID key pair, generated on the first start and kept in two places: DATA_DIR/vapid-keys.json (mode 600, the
 * copy an operator backs up and sees) and the database, which is what counts. Several nodes share one PostgreSQL but
 * each has its own DATA_DIR: the first node to insert the row wins (`on conflict do nothing`) and every node signs
 * with the row, so a subscription made through one node is served by all. A database without the row takes the
 * file's pair (a restored data directory keeps its subscribers). The private key is sealed with the secrets key, so
 * nodes need the same SECRETS_KEY (as they already do for order links).
 */
export async function loadVapidKeys(opts: { db: Db; clock: Clock; dataDir: string; box: Sealer }): Promise<{
  keys: VapidKeys;
  source: "database" | "file" | "generated";
  file: string;
  fileDiffers: boolean;
}> {
  const db: Kysely<PushTables> = scoped(opts.db);
  const file = path.join(opts.dataDir, VAPID_FILE);
  const fromFile = readKeyFile(file);
  let row = await db.selectFrom("push_vapid_keys").select(["public_key", "private_key_sealed"]).where("id", "=", 1).executeTakeFirst();
  let source: "database" | "file" | "generated" = "database";
  if (!row) {
    const candidate = fromFile ?? (webpush.generateVAPIDKeys() as VapidKeys);
    await db
      .insertInto("push_vapid_keys")
      .values({ id: 1, public_key: candidate.publicKey, private_key_sealed: opts.box.seal(candidate.privateKey, AAD), created_at: opts.clock.now() })
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
    row = await db.selectFrom("push_vapid_keys").select(["public_key", "private_key_sealed"]).where("id", "=", 1).executeTakeFirstOrThrow();
    if (row.public_key === candidate.publicKey) source = fromFile ? "file" : "generated";
  }
  let privateKey: string;
  try {
    privateKey = opts.box.open(row.private_key_sealed, AAD);
  } catch {
    // A node that lost its secrets key still has the pair in its DATA_DIR; a node with no copy must not sign with a
    // pair of its own (browsers would refuse it), so it stops with the reason.
    if (fromFile?.publicKey !== row.public_key)
      throw new Error(
        `The VAPID private key in the database was sealed with another secrets key and ${file} does not hold it: give every node the same SECRETS_KEY.`,
      );
    privateKey = fromFile.privateKey;
  }
  const keys = { publicKey: row.public_key, privateKey };
  if (!fromFile) writeKeyFile(file, keys);
  return { keys, source, file, fileDiffers: !!fromFile && fromFile.publicKey !== keys.publicKey };
}

function readKeyFile(file: string): VapidKeys | null {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const parsed = JSON.parse(raw) as Partial<VapidKeys>;
  if (typeof parsed.publicKey !== "string" || typeof parsed.privateKey !== "string") throw new Error(`${file}: expected { publicKey, privateKey }`);
  return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
}

function writeKeyFile(file: string, keys: VapidKeys): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // wx: never overwrite a pair another process wrote meanwhile.
    fs.writeFileSync(file, `${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}
