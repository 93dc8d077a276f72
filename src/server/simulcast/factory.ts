import type { MediaModule } from "../media/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { ResolveHost } from "../platform/public-address.js";
import type { ShowService } from "../shows/index.js";
import { simulcastModule } from "./plugin.js";
import { SecretBox } from "./secret-box.js";
import { SimulcastService } from "./service.js";

/** RTMP relays to other platforms, running while media reports the show live. */
export function createSimulcastModule(
  ctx: ModuleContext,
  doors: {
    shows: ShowService;
    media: Pick<MediaModule, "media" | "onLive" | "onOffline">;
    /** DNS for destinations (a stand-in in tests). */
    resolveHost?: ResolveHost;
    /** Restart delays after a relay fails (the service's default when unset). */
    backoffMs?: number[];
  },
): { simulcast: SimulcastService; plugin: ModulePlugin } {
  const { config } = ctx;
  const { media } = doors.media;
  const simulcast = new SimulcastService({
    db: ctx.db,
    clock: ctx.clock,
    box: new SecretBox(ctx.secretsKey),
    ffmpegPath: config.ffmpegPath,
    log: ctx.log.child({ module: "simulcast" }),
    playUrl: (showId) => media.playUrl(showId),
    isLive: (showId) => media.showState(showId) !== undefined,
    allowInternalHosts: config.SIMULCAST_ALLOW_PRIVATE,
    resolveHost: doors.resolveHost,
    backoffMs: doors.backoffMs,
  });
  doors.media.onLive((showId) => simulcast.onLive(showId));
  doors.media.onOffline((showId) => simulcast.onOffline(showId));
  return { simulcast, plugin: modulePlugin("simulcast", simulcastModule, { simulcast, shows: doors.shows }) };
}
