import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ShowView } from "../../protocol/api.js";
import { NetworkError, api } from "../platform/apiClient.js";
import { Centered, Header, LoadError, StatusBadge, formatStart } from "../components/Layout.js";
import { ReplayThumb } from "../recordings/ReplayThumb.js";
import { useHomeText } from "../shows/homeText.js";
import { formatMoney } from "../platform/money.js";
import { serverNow } from "../platform/serverClock.js";

function ShowCard({ show }: { show: ShowView }) {
  const { t, locale } = useHomeText();
  const pinned = show.offers.find((o) => o.pinned) ?? show.offers[0];
  const [hover, setHover] = useState(false);
  const on = () => setHover(true);
  const off = () => setHover(false);
  return (
    <li>
      <a
        class="show-card"
        href={`/shows/${encodeURIComponent(show.slug)}`}
        data-testid="show-card"
        data-slug={show.slug}
        onMouseEnter={on}
        onMouseLeave={off}
        onFocus={on}
        onBlur={off}
      >
        <div class="show-thumb">
          {show.replay?.posterUrl ? (
            <ReplayThumb replay={show.replay} active={hover} />
          ) : pinned ? (
            <img src={pinned.imageUrl} alt="" loading="lazy" />
          ) : show.coverUrl ? (
            <img src={show.coverUrl} alt="" loading="lazy" data-testid="show-cover" />
          ) : (
            <span aria-hidden="true">▶</span>
          )}
          <StatusBadge status={show.status} />
        </div>
        <div class="show-info">
          <h3>{show.title}</h3>
          <p class="muted">{t("home.by", { host: show.hostName, merchant: show.merchantName })}</p>
          {show.status === "scheduled" && show.scheduledAt && (
            <p class="show-when">{t("home.startsAt", { time: formatStart(show.scheduledAt, locale, serverNow()) })}</p>
          )}
          {show.status === "live" && pinned && (
            <p class="show-when">
              {pinned.title} · <strong>{formatMoney(pinned.showPrice, pinned.currency, locale)}</strong>
            </p>
          )}
        </div>
      </a>
    </li>
  );
}

function Section({ title, shows, testId }: { title: string; shows: ShowView[]; testId: string }) {
  if (!shows.length) return null;
  return (
    <section class="show-section" data-testid={testId}>
      <h2>{title}</h2>
      <ul class="show-grid">
        {shows.map((s) => (
          <ShowCard key={s.id} show={s} />
        ))}
      </ul>
    </section>
  );
}

function HomePage() {
  const { t } = useHomeText();
  const [shows, setShows] = useState<ShowView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () => {
    setError(null);
    api
      .get<{ shows: ShowView[] }>("/api/shows")
      .then((r) => setShows(r.shows))
      .catch((err) => setError(t(err instanceof NetworkError ? "common.network" : "common.error")));
  };
  useEffect(() => {
    load();
    // Shows go live and off air; a slow poll keeps the badges honest without a socket per listing.
    const id = setInterval(
      () =>
        api.get<{ shows: ShowView[] }>("/api/shows").then(
          (r) => setShows(r.shows),
          () => undefined,
        ),
      30_000,
    );
    return () => clearInterval(id);
  }, []);

  const byStart = (a: ShowView, b: ShowView) => (a.scheduledAt ?? "").localeCompare(b.scheduledAt ?? "");
  return (
    <>
      <Header />
      <main class="page">
        <div class="hero">
          <h1>{t("home.title")}</h1>
          <p class="muted">{t("home.lead")}</p>
        </div>
        {error ? (
          <LoadError message={error} onRetry={load} />
        ) : !shows ? (
          <Centered>{t("common.loading")}</Centered>
        ) : !shows.some((s) => s.status !== "ended") ? (
          <Centered>
            <p data-testid="no-shows">{t("home.empty")}</p>
          </Centered>
        ) : (
          <>
            <Section title={t("home.live")} shows={shows.filter((s) => s.status === "live" || s.status === "reconnecting")} testId="shows-live" />
            <Section title={t("home.upcoming")} shows={shows.filter((s) => s.status === "scheduled").sort(byStart)} testId="shows-upcoming" />
            <Section title={t("home.others")} shows={shows.filter((s) => s.status === "offline")} testId="shows-offline" />
          </>
        )}
      </main>
    </>
  );
}

render(<HomePage />, document.getElementById("app")!);
