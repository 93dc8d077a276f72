import { summarisePlaylist } from "../../src/server/recordings/playlist.js";
import type { TestServer } from "./server.js";
import { until } from "./until.js";

/**
 * Waits until the show's recording (still being written) lists at least `seconds` of finished segments in its
 * playlist, and returns how many it lists. A test that stops its source once this holds records only as much video as
 * its assertions need, however slowly a loaded machine gets there.
 */
export async function untilRecorded(server: TestServer, showId: string, seconds: number, timeoutMs = 60_000): Promise<number> {
  const { recordings } = server.services;
  return until(
    `${seconds} s of recorded segments`,
    async () => {
      const rec = (await recordings.recordings(showId))[0];
      if (!rec) return null;
      // While recording the playlist is served from the recording node's disk; 404 until ffmpeg finished a segment.
      const res = await fetch(server.url + rec.playbackUrl);
      if (res.status !== 200) return null;
      const listed = summarisePlaylist(await res.text()).durationMs / 1000;
      return listed >= seconds ? listed : null;
    },
    timeoutMs,
    250,
  );
}
