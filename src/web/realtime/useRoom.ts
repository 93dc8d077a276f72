import { useEffect, useRef, useState } from "preact/hooks";
import type { Envelope, PersonalFrame, SocketError } from "../../protocol/realtime.js";
import { type RealtimeConnection, connectRealtime } from "./connectRealtime.js";
import { type RoomState, applyRoomEvent, roomFromSnapshot } from "./showState.js";

interface Options {
  params?: () => Record<string, string | undefined>;
  /** Events beyond the room state (e.g. `stats.updated` in the studio). */
  onEvent?: (ev: Envelope) => void;
  /** Frames for this signed-in viewer only (see PersonalFrame). */
  onPersonal?: (frame: PersonalFrame) => void;
}

/** A refusal the room's socket reported, and when (device time) it arrived. */
export interface RoomError extends SocketError {
  at: number;
}

/** Keeps a RoomState in sync with a realtime room for as long as the component is mounted. */
export function useRoom(path: string, initial: RoomState, opts: Options = {}) {
  const [room, setRoom] = useState<RoomState>(initial);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<RoomError | null>(null);
  const connection = useRef<RealtimeConnection | null>(null);
  const optsRef = useRef(opts);
  optsRef.current = opts;

  useEffect(() => {
    const conn = connectRealtime({
      path,
      params: () => optsRef.current.params?.() ?? {},
      handlers: {
        onSnapshot: (s) => setRoom(roomFromSnapshot(s)),
        onEvent: (ev) => {
          setRoom((r) => applyRoomEvent(r, ev));
          optsRef.current.onEvent?.(ev);
        },
        onError: (e) => setError({ ...e, at: Date.now() }),
        onState: (s) => setConnected(s === "open"),
        onPersonal: (f) => optsRef.current.onPersonal?.(f),
      },
    });
    connection.current = conn;
    return () => {
      conn.close();
      connection.current = null;
    };
  }, [path]);

  return { room, setRoom, connected, error, connection };
}
