import fs from "node:fs";
import os from "node:os";
import type { Page } from "playwright-core";
import { defaultFfmpegPath } from "../src/server/config.js";
import { createWhep } from "../src/server/media/whep.js";
import { whepRoutes } from "../src/server/media/whep-routes.js";
import { measureGlassToGlass } from "./latency.js";
import { playerUrl, startLiveRig } from "./live-video.js";

// Sub-second viewing: the barcode clock of bench/latency.ts (published to our RTMP ingest by ffmpeg) played by WHEP
// in Chromium, glass-to-glass read off the frames as latency.ts does; the LL-HLS player in the same run is the
// baseline. Then the server's CPU per WHEP viewer: this process (werift's DTLS/SRTP per viewer) and the show's one
// WHEP encode, with 1 and with N viewers, over the same window each.

const BITS = 24;
const BLOCK = 40;

// The bench's WHEP player: the same exchange as src/web/media/whepPlayback.ts, and the barcode reader of the LL-HLS
// bench page (samples, stalls, window.hls.targetLatency null so measureGlassToGlass reads both pages alike).
const WHEP_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bench whep</title>
<style>body{margin:0;background:#000}video{width:640px;height:360px}</style></head>
<body><video id="v" muted autoplay playsinline></video><canvas id="c" width="${BITS * BLOCK}" height="${BLOCK}" style="display:none"></canvas>
<script>
const q = new URLSearchParams(location.search);
const epoch = Number(q.get("epoch"));
window.samples = [];
window.stalls = 0;
window.hls = { targetLatency: null };
window.firstFrameMs = null;
const v = document.getElementById("v");
v.addEventListener("waiting", () => { if (window.firstFrameMs !== null) window.stalls++; });
const ctx = document.getElementById("c").getContext("2d", { willReadFrequently: true });
(async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); v.srcObject = stream; v.play().catch(() => {}); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === "complete") r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r(); setTimeout(r, 1000); });
  const res = await fetch(q.get("src"), { method: "POST", headers: { "content-type": "application/sdp" }, body: pc.localDescription.sdp });
  window.whepStatus = res.status;
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  window.pc = pc;
})();
let frames = 0;
function onFrame(_now, meta) {
  if (window.firstFrameMs === null) window.firstFrameMs = performance.now();
  if (q.get("measure") === "1" && frames++ % 5 === 0 && v.videoWidth > 0) {
    const sx = v.videoWidth / 1280;
    ctx.drawImage(v, 0, 0, ${BITS * BLOCK} * sx, ${BLOCK} * sx, 0, 0, ${BITS * BLOCK}, ${BLOCK});
    const row = ctx.getImageData(0, ${BLOCK / 2}, ${BITS * BLOCK}, 1).data;
    let ms = 0;
    for (let i = 0; i < ${BITS}; i++) {
      const x = i * ${BLOCK} + ${BLOCK / 2};
      if (row[x * 4] > 128) ms += 2 ** i;
    }
    const shown = performance.timeOrigin + meta.expectedDisplayTime;
    window.samples.push({ g2g: shown - (epoch + ms), pdt: null, level: v.videoHeight });
  }
  v.requestVideoFrameCallback(onFrame);
}
v.requestVideoFrameCallback(onFrame);
</script></body></html>`;

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of a process so far, from /proc (0 when it is gone). */
function procCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export async function rtcLatency(opts: { seconds?: number; viewers?: number[] } = {}) {
  const seconds = opts.seconds ?? 30;
  const counts = opts.viewers ?? [1, 10];
  const loadStart = os.loadavg().map((l) => Math.round(l * 10) / 10);
  let whep: ReturnType<typeof createWhep> | null = null;
  const rig = await startLiveRig({
    routes: (app, media) => {
      whep = createWhep({
        ffmpegPath: defaultFfmpegPath(),
        network: { iceServers: [], publicAddresses: [] },
        maxViewers: Math.max(...counts) + 2,
        playUrl: (id) => media.playUrl(id),
        sourceHasAudio: (id) => {
          const info = media.sourceInfo(id);
          return info ? !!info.audioCodec : null;
        },
        log: app.log,
      });
      void app.register(whepRoutes({ whep, show: async (id) => ({ id, status: media.playUrl(id) ? "live" : "offline" }) }));
      app.get("/bench/whep.html", (_req, reply) => reply.header("content-type", "text/html").send(WHEP_PAGE));
    },
  });
  const w = whep as unknown as ReturnType<typeof createWhep>;
  const whepUrl = (measure: boolean) =>
    `${rig.base}/bench/whep.html?measure=${measure ? 1 : 0}&epoch=${rig.epoch}&src=${encodeURIComponent(`/api/shows/${rig.showId}/whep`)}`;
  try {
    // The LL-HLS player in the same run: the baseline.
    const llHls = await measureGlassToGlass(rig.browser, playerUrl(rig, true), seconds);
    const webrtc = await measureGlassToGlass(rig.browser, whepUrl(true), seconds);

    // CPU: this process and the WHEP encode, per window, with 0 (encode lingering), 1 and N viewers.
    const cpuWindow = async () => {
      const pid = w.encoderPid(rig.showId);
      const [self0, enc0, t0] = [selfCpuSeconds(), procCpuSeconds(pid), performance.now()];
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const wall = (performance.now() - t0) / 1000;
      return {
        server_pct: Math.round(((selfCpuSeconds() - self0) / wall) * 1000) / 10,
        encode_pct: Math.round(((procCpuSeconds(pid) - enc0) / wall) * 1000) / 10,
        viewers: w.viewers().total,
      };
    };
    const pages: Page[] = [];
    const cpu: Array<{ viewers: number; server_pct: number; encode_pct: number }> = [];
    for (const n of [...counts].sort((a, b) => a - b)) {
      while (pages.length < n) {
        const page = await rig.browser.newPage();
        await page.goto(whepUrl(false));
        pages.push(page);
      }
      await Promise.all(
        pages.map((p) => p.waitForFunction(() => (window as unknown as { firstFrameMs: number | null }).firstFrameMs !== null, undefined, { timeout: 60_000 })),
      );
      cpu.push(await cpuWindow());
    }
    await Promise.all(pages.map((p) => p.close()));
    const lo = cpu[0]!;
    const hi = cpu.at(-1)!;
    const perViewer = hi.viewers > lo.viewers ? Math.round(((hi.server_pct - lo.server_pct) / (hi.viewers - lo.viewers)) * 100) / 100 : null;
    return {
      bench: "rtc-latency",
      publish: "rtmp",
      seconds,
      webrtc: { p50_ms: webrtc.p50_ms, p95_ms: webrtc.p95_ms, samples: webrtc.samples, stalls: webrtc.stalls, height: webrtc.height },
      baseline_ll_hls: { p50_ms: llHls.p50_ms, p95_ms: llHls.p95_ms, samples: llHls.samples, stalls: llHls.stalls },
      ratio_p50: webrtc.p50_ms && llHls.p50_ms ? Math.round((webrtc.p50_ms / llHls.p50_ms) * 1000) / 1000 : null,
      target_p50_ms: 400,
      cpu,
      server_cpu_pct_per_viewer: perViewer,
      load_start: loadStart,
      load_end: os.loadavg().map((l) => Math.round(l * 10) / 10),
    };
  } finally {
    await w?.stop();
    await rig.stop();
  }
}
