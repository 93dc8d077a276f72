import { randomBytes } from "node:crypto";
import { BoxSplitter, parseMoof, parseMoov, type TrackInfo } from "./boxes.js";

// One rendition's LL-HLS packager: ffmpeg's fragmented-MP4 byte stream in, an in-memory ring of segments and parts
// out, plus the media playlist and the waits that blocking playlist reload and preload hints need.
//
// Cutting rules: ftyp+moov = the init section (EXT-X-MAP); every moof+mdat = one part; a new segment begins at a
// part whose first video sample is a sync sample once the open segment is ≥ segmentSeconds long (a part is forced
// into a new, non-independent segment only if the encoder's GOP would push a segment past TARGETDURATION; the next
// keyframe then starts a segment at once, to get back in step with the GOP).
//
// EXT-X-PROGRAM-DATE-TIME: ffmpeg writes a fragment only after its last sample arrived, so a part's wall clock is
// its arrival time minus its duration. Within one ffmpeg run the media timeline maps to wall clock through the
// smallest (arrival − media end) seen so far: the first GOP comes as a burst from the ingest's GOP cache, and the
// minimum is the run's real-time position. A segment's PDT is fixed when its first part arrives and never changes.

export interface PackagerOptions {
  segmentSeconds: number;
  partTargetSeconds: number;
  /**
   * PART-HOLD-BACK in parts (default 2): how far behind the live edge players sit. RFC 8216bis §4.4.3.8: at least
   * 2 × PART-TARGET (MUST), 3 × recommended (SHOULD). 2 is the sub-second choice: 0.6 s at 0.3 s parts; a player
   * that stalls moves itself back (hls.js: + liveSyncOnStallIncrease per stall).
   */
  partHoldBackParts?: number;
  /** Complete segments listed in the playlist. */
  listSize: number;
  /** Wall clock in ms (injected for tests). */
  now?: () => number;
  /** Prefix of every resource name; unique per live session so immutable caching never serves an old stream. */
  tag?: string;
  /**
   * Media sequence number of the first segment (default 0). A show's packagers on a node start from the wall clock
   * (firstMsnAt), so the numbers a viewer's player sees go on when another node takes over the show's ingest, or this
   * node starts it again: players align a live playlist's reloads by these numbers, and they must not go back.
   */
  firstMsn?: number;
  /**
   * Discontinuity sequence number of the first segment (default 0). When another node takes over a show's ingest, the
   * new ingest's media timestamps start again near 0: under the earlier ingest's number, hls.js maps them as that
   * ingest's and places them before its playhead (the player froze for as long as the first ingest had been live). The
   * media service passes the earlier ingest's number plus a margin (the live directory keeps it), never a clock value:
   * hls.js walks its per-discontinuity timestamps from 0 up to the number on every playlist load.
   */
  firstDiscontinuity?: number;
  /** A part longer than PART-TARGET (a source with odd timing) — reported, the playlist stays as it is. */
  onWarning?(message: string, details: Record<string, unknown>): void;
}

export interface Part {
  /** Global part number in this packager (names the resource, so a preload hint is known in advance). */
  n: number;
  msn: number;
  /** Index within its segment (the `_HLS_part` value). */
  index: number;
  duration: number;
  independent: boolean;
  bytes: Buffer;
  /** Wall clock (ms) when the part became available here. */
  availableAt: number;
  /** Wall clock (ms) of its first sample (see PDT above). */
  capturedAt: number;
}

export interface Segment {
  msn: number;
  parts: Part[];
  complete: boolean;
  duration: number;
  /** First part starts with a sync sample. */
  independent: boolean;
  discontinuity: boolean;
  /** Discontinuity sequence number of this segment. */
  dseq: number;
  initId: number;
  pdt: number;
  bytes?: Buffer;
}

interface Waiter {
  ready(): boolean;
  resolve(ok: boolean): void;
  timer: NodeJS.Timeout;
}

// Segments kept beyond the playlist window, for clients that are a little behind or mid-download.
const EXTRA_SEGMENTS = 3;
// Parts are listed only for the segments closest to the live edge (RFC 8216bis: within 3 target durations).
const SEGMENTS_WITH_PARTS = 2;
// RFC 8216bis §6.2.5.2: _HLS_msn more than two segments ahead, or _HLS_part more than this many parts ahead → 400.
const ADVANCE_PART_LIMIT = 3;
export const DEFAULT_PART_HOLD_BACK_PARTS = 2;

/**
 * A first media sequence number from the wall clock: one per segment duration since the epoch. One ingest's run
 * numbers one segment per at least segmentSeconds (segments end on the first key frame at or after it), plus a short
 * one per reconnect, so a later ingest of the show (another node taking over once the registration lapsed, seconds
 * later) starts above the numbers it gave.
 */
export function firstMsnAt(nowMs: number, segmentSeconds: number): number {
  return Math.floor(nowMs / (segmentSeconds * 1000));
}

export type BlockingCheck = "ok" | "bad_request";

export class LlHlsPackager {
  readonly tag: string;
  readonly targetDuration: number;
  readonly #o: Required<Omit<PackagerOptions, "onWarning" | "tag" | "firstMsn" | "firstDiscontinuity">> & Pick<PackagerOptions, "onWarning">;
  readonly #partHoldBack: number;
  readonly #splitter = new BoxSplitter();
  readonly #segments: Segment[] = [];
  readonly #inits = new Map<number, Buffer>();
  readonly #waiters = new Set<Waiter>();
  #initId = -1;
  #pendingInit: Buffer[] = [];
  #tracks: TrackInfo[] = [];
  #pendingMoof: { bytes: Buffer; at: number } | null = null;
  #nextPart = 0;
  #nextMsn: number;
  #discontinuityNext = false;
  readonly #firstDseq: number;
  #runOffset: number | null = null;
  #runStarted = false;
  #lastPartAt: number | null = null;
  #ended = false;
  #finished = false;

  constructor(options: PackagerOptions) {
    this.#o = {
      segmentSeconds: options.segmentSeconds,
      partTargetSeconds: options.partTargetSeconds,
      partHoldBackParts: options.partHoldBackParts ?? DEFAULT_PART_HOLD_BACK_PARTS,
      listSize: options.listSize,
      now: options.now ?? Date.now,
      onWarning: options.onWarning,
    };
    if (!(this.#o.partHoldBackParts >= 2)) throw new Error("PART-HOLD-BACK must be at least 2 × PART-TARGET (RFC 8216bis)");
    this.#partHoldBack = round3(this.#o.partTargetSeconds * this.#o.partHoldBackParts);
    this.tag = options.tag ?? randomBytes(4).toString("hex");
    this.#nextMsn = options.firstMsn ?? 0;
    this.#firstDseq = options.firstDiscontinuity ?? 0;
    // EXTINF rounded to the nearest integer must not exceed TARGETDURATION; segments end on the first keyframe at or
    // after segmentSeconds, which with a GOP of exactly segmentSeconds is segmentSeconds.
    this.targetDuration = Math.max(1, Math.ceil(options.segmentSeconds));
  }

  /** The discontinuity sequence number of the newest segment (the first one's before any), one more once a new run began. */
  get discontinuitySequence(): number {
    return (this.#segments.at(-1)?.dseq ?? this.#firstDseq) + (this.#discontinuityNext ? 1 : 0);
  }

  get partTarget(): number {
    return this.#o.partTargetSeconds;
  }

  /** PART-HOLD-BACK in seconds, as the playlist gives it. */
  get partHoldBack(): number {
    return this.#partHoldBack;
  }

  /**
   * A new fMP4 stream follows (ffmpeg restarted, the encoder reconnected): whatever segment is open is closed
   * as it is, and the next segment carries EXT-X-DISCONTINUITY and the new init section.
   */
  beginRun(): void {
    this.#closeOpenSegment();
    this.#splitter.reset();
    this.#pendingInit = [];
    this.#pendingMoof = null;
    this.#runOffset = null;
    this.#ended = false;
    if (this.#runStarted) this.#discontinuityNext = true;
    this.#runStarted = true;
  }

  /** The stream ended for now: the open segment is published complete. */
  endRun(): void {
    this.#closeOpenSegment();
    this.#splitter.reset();
    this.#pendingMoof = null;
    this.#ended = true;
    this.#wake();
  }

  /** Feeds ffmpeg's stdout. Throws on a corrupt stream (the caller restarts that ffmpeg). */
  push(chunk: Buffer): void {
    if (!this.#runStarted) this.beginRun();
    for (const box of this.#splitter.push(chunk)) {
      switch (box.type) {
        case "ftyp":
          this.#pendingInit = [box.bytes];
          break;
        case "moov":
          this.#pendingInit.push(box.bytes);
          this.#tracks = parseMoov(box.bytes);
          this.#initId += 1;
          this.#inits.set(this.#initId, Buffer.concat(this.#pendingInit));
          this.#pendingInit = [];
          break;
        case "moof":
          this.#pendingMoof = { bytes: box.bytes, at: this.#o.now() };
          break;
        case "mdat":
          if (this.#pendingMoof && this.#initId >= 0) this.#addPart(this.#pendingMoof.bytes, box.bytes);
          this.#pendingMoof = null;
          break;
        default:
          // styp, sidx, prft, free, mfra (trailer): nothing a part needs.
          break;
      }
    }
  }

  #addPart(moof: Buffer, mdat: Buffer): void {
    const fragments = parseMoof(moof, this.#tracks);
    const video = this.#tracks.find((t) => t.handler === "vide");
    const main = fragments.find((f) => f.trackId === video?.id) ?? fragments[0];
    if (!main) return;
    const track = this.#tracks.find((t) => t.id === main.trackId)!;
    const duration = main.duration / track.timescale;
    const mediaStart = main.baseMediaDecodeTime / track.timescale;
    const independent = main.startsWithSync;
    const now = this.#o.now();

    const offset = now - (mediaStart + duration) * 1000;
    this.#runOffset = this.#runOffset === null ? offset : Math.min(this.#runOffset, offset);
    const capturedAt = this.#runOffset + mediaStart * 1000;

    if (duration > this.#o.partTargetSeconds + 0.001) {
      this.#o.onWarning?.("part longer than PART-TARGET", { duration, partTarget: this.#o.partTargetSeconds });
    }

    let open = this.#openSegment();
    if (open) {
      const longEnough = open.duration >= this.#o.segmentSeconds - 0.001;
      // Rounded EXTINF must stay ≤ TARGETDURATION: past that, cut even without a keyframe.
      const tooLong = open.duration + duration >= this.targetDuration + 0.5;
      // A segment that had to start mid-GOP ends at the next keyframe, however short, so segments realign with
      // the GOP instead of staying out of phase (and non-independent) for the rest of the show.
      if ((independent && (longEnough || !open.independent)) || tooLong) {
        this.#complete(open);
        open = undefined;
      }
    }
    if (!open) {
      const previous = this.#segments.at(-1);
      const discontinuity = this.#discontinuityNext && previous !== undefined;
      open = {
        msn: this.#nextMsn++,
        parts: [],
        complete: false,
        duration: 0,
        independent,
        discontinuity,
        dseq: (previous?.dseq ?? this.#firstDseq) + (discontinuity ? 1 : 0),
        initId: this.#initId,
        pdt: capturedAt,
      };
      this.#discontinuityNext = false;
      this.#segments.push(open);
      this.#trim();
    }
    const bytes = Buffer.concat([moof, mdat]);
    open.parts.push({
      n: this.#nextPart++,
      msn: open.msn,
      index: open.parts.length,
      duration,
      independent,
      bytes,
      availableAt: now,
      capturedAt,
    });
    open.duration += duration;
    this.#lastPartAt = now;
    this.#wake();
  }

  #openSegment(): Segment | undefined {
    const last = this.#segments.at(-1);
    return last && !last.complete ? last : undefined;
  }

  #complete(segment: Segment): void {
    segment.complete = true;
    segment.bytes = Buffer.concat(segment.parts.map((p) => p.bytes));
  }

  #closeOpenSegment(): void {
    const open = this.#openSegment();
    if (open) this.#complete(open);
  }

  #trim(): void {
    const keep = this.#o.listSize + EXTRA_SEGMENTS + 1;
    while (this.#segments.length > keep) this.#segments.shift();
    const used = new Set(this.#segments.map((s) => s.initId));
    used.add(this.#initId);
    for (const id of this.#inits.keys()) if (!used.has(id)) this.#inits.delete(id);
  }

  // ---- state for the origin -------------------------------------------------------------------------------------

  /** Wall clock (ms) of the newest part, for stall detection. */
  lastPartAt(): number | null {
    return this.#lastPartAt;
  }

  /** Tracks of the newest init section (codecs and size for the master playlist). */
  tracks(): readonly TrackInfo[] {
    return this.#tracks;
  }

  hasMedia(): boolean {
    return this.#segments.some((s) => s.parts.length > 0);
  }

  segments(): readonly Segment[] {
    return this.#segments;
  }

  /** The newest part (msn, index), if any. */
  lastPart(): Part | undefined {
    return this.#segments.at(-1)?.parts.at(-1);
  }

  /** Name of the part a preload hint announces: the next part to arrive. */
  nextPartName(): string {
    return this.partName(this.#nextPart);
  }

  partName(n: number): string {
    return `${this.tag}-p${n}.m4s`;
  }

  segmentName(msn: number): string {
    return `${this.tag}-s${msn}.m4s`;
  }

  initName(id: number): string {
    return `${this.tag}-i${id}.mp4`;
  }

  /** A resource by name: init section, part, or complete segment. `pending` = it is the next part (hinted). */
  resource(name: string): { kind: "init" | "part" | "segment"; bytes: Buffer } | "pending" | undefined {
    const m = /^([a-z0-9]+)-([psi])(\d{1,12})\.(m4s|mp4)$/.exec(name);
    if (!m || m[1] !== this.tag) return undefined;
    const n = Number(m[3]);
    if (m[2] === "i") {
      const bytes = m[4] === "mp4" ? this.#inits.get(n) : undefined;
      return bytes ? { kind: "init", bytes } : undefined;
    }
    if (m[4] !== "m4s") return undefined;
    if (m[2] === "s") {
      const seg = this.#segments.find((s) => s.msn === n);
      return seg?.complete && seg.bytes ? { kind: "segment", bytes: seg.bytes } : undefined;
    }
    if (n === this.#nextPart && !this.#ended) return "pending";
    for (const seg of this.#segments) {
      const part = seg.parts.find((p) => p.n === n);
      if (part) return { kind: "part", bytes: part.bytes };
    }
    return undefined;
  }

  /** Blocking part request (preload hint): resolves with the part once it exists, or undefined on timeout. */
  async waitForPart(name: string, timeoutMs: number): Promise<Buffer | undefined> {
    const ready = () => {
      const r = this.resource(name);
      return r !== "pending";
    };
    if (ready() || (await this.#wait(ready, timeoutMs))) {
      const r = this.resource(name);
      return r && r !== "pending" ? r.bytes : undefined;
    }
    return undefined;
  }

  /**
   * RFC 8216bis §6.2.5.2: is the playlist a blocking request asks for there yet? With _HLS_part: that part of
   * segment msn, or anything later; without: segment msn complete, or later.
   */
  satisfies(msn: number, part: number | undefined): boolean {
    const last = this.lastPart();
    if (!last) return false;
    if (part === undefined) return this.#segments.some((s) => s.complete && s.msn >= msn);
    return last.msn > msn || (last.msn === msn && last.index >= part);
  }

  /** A request too far in the future is answered 400 at once rather than held. */
  checkBlocking(msn: number, part: number | undefined): BlockingCheck {
    const last = this.lastPart();
    const lastMsn = last?.msn ?? -1;
    if (msn > lastMsn + 2) return "bad_request";
    if (part !== undefined && last && msn === lastMsn && part > last.index + ADVANCE_PART_LIMIT) return "bad_request";
    return "ok";
  }

  /** Holds until satisfies(msn, part) or timeoutMs; true when satisfied. */
  waitForPlaylist(msn: number, part: number | undefined, timeoutMs: number): Promise<boolean> {
    const ready = () => this.satisfies(msn, part);
    if (ready()) return Promise.resolve(true);
    return this.#wait(ready, timeoutMs);
  }

  #wait(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        ready,
        resolve: (ok) => {
          clearTimeout(waiter.timer);
          this.#waiters.delete(waiter);
          resolve(ok);
        },
        timer: setTimeout(() => waiter.resolve(false), timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) if (waiter.ready()) waiter.resolve(true);
  }

  /** Answers every held request now, as it stands (the HTTP server is closing); the stream itself goes on. */
  releaseHeld(): void {
    for (const waiter of [...this.#waiters]) waiter.resolve(waiter.ready());
  }

  /** The show is over: the playlist gets EXT-X-ENDLIST and every held request is answered now. */
  close(): void {
    this.#closeOpenSegment();
    this.#ended = true;
    this.#finished = true;
    for (const waiter of [...this.#waiters]) waiter.resolve(waiter.ready());
  }

  // ---- playlist ---------------------------------------------------------------------------------------------------

  /**
   * The media playlist: complete segments (plain HLS clients need nothing else) plus parts near the live edge, and a
   * rendition report (RFC 8216bis §4.4.5.4) for each other rendition of the show, so a client switching rungs can
   * ask the other playlist for the right msn/part straight away.
   */
  playlist(others: { uri: string; packager: LlHlsPackager }[] = []): string {
    const listed = this.#listedSegments();
    const lines = [
      "#EXTM3U",
      // 6: EXT-X-MAP with non-I-frame media; no delta updates (EXT-X-SKIP would need 9) are offered.
      "#EXT-X-VERSION:6",
      `#EXT-X-TARGETDURATION:${this.targetDuration}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${this.#partHoldBack}`,
      `#EXT-X-PART-INF:PART-TARGET=${round3(this.#o.partTargetSeconds)}`,
      `#EXT-X-MEDIA-SEQUENCE:${listed[0]?.msn ?? this.#nextMsn}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${listed[0]?.dseq ?? this.#firstDseq}`,
    ];
    if (listed.length > 0 && listed.every((s) => s.independent)) lines.push("#EXT-X-INDEPENDENT-SEGMENTS");
    const withParts = new Set(
      listed
        .filter((s) => s.complete)
        .slice(-SEGMENTS_WITH_PARTS)
        .map((s) => s.msn),
    );
    // A part longer than PART-TARGET (a timestamp gap when the ingest hands over from its cached GOP, or a source
    // with sparse keyframes in copy mode) may not be listed as a part (RFC 8216bis: parts are at most PART-TARGET).
    // Its segment is then listed as a whole once complete, and not at all while open (no hint into it either).
    const maxPart = this.#o.partTargetSeconds + 0.001;
    const oversized = (seg: Segment) => seg.parts.some((p) => p.duration > maxPart);
    const open = listed.at(-1);
    const openHidden = open !== undefined && !open.complete && oversized(open);
    let mapped = -1;
    listed.forEach((seg, i) => {
      if (openHidden && seg === open) return;
      if (seg.discontinuity && i > 0) lines.push("#EXT-X-DISCONTINUITY");
      if (seg.initId !== mapped) {
        lines.push(`#EXT-X-MAP:URI="${this.initName(seg.initId)}"`);
        mapped = seg.initId;
      }
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(Math.round(seg.pdt)).toISOString()}`);
      if ((!seg.complete || withParts.has(seg.msn)) && !oversized(seg)) {
        for (const p of seg.parts) {
          lines.push(`#EXT-X-PART:DURATION=${round5(p.duration)},URI="${this.partName(p.n)}"${p.independent ? ",INDEPENDENT=YES" : ""}`);
        }
      }
      if (seg.complete) {
        lines.push(`#EXTINF:${round5(seg.duration)},`, this.segmentName(seg.msn));
      }
    });
    if (!this.#ended && listed.length > 0) {
      // After a discontinuity the next part belongs to a segment not listed yet; hinting it would be wrong.
      if (!this.#discontinuityNext && !openHidden) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${this.nextPartName()}"`);
    }
    for (const o of others) {
      const last = o.packager.lastPart();
      if (last) lines.push(`#EXT-X-RENDITION-REPORT:URI="${o.uri}",LAST-MSN=${last.msn},LAST-PART=${last.index}`);
    }
    if (this.#finished) lines.push("#EXT-X-ENDLIST");
    return lines.join("\n") + "\n";
  }

  #listedSegments(): Segment[] {
    const complete = this.#segments.filter((s) => s.complete);
    const first = complete.at(-this.#o.listSize)?.msn ?? this.#segments[0]?.msn ?? 0;
    return this.#segments.filter((s) => s.msn >= first);
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function round5(n: number): string {
  return (Math.round(n * 100000) / 100000).toFixed(5);
}
