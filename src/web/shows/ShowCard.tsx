import { useState } from "preact/hooks";
import type { DiscoverShow } from "../../protocol/api.js";
import { StatusBadge, formatStart } from "../components/Layout.js";
import { RemindButton } from "../notifications/RemindButton.js";
import { formatMoney } from "../platform/money.js";
import { serverNow } from "../platform/serverClock.js";
import { ReplayThumb } from "../recordings/ReplayThumb.js";
import { categoryKey } from "./categoryText.js";
import { useHomeText } from "./homeText.js";

/**
 * A show in a listing (home, shop and host pages): the picture and title link to the show; an upcoming show's card
 * carries "Remind me" below that link (a button cannot sit inside a link).
 */
export function ShowCard({ show, account }: { show: DiscoverShow; account: { email: string } | null | undefined }) {
  const { t, locale } = useHomeText();
  const [hover, setHover] = useState(false);
  const on = () => setHover(true);
  const off = () => setHover(false);
  return (
    <li class="show-card" data-testid="show-card" data-slug={show.slug}>
      <a class="show-card-link" href={`/shows/${encodeURIComponent(show.slug)}`} onMouseEnter={on} onMouseLeave={off} onFocus={on} onBlur={off}>
        <div class="show-thumb">
          {show.replay?.posterUrl ? (
            <ReplayThumb replay={show.replay} active={hover} />
          ) : show.featured ? (
            <img src={show.featured.imageUrl} alt="" loading="lazy" />
          ) : show.coverUrl ? (
            <img src={show.coverUrl} alt="" loading="lazy" data-testid="show-cover" />
          ) : (
            <span aria-hidden="true">▶</span>
          )}
          <StatusBadge status={show.status} />
        </div>
        <div class="show-info">
          <h3>{show.title}</h3>
          <p class="muted">{t("home.by", { host: show.host.name, merchant: show.shop.name })}</p>
          {show.category !== "other" && <p class="show-category">{t(categoryKey(show.category))}</p>}
          {show.status === "scheduled" && show.scheduledAt && (
            <p class="show-when">{t("home.startsAt", { time: formatStart(show.scheduledAt, locale, serverNow()) })}</p>
          )}
          {(show.status === "live" || show.status === "reconnecting") && show.featured && (
            <p class="show-when">
              {show.featured.title} · <strong>{formatMoney(show.featured.showPrice, show.featured.currency, locale)}</strong>
            </p>
          )}
        </div>
      </a>
      {show.status === "scheduled" && (
        <div class="show-card-actions">
          <RemindButton show={show} account={account} />
        </div>
      )}
    </li>
  );
}
