import type { Page } from "playwright-core";

export interface WhipPublished {
  status: number;
  /** The SDP answer on 201, else the error body. */
  body: string;
  location: string | null;
}

/**
 * The browser's side of WHIP (RFC 9725) from a test page: camera and microphone (Chromium's fake devices), one offer
 * with its gathered candidates (we do not trickle), POST, and a 201's answer applied. The peer connection stays in
 * `window.publisher` for later checks. `url` is resolved against the page's origin.
 */
export function whipPublishFrom(
  page: Page,
  url: string,
  opts: { headers?: Record<string, string>; media?: MediaStreamConstraints } = {},
): Promise<WhipPublished> {
  return page.evaluate(
    async ({ url, headers, media }) => {
      const stream = await navigator.mediaDevices.getUserMedia(media);
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly" });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === "complete") resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
        setTimeout(resolve, 3000);
      });
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/sdp", ...headers }, body: pc.localDescription!.sdp });
      const body = await res.text();
      if (res.status === 201) await pc.setRemoteDescription({ type: "answer", sdp: body });
      (window as unknown as { publisher: RTCPeerConnection }).publisher = pc;
      return { status: res.status, body, location: res.headers.get("location") };
    },
    { url, headers: opts.headers ?? {}, media: opts.media ?? { video: true, audio: true } },
  );
}
