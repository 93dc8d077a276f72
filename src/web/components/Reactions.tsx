import { useEffect, useRef, useState } from "preact/hooks";
import { REACTIONS, type Reaction } from "../../protocol/realtime.js";
import { useI18n } from "../i18n/coreText.js";
import type { RoomState } from "../realtime/showState.js";

interface Floater {
  id: number;
  emoji: string;
  left: number;
}

// At most this many float at once, however many arrive: the show must stay watchable during a reaction storm.
const MAX_FLOATING = 24;
const FLOAT_MS = 2400;

/** Reaction buttons over the video, and the audience's reactions (counted server-side per tick) floating up. */
export function Reactions({ burst, onSend }: { burst: RoomState["reactions"]; onSend(emoji: Reaction): void }) {
  const { t } = useI18n();
  const [floating, setFloating] = useState<Floater[]>([]);
  const next = useRef(0);

  useEffect(() => {
    if (!burst) return;
    const fresh: Floater[] = [];
    for (const [emoji, n] of Object.entries(burst.counts)) {
      for (let i = 0; i < Math.min(n ?? 0, 6); i++) fresh.push({ id: next.current++, emoji, left: 10 + Math.random() * 80 });
    }
    if (!fresh.length) return;
    setFloating((f) => [...f, ...fresh].slice(-MAX_FLOATING));
    const ids = new Set(fresh.map((f) => f.id));
    const timer = setTimeout(() => setFloating((f) => f.filter((x) => !ids.has(x.id))), FLOAT_MS);
    return () => clearTimeout(timer);
  }, [burst?.seq]);

  return (
    <div class="reactions" data-testid="reactions">
      <div class="reactions-float" aria-hidden="true">
        {floating.map((f) => (
          <span key={f.id} class="reaction-floater" style={{ left: `${f.left}%` }}>
            {f.emoji}
          </span>
        ))}
      </div>
      <div class="reactions-bar" role="group" aria-label={t("reactions.label")}>
        {REACTIONS.map((emoji) => (
          <button key={emoji} type="button" class="reaction-btn" onClick={() => onSend(emoji)} data-testid="reaction-button">
            {emoji}
          </button>
        ))}
      </div>
    </div>
  );
}
