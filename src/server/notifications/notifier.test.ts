import { describe, expect, it } from "vitest";
import { type NoticeRecipient, type NotificationChannel, Notifier, type ShowNotice } from "./notifier.js";

const notice: ShowNotice = {
  kind: "show.live",
  key: "show.live:shw_1",
  show: { id: "shw_1", slug: "s", title: "T", scheduledAt: null, coverUrl: null, shopName: "Shop", hostName: "Host", timeZone: "Europe/Berlin" },
  url: "http://localhost/shows/s",
};
const recipient: NoticeRecipient = {
  subscription: { kind: "reminder", id: "rem_1" },
  accountId: null,
  email: "a@example.com",
  lang: "en",
  unsubscribeUrl: "http://localhost/unsubscribe/x",
};

describe("Notifier", () => {
  it("hands a notice to every channel in the order they were added, and nothing when nobody is subscribed", async () => {
    const seen: string[] = [];
    const channel = (name: string): NotificationChannel => ({ name, queue: async (_tx, n, rs) => void seen.push(`${name}:${n.key}:${rs.length}`) });
    const notifier = new Notifier();
    notifier.addChannel(channel("email"));
    notifier.addChannel(channel("push"));
    expect(() => notifier.addChannel(channel("push"))).toThrow(/twice/);
    await notifier.queue({} as never, notice, [recipient]);
    await notifier.queue({} as never, notice, []);
    expect(seen).toEqual(["email:show.live:shw_1:1", "push:show.live:shw_1:1"]);
    expect(notifier.channels).toEqual(["email", "push"]);
  });
});
