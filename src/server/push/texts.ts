import type { PushNoticePayload } from "../../protocol/api.js";

// The notification's words, in the recipient's language. A push message carries at most 4 KB once encrypted
// (RFC 8291 §4: 4096 octets of payload, less 103 for the header, padding delimiter and tag), so fields are capped.

export interface NoticeText {
  kind: PushNoticePayload["kind"];
  showTitle: string;
  shopName: string;
  hostName: string;
}

const TEXT: Record<"de" | "en", Record<PushNoticePayload["kind"], (n: NoticeText) => { title: string; body: string }>> = {
  en: {
    "show.starting_soon": (n) => ({
      title: `Starting in 15 minutes: ${n.showTitle}`,
      body: `${n.hostName} goes live for ${n.shopName} soon. Tap to open the show.`,
    }),
    "show.live": (n) => ({ title: `Live now: ${n.showTitle}`, body: `${n.hostName} is live for ${n.shopName}. Tap to watch.` }),
  },
  de: {
    "show.starting_soon": (n) => ({
      title: `In 15 Minuten: ${n.showTitle}`,
      body: `${n.hostName} ist gleich für ${n.shopName} live. Tippe, um die Show zu öffnen.`,
    }),
    "show.live": (n) => ({ title: `Jetzt live: ${n.showTitle}`, body: `${n.hostName} ist für ${n.shopName} live. Tippe zum Zuschauen.` }),
  },
};

const cap = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function noticeText(lang: "de" | "en", n: NoticeText): { title: string; body: string } {
  const t = TEXT[lang][n.kind]({ ...n, showTitle: cap(n.showTitle, 120), shopName: cap(n.shopName, 80), hostName: cap(n.hostName, 80) });
  return { title: cap(t.title, 160), body: cap(t.body, 300) };
}
