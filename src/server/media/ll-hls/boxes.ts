// ISO-BMFF (fragmented MP4 / CMAF) reading: just enough to cut ffmpeg's fMP4 stream into an init section and
// fragments, and to know each fragment's duration and whether it starts with a sync sample.

export interface Box {
  type: string;
  /** The whole box, header included. */
  bytes: Buffer;
}

const MAX_BOX_BYTES = 64 * 1024 * 1024;

/** Splits a byte stream into top-level boxes, however the stream was chunked. */
export class BoxSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  push(chunk: Buffer): Box[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < 8) return [];
    let buf = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    const boxes: Box[] = [];
    let offset = 0;
    while (buf.length - offset >= 8) {
      let size = buf.readUInt32BE(offset);
      let header = 8;
      if (size === 1) {
        if (buf.length - offset < 16) break;
        size = Number(buf.readBigUInt64BE(offset + 8));
        header = 16;
      }
      // size 0 ("to end of file") never comes out of a live fragmenting muxer; treat it as corrupt like any
      // impossible size.
      if (size < header || size > MAX_BOX_BYTES) throw new Error(`corrupt box size ${size}`);
      if (buf.length - offset < size) break;
      boxes.push({ type: buf.toString("latin1", offset + 4, offset + 8), bytes: buf.subarray(offset, offset + size) });
      offset += size;
    }
    buf = buf.subarray(offset);
    // Copy the remainder: it would otherwise pin the whole (possibly large) concatenated buffer.
    this.#pending = buf.length > 0 ? [Buffer.from(buf)] : [];
    this.#pendingBytes = buf.length;
    return boxes;
  }

  reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

/** Child boxes inside a container box's payload (from `start` to the end of `buf`). */
export function childBoxes(buf: Buffer, start: number): Box[] {
  const out: Box[] = [];
  let offset = start;
  while (buf.length - offset >= 8) {
    let size = buf.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = buf.length - offset;
    }
    if (size < header || offset + size > buf.length) break;
    out.push({ type: buf.toString("latin1", offset + 4, offset + 8), bytes: buf.subarray(offset, offset + size) });
    offset += size;
  }
  return out;
}

function child(box: Box, type: string, headerBytes = 8): Box | undefined {
  return childBoxes(box.bytes, headerBytes).find((b) => b.type === type);
}

export interface TrackInfo {
  id: number;
  timescale: number;
  /** 'vide', 'soun', … from the handler box. */
  handler: string;
  /** From trex: what a fragment's samples inherit when tfhd/trun say nothing. */
  defaultSampleDuration: number;
  defaultSampleFlags: number;
  /** RFC 6381 codec string for the master playlist's CODECS (avc1.PPCCLL, mp4a.40.2), when recognised. */
  codec?: string;
  width: number;
  height: number;
}

/** Tracks declared in a moov (timescale from mdhd, kind from hdlr, defaults from mvex/trex). */
export function parseMoov(moov: Buffer): TrackInfo[] {
  const root: Box = { type: "moov", bytes: moov };
  const tracks: TrackInfo[] = [];
  const trex = new Map<number, { duration: number; flags: number }>();
  const mvex = child(root, "mvex");
  if (mvex) {
    for (const b of childBoxes(mvex.bytes, 8)) {
      if (b.type !== "trex") continue;
      // full box: version/flags(4) track_ID(4) default_sample_description_index(4) duration(4) size(4) flags(4)
      trex.set(b.bytes.readUInt32BE(12), { duration: b.bytes.readUInt32BE(20), flags: b.bytes.readUInt32BE(28) });
    }
  }
  for (const trak of childBoxes(moov, 8)) {
    if (trak.type !== "trak") continue;
    const tkhd = child(trak, "tkhd");
    const mdia = child(trak, "mdia");
    if (!tkhd || !mdia) continue;
    const tkhdVersion = tkhd.bytes[8];
    // tkhd: version 1 has 8-byte creation/modification times before track_ID
    const id = tkhd.bytes.readUInt32BE(tkhdVersion === 1 ? 28 : 20);
    const mdhd = child(mdia, "mdhd");
    const hdlr = child(mdia, "hdlr");
    if (!mdhd || !hdlr) continue;
    const timescale = mdhd.bytes.readUInt32BE(mdhd.bytes[8] === 1 ? 28 : 20);
    const handler = hdlr.bytes.toString("latin1", 16, 20);
    const defaults = trex.get(id) ?? { duration: 0, flags: 0 };
    // tkhd ends with width and height as 16.16 fixed point.
    const width = tkhd.bytes.readUInt32BE(tkhd.bytes.length - 8) >>> 16;
    const height = tkhd.bytes.readUInt32BE(tkhd.bytes.length - 4) >>> 16;
    tracks.push({
      id,
      timescale,
      handler,
      defaultSampleDuration: defaults.duration,
      defaultSampleFlags: defaults.flags,
      codec: codecOf(mdia),
      width,
      height,
    });
  }
  return tracks;
}

function codecOf(mdia: Box): string | undefined {
  const minf = child(mdia, "minf");
  const stbl = minf && child(minf, "stbl");
  const stsd = stbl && child(stbl, "stsd");
  // stsd: full box header (12) + entry_count (4), then sample entries.
  const entry = stsd && childBoxes(stsd.bytes, 16)[0];
  if (!entry) return undefined;
  if (entry.type === "avc1" || entry.type === "avc3") {
    // VisualSampleEntry: 8 header + 78 bytes of fields before its child boxes.
    const avcC = childBoxes(entry.bytes, 8 + 78).find((b) => b.type === "avcC");
    if (!avcC || avcC.bytes.length < 12) return entry.type;
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    return `${entry.type}.${hex(avcC.bytes[9]!)}${hex(avcC.bytes[10]!)}${hex(avcC.bytes[11]!)}`;
  }
  // AAC-LC is what the transcoder writes; other mp4a object types are not produced here.
  if (entry.type === "mp4a") return "mp4a.40.2";
  return entry.type;
}

export interface FragmentTrack {
  trackId: number;
  baseMediaDecodeTime: number;
  /** Sum of the fragment's sample durations, in the track's timescale. */
  duration: number;
  sampleCount: number;
  /** The first sample is a sync sample (sample_is_non_sync_sample bit clear). */
  startsWithSync: boolean;
}

// sample_flags: bit 16 is sample_is_non_sync_sample (ISO/IEC 14496-12 §8.8.3.1).
const NON_SYNC = 0x0001_0000;

/** Reads each traf of a moof: decode time, duration and whether the first sample is a sync sample. */
export function parseMoof(moof: Buffer, tracks: TrackInfo[]): FragmentTrack[] {
  const out: FragmentTrack[] = [];
  for (const traf of childBoxes(moof, 8)) {
    if (traf.type !== "traf") continue;
    const parts = childBoxes(traf.bytes, 8);
    const tfhd = parts.find((b) => b.type === "tfhd");
    if (!tfhd) continue;
    const t = tfhd.bytes;
    const tfhdFlags = t.readUInt32BE(8) & 0xffffff;
    const trackId = t.readUInt32BE(12);
    const track = tracks.find((x) => x.id === trackId);
    let p = 16;
    if (tfhdFlags & 0x01) p += 8; // base_data_offset
    if (tfhdFlags & 0x02) p += 4; // sample_description_index
    let defaultDuration = track?.defaultSampleDuration ?? 0;
    let defaultFlags = track?.defaultSampleFlags ?? 0;
    if (tfhdFlags & 0x08) {
      defaultDuration = t.readUInt32BE(p);
      p += 4;
    }
    if (tfhdFlags & 0x10) p += 4; // default_sample_size
    if (tfhdFlags & 0x20) defaultFlags = t.readUInt32BE(p);

    let baseMediaDecodeTime = 0;
    const tfdt = parts.find((b) => b.type === "tfdt");
    if (tfdt) {
      baseMediaDecodeTime = tfdt.bytes[8] === 1 ? Number(tfdt.bytes.readBigUInt64BE(12)) : tfdt.bytes.readUInt32BE(12);
    }

    let duration = 0;
    let sampleCount = 0;
    let firstFlags: number | undefined;
    for (const trun of parts) {
      if (trun.type !== "trun") continue;
      const r = trun.bytes;
      const flags = r.readUInt32BE(8) & 0xffffff;
      const count = r.readUInt32BE(12);
      let q = 16;
      if (flags & 0x001) q += 4; // data_offset
      let firstSampleFlags: number | undefined;
      if (flags & 0x004) {
        firstSampleFlags = r.readUInt32BE(q);
        q += 4;
      }
      for (let i = 0; i < count; i++) {
        let d = defaultDuration;
        let f = i === 0 && firstSampleFlags !== undefined ? firstSampleFlags : defaultFlags;
        if (flags & 0x100) {
          d = r.readUInt32BE(q);
          q += 4;
        }
        if (flags & 0x200) q += 4; // size
        if (flags & 0x400) {
          const own = r.readUInt32BE(q);
          q += 4;
          if (!(i === 0 && firstSampleFlags !== undefined)) f = own;
        }
        if (flags & 0x800) q += 4; // composition offset
        duration += d;
        if (firstFlags === undefined) firstFlags = f;
      }
      sampleCount += count;
    }
    out.push({
      trackId,
      baseMediaDecodeTime,
      duration,
      sampleCount,
      // Audio samples are all sync samples whatever the flags say; a track without samples starts nothing.
      startsWithSync: sampleCount > 0 && (track?.handler === "soun" || ((firstFlags ?? 0) & NON_SYNC) === 0),
    });
  }
  return out;
}
