import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM for secrets at rest (simulcast stream keys): base64url(iv ‖ tag ‖ ciphertext), a fresh IV each time. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("SecretBox needs a 32-byte key");
    this.#key = key;
  }

  seal(plaintext: string, aad = ""): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  }

  /** Throws when the box was sealed with another key, another `aad`, or was tampered with. */
  open(sealed: string, aad = ""): string {
    const raw = Buffer.from(sealed, "base64url");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error("sealed secret too short");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  }
}

/** SECRETS_KEY as 64 hex characters or base64/base64url of 32 bytes. */
export function parseSecretsKey(value: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, "hex") : Buffer.from(v, "base64");
  if (key.length !== 32) throw new Error("SECRETS_KEY must be 32 bytes: 64 hex characters or base64");
  return key;
}

/**
 * The key from SECRETS_KEY, else <dataDir>/secrets.key, created with mode 600 on first start. Losing that file makes
 * stored destination keys unreadable (they must be entered again), so back it up with the database.
 */
export function loadSecretsKey(opts: { secretsKey?: string; dataDir: string }): { key: Buffer; source: "env" | "file" | "generated"; file?: string } {
  if (opts.secretsKey) return { key: parseSecretsKey(opts.secretsKey), source: "env" };
  const file = path.join(opts.dataDir, "secrets.key");
  try {
    return { key: parseSecretsKey(fs.readFileSync(file, "utf8")), source: "file", file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  // wx: never overwrite a key another process wrote meanwhile.
  fs.writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  return { key, source: "generated", file };
}
