import { BITS, BLOCK, FRAME_WIDTH, barcodeScript } from "./barcode.js";

// The rtc-latency bench's pages, served on the server's own origin (so the host's session cookie goes along):
// - /bench/rtc.html plays a WebRTC stream from a receive-only offer POSTed to `src` (WHEP, or a stage feed with the
//   guest's bearer token or the host's cookie), the exchange of src/web/media/whepPlayback.ts and the stage page, and
//   reads the clock off its frames like the LL-HLS bench player (same `samples`, `stalls`, `firstFrameMs`);
// - /bench/clock.html is a camera made of a canvas: it draws the clock into every frame it paints and publishes
//   `canvas.captureStream(30)` with a silent microphone by WHIP to `src`, as the studio's go-live and the stage page
//   do; `watch` also plays a feed (the stage page's guest watching the host). Glass = the canvas draw. It paints on
//   animation frames, which a page behind another in its window does not get: give it a browser context of its own.

/** Query string shared by both pages: the run's epoch, the endpoint and an optional bearer token. */
export function rtcPageUrl(
  base: string,
  page: "rtc" | "clock",
  q: { epoch: number; src: string; token?: string; measure?: boolean; watch?: string; watchToken?: string },
): string {
  const params = new URLSearchParams({ epoch: String(q.epoch), src: q.src, measure: q.measure ? "1" : "0" });
  if (q.token) params.set("token", q.token);
  if (q.watch) params.set("watch", q.watch);
  if (q.watchToken) params.set("watchToken", q.watchToken);
  return `${base}/bench/${page}.html?${params}`;
}

// Both pages: one SDP exchange (no trickle ICE, the candidates of a short gathering in the offer), as the web app does.
const EXCHANGE = `
const q = new URLSearchParams(location.search);
const epoch = Number(q.get("epoch"));
async function exchange(pc, url, token) {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === "complete") r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r(); setTimeout(r, 1000); });
  const headers = { "content-type": "application/sdp", "x-showcart-csrf": "1" };
  if (token) headers.authorization = "Bearer " + token;
  const res = await fetch(url, { method: "POST", headers, body: pc.localDescription.sdp });
  if (res.status !== 201) throw new Error(url + ": " + res.status + " " + (await res.text()));
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  const loc = res.headers.get("location");
  return loc ? new URL(loc, location.href).pathname : null;
}
async function play(video, url, token) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; video.play().catch(() => {}); };
  const session = await exchange(pc, url, token);
  return { pc, session };
}
`;

const RTC_PLAYER = `<!doctype html>
<html><head><meta charset="utf-8"><title>bench rtc player</title>
<style>body{margin:0;background:#000}video{width:640px;height:360px}</style></head>
<body><video id="v" muted autoplay playsinline></video><canvas id="c" width="${BITS * BLOCK}" height="${BLOCK}" style="display:none"></canvas>
<script>${barcodeScript()}</script>
<script>${EXCHANGE}
window.samples = [];
window.stalls = 0;
window.hls = { targetLatency: null };
window.firstFrameMs = null;
const v = document.getElementById("v");
v.addEventListener("waiting", () => { if (window.firstFrameMs !== null) window.stalls++; });
const ctx = document.getElementById("c").getContext("2d", { willReadFrequently: true });
const playing = play(v, q.get("src"), q.get("token")).catch((err) => { window.failed = String(err); });
// Ends the server's session (WHEP's DELETE) so it does not linger until ICE consent lapses.
window.leave = async () => {
  const p = await playing;
  if (!p) return;
  p.pc.close();
  if (p.session) await fetch(p.session, { method: "DELETE", headers: { "x-showcart-csrf": "1" } }).catch(() => {});
};
let frames = 0;
function onFrame(_now, meta) {
  if (window.firstFrameMs === null) window.firstFrameMs = performance.now();
  if (q.get("measure") === "1" && frames++ % 5 === 0 && v.videoWidth > 0) {
    const ms = readBarcode(ctx, v);
    const shown = performance.timeOrigin + meta.expectedDisplayTime;
    window.samples.push({ g2g: shown - (epoch + ms), pdt: null, level: v.videoHeight });
  }
  v.requestVideoFrameCallback(onFrame);
}
v.requestVideoFrameCallback(onFrame);
</script></body></html>`;

const CLOCK_PUBLISHER = `<!doctype html>
<html><head><meta charset="utf-8"><title>bench clock camera</title>
<style>body{margin:0;background:#000}canvas,video{width:640px;height:360px}</style></head>
<body><canvas id="cam" width="${FRAME_WIDTH}" height="${(FRAME_WIDTH * 9) / 16}"></canvas><video id="w" muted autoplay playsinline></video>
<script>${barcodeScript()}</script>
<script>${EXCHANGE}
const cam = document.getElementById("cam");
const ctx = cam.getContext("2d");
window.drawn = 0;
// A moving square below the strip: the encoder sees motion, as it would from a camera. Painted at the capture's 30 fps
// (every other display frame), not 60: the same picture, half the page's CPU on a machine the server shares.
let last = 0;
function paint() {
  const now = Date.now();
  if (now - last < 30) return requestAnimationFrame(paint);
  last = now;
  ctx.fillStyle = "#345";
  ctx.fillRect(0, 0, cam.width, cam.height);
  ctx.fillStyle = "#fc3";
  ctx.fillRect((now / 4) % (cam.width - 120), 200 + 100 * Math.sin(now / 500), 120, 120);
  drawBarcode(ctx, now - epoch);
  window.drawn++;
  requestAnimationFrame(paint);
}
requestAnimationFrame(paint);
(async () => {
  const stream = cam.captureStream(30);
  // A microphone that says nothing: the studio and the stage page publish camera and microphone.
  const audio = new AudioContext();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  gain.gain.value = 0;
  const out = audio.createMediaStreamDestination();
  osc.connect(gain).connect(out);
  osc.start();
  stream.addTrack(out.stream.getAudioTracks()[0]);
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks())
    pc.addTransceiver(track, { direction: "sendonly", ...(track.kind === "video" ? { sendEncodings: [{ maxBitrate: 2500000 }] } : {}) });
  // Keep 720p under load: a resolution change mid-stream would restart the server's copy of the H.264.
  const video = pc.getSenders().find((s) => s.track && s.track.kind === "video");
  const params = video.getParameters();
  params.degradationPreference = "maintain-resolution";
  await video.setParameters(params).catch(() => {});
  window.publisher = pc;
  // Frames the encoder sent so far: a starved page sends fewer than 30 a second, and every later figure shows it.
  window.framesSent = async () => {
    let n = 0;
    (await pc.getStats()).forEach((r) => { if (r.type === "outbound-rtp" && r.kind === "video") n += r.framesSent || 0; });
    return n;
  };
  window.session = await exchange(pc, q.get("src"), q.get("token"));
  // The video codec the server answered with (its first payload type): H.264 is copied, VP8 encoded again.
  const sdp = pc.remoteDescription.sdp;
  const pt = /m=video \\d+ \\S+ (\\d+)/.exec(sdp)?.[1];
  window.codec = new RegExp("a=rtpmap:" + pt + " ([^/\\r\\n]+)").exec(sdp)?.[1] ?? null;
  window.published = true;
  if (q.get("watch")) window.watching = await play(document.getElementById("w"), q.get("watch"), q.get("watchToken"));
})().catch((err) => { window.failed = String(err); });
</script></body></html>`;

/** The pages by path, for the bench browser context's routes. */
export function rtcPages(): Record<string, { type: string; body: string }> {
  return {
    "/bench/rtc.html": { type: "text/html", body: RTC_PLAYER },
    "/bench/clock.html": { type: "text/html", body: CLOCK_PUBLISHER },
  };
}
