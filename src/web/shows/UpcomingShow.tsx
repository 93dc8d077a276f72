import { useEffect, useState } from "preact/hooks";
import type { LineupPreviewItem, ShowView } from "../../protocol/api.js";
import { FollowButton } from "../follows/FollowButton.js";
import { RemindButton } from "../notifications/RemindButton.js";
import { PushOptIn } from "../push/PushOptIn.js";
import { useReminderText } from "../notifications/reminderText.js";
import { api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { useServerNow } from "../platform/useServerNow.js";

// A scheduled show's page before it goes live (loaded only for such a show): the cover with a countdown on the server's
// clock in the stage, and beside it "Remind me", the calendar file, follow buttons, the description and the line-up.
// When the room says the show went live, the viewer page swaps these for the player.

const pad = (n: number) => String(n).padStart(2, "0");

function Countdown({ at }: { at: string }) {
  const { t, locale } = useReminderText();
  const now = useServerNow();
  const left = Date.parse(at) - now;
  const when = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }).format(Date.parse(at));
  if (left <= 0) {
    return (
      <p class="countdown" role="status" data-testid="countdown">
        {t("upcoming.soon")}
      </p>
    );
  }
  const s = Math.floor(left / 1000);
  const days = Math.floor(s / 86_400);
  const clock = `${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return (
    <div class="countdown" data-testid="countdown">
      <span class="countdown-label">{t("upcoming.startsIn")}</span>
      {/* Read out once a minute would be noise every second: the time is not a live region. */}
      <span class="countdown-clock" data-testid="countdown-clock">
        {days > 0 ? `${t("upcoming.days", { n: days })} ` : ""}
        {clock}
      </span>
      <time dateTime={at} class="countdown-when">
        {when}
      </time>
    </div>
  );
}

export function UpcomingStage({ show }: { show: ShowView }) {
  const { t } = useReminderText();
  return (
    <div class="player upcoming-stage" data-testid="upcoming-stage">
      {show.coverUrl && <img class="upcoming-cover" src={show.coverUrl} alt={t("upcoming.cover", { title: show.title })} data-testid="upcoming-cover" />}
      <div class="upcoming-overlay">{show.scheduledAt ? <Countdown at={show.scheduledAt} /> : <p class="countdown">{t("upcoming.noTime")}</p>}</div>
    </div>
  );
}

export function UpcomingDetails({
  show,
  account,
  follows = true,
}: {
  show: ShowView;
  account: { id: string; email: string } | null | undefined;
  follows?: boolean;
}) {
  const { t, locale } = useReminderText();
  const [lineup, setLineup] = useState<LineupPreviewItem[] | null>(null);
  const [following, setFollowing] = useState<{ host?: boolean; shop?: boolean }>({});
  useEffect(() => {
    api.get<{ items: LineupPreviewItem[] }>(`/api/shows/${encodeURIComponent(show.slug)}/lineup`).then(
      (r) => setLineup(r.items),
      () => setLineup([]),
    );
  }, [show.slug]);
  return (
    <section class="panel upcoming" aria-labelledby="upcoming-heading" data-testid="upcoming">
      <h2 id="upcoming-heading">{t("upcoming.heading")}</h2>
      {/* Web Push beside the reminder: a guest's for this reminder (its token), an account's for its reminders and follows. */}
      <RemindButton
        show={show}
        account={account}
        whenSet={follows ? (guest) => (guest ? <PushOptIn reminder={guest} /> : account ? <PushOptIn /> : null) : undefined}
      />
      {show.scheduledAt && (
        <p>
          <a class="link" href={`/api/shows/${encodeURIComponent(show.slug)}/calendar.ics`} download={`${show.slug}.ics`} data-testid="calendar-link">
            {t("upcoming.calendar")}
          </a>
        </p>
      )}
      {follows && (
        <div class="follow-row">
          {show.hostId && (
            <FollowButton
              target="host"
              targetId={show.hostId}
              name={show.hostName}
              account={account}
              onFollowing={(host) => setFollowing((f) => ({ ...f, host }))}
            />
          )}
          {show.merchantId && (
            <FollowButton
              target="shop"
              targetId={show.merchantId}
              name={show.merchantName}
              account={account}
              onFollowing={(shop) => setFollowing((f) => ({ ...f, shop }))}
            />
          )}
        </div>
      )}
      {/* A follower's go-live notices can reach this device too (the account's Web Push). */}
      {follows && account && (following.host || following.shop) && <PushOptIn />}
      {show.description && (
        <p class="upcoming-description" data-testid="upcoming-description">
          {show.description}
        </p>
      )}
      {lineup && lineup.length > 0 && (
        <>
          <h3>{t("upcoming.lineup")}</h3>
          <ul class="lineup-preview" data-testid="lineup-preview">
            {lineup.map((item, i) => (
              <li key={i}>
                <img src={item.imageUrl} alt="" width={48} height={48} loading="lazy" />
                <span class="lineup-preview-title">{item.title}</span>
                <span class="lineup-preview-price">
                  {item.showPrice < item.price ? (
                    <>
                      <span class="sr-only">
                        {t("upcoming.showPrice", {
                          price: formatMoney(item.showPrice, item.currency, locale),
                          regular: formatMoney(item.price, item.currency, locale),
                        })}
                      </span>
                      <span aria-hidden="true">
                        <strong>{formatMoney(item.showPrice, item.currency, locale)}</strong> <s>{formatMoney(item.price, item.currency, locale)}</s>
                      </span>
                    </>
                  ) : (
                    formatMoney(item.showPrice, item.currency, locale)
                  )}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
