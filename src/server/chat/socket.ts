import { z } from "zod";
import { chatReportSchema } from "../../protocol/api.js";
import type { SocketError } from "../../protocol/realtime.js";
import type { Account } from "../accounts/index.js";
import type { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { type ChatService, cleanDisplayName, validDeviceId } from "./service.js";

/** The `chat.report` command's frame schema, for the realtime route's command union. */
export const chatReportCommand = z.object({ t: z.literal("chat.report"), d: chatReportSchema });

/**
 * Chat commands of one viewer socket: who is speaking (account, device id from the connect query, address), and the
 * error frame for a refusal. Expected refusals carry `retryAfterMs` (slow mode, timeouts, limits).
 */
export function chatSocket(
  chat: ChatService,
  opts: { showId: string; account: Account | null; isHost: boolean; name: string | undefined; device: string | undefined; ip: string },
) {
  const sender = {
    account: opts.account,
    name: opts.isHost && opts.account ? opts.account.displayName : cleanDisplayName(opts.name),
    deviceId: validDeviceId(opts.device),
    ip: opts.ip,
    connectionId: randomId("conn"),
  };
  return {
    sender,
    run(cmd: { t: "chat.send"; d: { text: string } } | z.infer<typeof chatReportCommand>): Promise<unknown> {
      return cmd.t === "chat.report" ? chat.report(opts.showId, sender, cmd.d.messageId, cmd.d.reason) : chat.post(opts.showId, sender, cmd.d.text);
    },
  };
}

export function chatErrorFrame(err: AppError): SocketError {
  const retry = (err.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof retry === "number" ? { code: err.code, message: err.message, retryAfterMs: retry } : { code: err.code, message: err.message };
}
