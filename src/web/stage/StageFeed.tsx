import { useEffect, useRef, useState } from "preact/hooks";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { watchStageFeed } from "./stageSdp.js";

const feedMessages = defineMessages(
  { feed: "{name}'s camera", feedWaiting: "Connecting to {name}'s camera…" },
  { feed: "Kamera von {name}", feedWaiting: "Verbinde mit der Kamera von {name} …" },
);

/**
 * Someone on stage as the others see and hear them: the stage's forwarding through the server (the studio's Stage
 * tab with the session cookie, a guest's page with its stage token as `headers`).
 */
export function StageFeed({ path, name, headers }: { path: string; name: string; headers?: Record<string, string> }) {
  const { t } = useMessages(feedMessages);
  const video = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    const { pc, ready } = watchStageFeed(
      path,
      (stream) => {
        const v = video.current;
        if (!v) return;
        v.srcObject = stream;
        // Sound on where the browser allows it (the person clicked on the page); else muted rather than no picture.
        v.play().catch(() => {
          v.muted = true;
          return v.play().catch(() => undefined);
        });
      },
      headers,
    );
    ready.catch(() => pc.close());
    return () => pc.close();
  }, [path]);
  return (
    <figure class="stage-feed">
      <video ref={video} autoplay playsinline aria-label={t("feed", { name })} data-testid="stage-feed-video" onPlaying={() => setPlaying(true)} />
      {!playing && <figcaption class="muted">{t("feedWaiting", { name })}</figcaption>}
    </figure>
  );
}
