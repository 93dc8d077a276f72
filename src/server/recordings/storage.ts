import { createReadStream } from "node:fs";
import { open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";

/** A file of a finished recording: its size and a stream of the requested bytes (all, or start..end inclusive). */
export interface StoredFile {
  size: number;
  read(range?: { start: number; end: number }): Promise<Readable>;
}

/**
 * Where finished recordings live. ffmpeg always records to this node's disk (DATA_DIR/media/<key>); when a recording
 * is finished (playlist final, poster and preview made) `keep` hands its folder to the storage. Replays are read
 * through `file`, so any node serves any replay when the storage is shared (S3), not only the node that recorded it.
 */
export interface RecordingStorage {
  readonly kind: "local" | "s3";
  /** The recording in `dir` (key `recordings/<showId>/<recordingId>`) is finished: store it. */
  keep(key: string, dir: string): Promise<void>;
  /** A stored file, or null when there is none. */
  file(key: string, name: string): Promise<StoredFile | null>;
}

/** The embedded default: the recordings stay where ffmpeg wrote them, under DATA_DIR/media. */
export class LocalRecordingStorage implements RecordingStorage {
  readonly kind = "local";
  constructor(private readonly mediaDir: string) {}

  async keep(): Promise<void> {}

  async file(key: string, name: string): Promise<StoredFile | null> {
    const file = path.join(this.mediaDir, key, name);
    const handle = await open(file, "r").catch(() => null);
    if (!handle) return null;
    const stat = await handle.stat().finally(() => handle.close());
    if (!stat.isFile()) return null;
    return { size: stat.size, read: async (range) => createReadStream(file, range ? { start: range.start, end: range.end } : {}) };
  }
}

export interface S3Settings {
  bucket: string;
  region: string;
  /** An S3-compatible service's endpoint (MinIO, R2, Ceph…); unset: AWS. */
  endpoint?: string;
  /** Path-style URLs (endpoint/bucket/key), which most S3-compatible services need. */
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (environment, shared files, instance or task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prepended to every key, e.g. "showcart/". */
  prefix: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".m3u8": "application/vnd.apple.mpegurl",
  ".ts": "video/mp2t",
  ".jpg": "image/jpeg",
  ".mp4": "video/mp4",
};

/**
 * The scale option: finished recordings uploaded to S3-compatible object storage (the official AWS SDK client), the
 * node's copy removed; every node reads replays from the bucket. Objects are written once and never changed.
 */
export class S3RecordingStorage implements RecordingStorage {
  readonly kind = "s3";
  readonly #s3: S3Client;
  readonly #o: S3Settings;

  constructor(settings: S3Settings) {
    this.#o = settings;
    this.#s3 = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials,
    });
  }

  #key(key: string, name: string): string {
    return `${this.#o.prefix}${key}/${name}`;
  }

  async keep(key: string, dir: string): Promise<void> {
    const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.endsWith(".tmp")).map((d) => d.name);
    // The playlist last: a reader that finds it finds every segment it lists.
    names.sort((a, b) => Number(a.endsWith(".m3u8")) - Number(b.endsWith(".m3u8")));
    for (const name of names) {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#o.bucket,
          Key: this.#key(key, name),
          Body: await readFile(path.join(dir, name)),
          ContentType: CONTENT_TYPES[path.extname(name)] ?? "application/octet-stream",
        }),
      );
    }
    await rm(dir, { recursive: true, force: true });
  }

  async file(key: string, name: string): Promise<StoredFile | null> {
    const Key = this.#key(key, name);
    try {
      const head = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#o.bucket, Key }));
      return {
        size: head.ContentLength ?? 0,
        read: async (range) => {
          const res = await this.#s3.send(
            new GetObjectCommand({ Bucket: this.#o.bucket, Key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
          );
          return res.Body as Readable;
        },
      };
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return null;
      throw err;
    }
  }

  destroy(): void {
    this.#s3.destroy();
  }
}
