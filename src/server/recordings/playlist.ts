import { readFile, rename, writeFile } from "node:fs/promises";

export interface PlaylistSummary {
  segments: number;
  durationMs: number;
  ended: boolean;
}

export function summarisePlaylist(text: string): PlaylistSummary {
  let segments = 0;
  let seconds = 0;
  for (const line of text.split(/\r?\n/)) {
    const m = /^#EXTINF:([0-9.]+)/.exec(line);
    if (m) {
      segments += 1;
      seconds += Number(m[1]);
    }
  }
  return { segments, durationMs: Math.round(seconds * 1000), ended: /^#EXT-X-ENDLIST\s*$/m.test(text) };
}

/**
 * Makes a finished recording's playlist a proper VOD playlist: PLAYLIST-TYPE VOD and an ENDLIST (missing when the
 * recorder was killed rather than stopped). Written to a temporary file and renamed, so readers see old or new.
 */
export async function finalisePlaylist(file: string): Promise<PlaylistSummary | null> {
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null) return null;
  const summary = summarisePlaylist(text);
  if (!summary.segments) return summary;
  let out = text.replace(/^#EXT-X-PLAYLIST-TYPE:EVENT\s*$/m, "#EXT-X-PLAYLIST-TYPE:VOD");
  if (!/^#EXT-X-PLAYLIST-TYPE:/m.test(out)) out = out.replace(/^#EXTM3U\s*\n/, "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n");
  if (!summary.ended) out = `${out.replace(/\n*$/, "\n")}#EXT-X-ENDLIST\n`;
  if (out !== text) {
    await writeFile(`${file}.tmp`, out);
    await rename(`${file}.tmp`, file);
  }
  return { ...summary, ended: true };
}

/**
 * Several finished recordings as one VOD playlist: their segments in order (URIs pointing into each recording's
 * folder), an EXT-X-DISCONTINUITY where one recording ends and the next begins (timestamps and encoder may change).
 */
export function sessionPlaylist(parts: { id: string; text: string }[]): string {
  let target = 1;
  const body: string[] = [];
  parts.forEach((part, i) => {
    if (i > 0) body.push("#EXT-X-DISCONTINUITY");
    for (const line of part.text.split(/\r?\n/)) {
      const t = /^#EXT-X-TARGETDURATION:(\d+)/.exec(line);
      if (t) target = Math.max(target, Number(t[1]));
      if (line.startsWith("#EXTINF:") || line === "#EXT-X-DISCONTINUITY") body.push(line);
      else if (line && !line.startsWith("#")) body.push(`../${part.id}/${line}`);
    }
  });
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${target}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    ...body,
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}
