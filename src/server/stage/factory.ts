import type { Memberships } from "../accounts/index.js";
import type { ChatService } from "../chat/index.js";
import { loopbackRtmpUrl, type MediaModule, webRtcNetwork } from "../media/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { ShowService } from "../shows/index.js";
import { StageMedia } from "./media.js";
import { stageModule } from "./plugin.js";
import { StageService } from "./service.js";

/** The stage (issue #19): who is on a show's stage, their media, and the program composed from them. */
export function createStageModule(
  ctx: ModuleContext,
  doors: { shows: ShowService; chat: ChatService; memberships: Pick<Memberships, "displayNames">; media: MediaModule },
): { stage: StageService; stageMedia: StageMedia; plugin: ModulePlugin } {
  const { config, log } = ctx;
  const { shows, media } = doors;
  let stageMedia: StageMedia | null = null;
  const stage = new StageService({
    db: ctx.db,
    clock: ctx.clock,
    secretsKey: ctx.secretsKey,
    publicUrl: ctx.publicUrl,
    requireManager: (account, showId) => shows.requireManager(account, showId),
    chatAuthor: (messageId) => doors.chat.messageAuthor(messageId),
    displayName: async (accountId) => (await doors.memberships.displayNames([accountId])).get(accountId) ?? "",
    publishing: (participantId) => stageMedia?.publishing(participantId) ?? false,
    composing: (showId) => stageMedia?.composing(showId) ?? false,
    changed: (showId) => stageMedia?.sync(showId),
    requested: (e) => void ctx.bus.publish("stage.invited", e).catch((err: unknown) => log.warn({ err, showId: e.showId }, "stage request not announced")),
    withdrawn: (e) =>
      void ctx.bus.publish("stage.withdrawn", e).catch((err: unknown) => log.warn({ err, showId: e.showId }, "stage request withdrawal not announced")),
  });
  stageMedia = new StageMedia({
    ffmpegPath: config.ffmpegPath,
    publishUrl: async (showId) => `${loopbackRtmpUrl(config.RTMP_HOST, media.media.rtmpPort())}/${await shows.streamKey(showId)}`,
    onStage: (showId) => stage.onStage(showId),
    layout: (showId) => stage.layout(showId),
    left: (participantId) => stage.leave(participantId),
    peer: (() => {
      const net = webRtcNetwork(config);
      return { iceServers: net.iceServers, publicAddresses: net.publicAddresses };
    })(),
    sessions: media.whipSessions,
    log: log.child({ module: "stage" }),
  });
  const sm = stageMedia;
  // The stage's publishes keep the show's media on this node (its claim), and its signalling answered here.
  media.signalling?.holdWhile(() => sm.shows());
  return {
    stage,
    stageMedia: sm,
    plugin: modulePlugin("stage", stageModule, {
      stage,
      media: sm,
      // One publisher per show: OBS (RTMP live, and not our own compositor), the MediaRecorder ingest or the host's
      // plain WHIP (connecting included). The stage host's own earlier publish is not "elsewhere": it is replaced.
      publishedElsewhere: (showId) =>
        (media.media.status().live.includes(showId) && !sm.composing(showId)) ||
        media.browserIngest.stats(showId) !== null ||
        media.whipSessions.of(showId, "host").length > 0,
      signalling: media.signalling,
    }),
  };
}
