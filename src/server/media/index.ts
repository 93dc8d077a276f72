// The media module's door: ingest (RTMP, browser, WHIP), the transcoder, the LL-HLS origin.
export { createMedia, type Media, type MediaDeps } from "./service.js";
export { startSyntheticSource, findClockFont, type SyntheticSource, type SyntheticSourceOptions } from "./synthetic-source.js";
export { liveDir, masterPlaylist } from "./hls-origin.js";
export { LlHlsPackager } from "./ll-hls/packager.js";
export { ladderFor, parseLadder, ladderTranscodeArgs, frameFor, type Rung } from "./ll-hls/ladder.js";
export { createBrowserIngest, loopbackRtmpUrl } from "./browser-ingest.js";
export { mediaModule } from "./plugin.js";
export { WhipSessions, type WhipSession, type WhipSink, type WhipEndReason, type OpenWhipSession } from "./whip-sessions.js";
export { answerWhipOffer, checkWhipOffer, type WhipPeer, type WhipPeerOptions } from "./whip-peer.js";
export { createMediaModule, type MediaModule } from "./factory.js";
export type { Whep } from "./whep.js";
export { ffmpegSdpFor, freeUdpPortPair } from "./whip-ffmpeg.js";
export { webRtcNetwork, type WebRtcNetwork } from "./ice-config.js";
export { SignallingRelay, NODE_ORIGIN_HEADER } from "./signalling-relay.js";
