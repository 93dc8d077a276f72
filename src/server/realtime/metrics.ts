import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics of one server (its own registry, so several servers in one test process do not collide).
 * Per-room figures are labelled by room id only for the busiest rooms, to keep the label set bounded.
 */
export class RealtimeMetrics {
  readonly registry = new Registry();
  readonly sockets = new Gauge({ name: "showcart_realtime_sockets", help: "Open WebSocket connections in rooms", registers: [this.registry] });
  readonly roomSockets = new Gauge({
    name: "showcart_realtime_room_sockets",
    help: "Sockets per room (the 20 largest rooms)",
    labelNames: ["room"],
    registers: [this.registry],
  });
  readonly rooms = new Gauge({ name: "showcart_realtime_rooms", help: "Rooms with at least one socket", registers: [this.registry] });
  readonly commandsIn = new Counter({
    name: "showcart_realtime_commands_in_total",
    help: "Client commands received",
    labelNames: ["type"],
    registers: [this.registry],
  });
  readonly eventsOut = new Counter({
    name: "showcart_realtime_events_delivered_total",
    help: "Events delivered, summed over sockets",
    registers: [this.registry],
  });
  readonly framesOut = new Counter({ name: "showcart_realtime_frames_total", help: "Batch frames written to sockets", registers: [this.registry] });
  readonly framesDeflated = new Counter({
    name: "showcart_realtime_frames_deflated_total",
    help: "Batch frames written compressed (shared compression)",
    registers: [this.registry],
  });
  readonly flushSeconds = new Histogram({
    name: "showcart_realtime_flush_seconds",
    help: "Time from a room batch's first write to its last socket",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: "showcart_realtime_events_dropped_total",
    help: "Droppable events (chat) withheld from lagging sockets",
    registers: [this.registry],
  });
  readonly slowClosed = new Counter({
    name: "showcart_realtime_sockets_closed_slow_total",
    help: "Sockets closed for falling too far behind",
    registers: [this.registry],
  });
  readonly chatTrimmed = new Counter({
    name: "showcart_realtime_chat_trimmed_total",
    help: "Viewer chat messages left out of frames (over the per-frame limit) for a chat.trimmed marker",
    registers: [this.registry],
  });
  readonly reaped = new Counter({
    name: "showcart_realtime_sockets_reaped_total",
    help: "Sockets closed for not answering heartbeats",
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: "showcart_realtime_batch_events",
    help: "Events per room batch",
    buckets: [1, 2, 5, 10, 20, 50, 100, 500],
    registers: [this.registry],
  });

  constructor() {
    // Process metrics, including showcart_nodejs_eventloop_lag_seconds.
    collectDefaultMetrics({ register: this.registry, prefix: "showcart_" });
  }
}
