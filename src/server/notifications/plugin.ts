import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import type { Bus } from "../platform/bus.js";
import { type NotificationRouteDeps, registerNotificationRoutes } from "./routes.js";

export interface NotificationsModuleOptions extends NotificationRouteDeps {
  sweepers: Sweepers;
  bus: Bus;
  /** How often every node looks for notices due (a show starting within 15 minutes, a show gone live). */
  sweepMs: number;
}

/**
 * Reminders, calendar files and unsubscribe links; and the sweep that fans out a show's notices. Every node sweeps
 * (the notice's key in the database decides who sends), and a show's status change makes each node look at once.
 */
export const notificationsModule: FastifyPluginAsync<NotificationsModuleOptions> = async (app, opts) => {
  registerNotificationRoutes(app, opts);
  // One sweep at a time per node; a go-live heard during a sweep runs one more after it (that sweep may have read too early).
  let running: Promise<void> | null = null;
  let again = false;
  const sweep = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await opts.reminders.sendDue();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  // With sweepers off (tests stepping a manual clock) nothing is sent unless the test calls sendDue.
  let on = false;
  opts.sweepers.install(app, (every) => {
    on = true;
    every(opts.sweepMs, sweep);
  });
  const off = opts.bus.subscribe("show.status", (ev) => {
    if (on && ev.status === "live") void sweep().catch((err) => app.log.error({ err }, "go-live notices failed"));
  });
  app.addHook("onClose", async () => off());
};
