import { useEffect } from "preact/hooks";
import { useI18n } from "../i18n/coreText.js";
import { useServerNow } from "../platform/useServerNow.js";
import { formatCountdown } from "../components/OfferCard.js";

interface Props {
  /** The order's `holdExpiresAt` (server time). */
  expiresAt: string;
  onExpired(): void;
}

/** How long the reserved units stay the buyer's, on the server's clock (like the offer countdown). */
export function HoldTimer({ expiresAt, onExpired }: Props) {
  const { t } = useI18n();
  const now = useServerNow(500);
  const left = Date.parse(expiresAt) - now;
  const expired = left <= 0;
  useEffect(() => {
    if (expired) onExpired();
  }, [expired]);
  const seconds = Math.max(0, Math.ceil(left / 1000));
  return (
    <p class={`hold-timer${seconds <= 30 ? " is-urgent" : ""}`} role="timer" aria-live="off" data-testid="hold-timer" data-seconds={seconds}>
      {t("hold.reserved", { time: formatCountdown(left) })}
    </p>
  );
}
