import dgram from "node:dgram";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { chromium } from "playwright-core";
import { answerWhipOffer, type WhipPeer } from "../src/server/media/whip-peer.js";

/**
 * CPU of this process (the WHIP receiver: ICE, DTLS, SRTP decrypt in werift) per stream Chromium publishes by WHIP,
 * every RTP packet forwarded to a UDP socket as the ffmpeg feed would be. Baseline: the same process with the server
 * listening and no stream, over the same window, in the same run. Chromium's own CPU is in its processes, not here.
 */
export async function webrtcIngest(opts: { streams?: number; seconds?: number } = {}): Promise<object> {
  const streams = opts.streams ?? 1;
  const seconds = opts.seconds ?? 15;
  const load = () => os.loadavg().map((x) => +x.toFixed(1));
  const loadStart = load();
  const sink = dgram.createSocket("udp4");
  const out = dgram.createSocket("udp4");
  let forwarded = 0;
  sink.on("message", () => forwarded++);
  await new Promise<void>((r) => sink.bind(0, "127.0.0.1", r));
  const sinkPort = (sink.address() as AddressInfo).port;
  const peers: WhipPeer[] = [];
  const server = http.createServer(async (req, res) => {
    if (req.method === "POST") {
      let body = "";
      for await (const c of req) body += c;
      const peer = await answerWhipOffer(body);
      peer.onRtp((_kind, p) => out.send(p.serialize(), sinkPort, "127.0.0.1"));
      peers.push(peer);
      res.writeHead(201, { "content-type": "application/sdp", location: `/whip/${peers.length}` });
      res.end(peer.answer);
      return;
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>bench</title>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

  const idleStart = process.cpuUsage();
  const idleWall = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const idlePct = (cpu(process.cpuUsage(idleStart)) / ((Date.now() - idleWall) / 1000)) * 100;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
  });
  try {
    for (let i = 0; i < streams; i++) {
      const page = await browser.newPage();
      await page.goto(base);
      await page.evaluate(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
        const pc = new RTCPeerConnection();
        for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: "sendonly" });
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise<void>((r) => {
          if (pc.iceGatheringState === "complete") r();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r();
          setTimeout(r, 3000);
        });
        const res = await fetch("/whip", { method: "POST", headers: { "content-type": "application/sdp" }, body: pc.localDescription!.sdp });
        await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
        (window as unknown as { pc: RTCPeerConnection }).pc = pc;
      });
    }
    // ICE, DTLS and the encoder's ramp-up are not the steady state being measured.
    await new Promise((r) => setTimeout(r, 5000));
    const packets0 = peers.reduce((n, p) => n + p.stats().videoPackets + p.stats().audioPackets, 0);
    const forwarded0 = forwarded;
    const busyStart = process.cpuUsage();
    const busyWall = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const wall = (Date.now() - busyWall) / 1000;
    const busyPct = (cpu(process.cpuUsage(busyStart)) / wall) * 100;
    const packets = peers.reduce((n, p) => n + p.stats().videoPackets + p.stats().audioPackets, 0) - packets0;
    const pages = browser.contexts().flatMap((c) => c.pages());
    const sent = await pages[0]!.evaluate(async () => {
      let o = { width: 0, height: 0, fps: 0, bytes: 0 };
      (await (window as unknown as { pc: RTCPeerConnection }).pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "video") o = { width: s.frameWidth, height: s.frameHeight, fps: s.framesPerSecond, bytes: s.bytesSent };
      });
      return o;
    });
    return {
      bench: "webrtc-ingest",
      library: "werift",
      streams,
      seconds,
      codec: peers[0]?.video.mimeType,
      first_stream: { width: sent.width, height: sent.height, fps: sent.fps },
      rtp_packets_per_s: Math.round(packets / wall),
      forwarded_per_s: Math.round((forwarded - forwarded0) / wall),
      baseline_idle_cpu_pct: +idlePct.toFixed(2),
      cpu_pct: +busyPct.toFixed(2),
      cpu_pct_per_stream: +((busyPct - idlePct) / streams).toFixed(2),
      ratio: +(busyPct / Math.max(idlePct, 0.01)).toFixed(1),
      load_start: loadStart,
      load_end: load(),
    };
  } finally {
    await browser.close();
    await Promise.all(peers.map((p) => p.close()));
    server.close();
    sink.close();
    out.close();
  }
}
