import { useEffect, useRef, useState } from "preact/hooks";
import type { DiscoverAnswer, DiscoverOverview, DiscoverPage, DiscoverSection, ShowCategory } from "../../protocol/api.js";
import { Centered, LoadError } from "../components/Layout.js";
import { NetworkError, api } from "../platform/apiClient.js";
import { ShowCard } from "./ShowCard.js";
import { useHomeText } from "./homeText.js";

export interface DiscoverFilters {
  q?: string;
  category?: ShowCategory;
  /** A shop's slug (the shop page). */
  shop?: string;
  /** A host's account id (the host page). */
  host?: string;
}

type Sections = Record<DiscoverSection, DiscoverPage>;

const ORDER: DiscoverSection[] = ["live", "upcoming", "replays"];

function queryOf(filters: DiscoverFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/**
 * Live now, upcoming and replays from GET /api/discover, each with "Show more" (its next page by cursor). The first
 * pages are read again every 30 s while nothing more was loaded, so badges and sections follow shows going live and
 * off air without a socket per listing.
 */
export function DiscoverSections({
  filters,
  account,
  titles,
  empty,
}: {
  filters: DiscoverFilters;
  account: { email: string } | null | undefined;
  /** Section headings (the shop and host pages say "Past shows" for replays). */
  titles: Record<DiscoverSection, string>;
  /** What a section says when it has no show; `all` when all three are empty. */
  empty: Record<DiscoverSection | "all", string>;
}) {
  const { t } = useHomeText();
  const [sections, setSections] = useState<Sections | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<DiscoverSection | null>(null);
  const paged = useRef(false);
  const key = queryOf(filters);

  const load = (quiet = false) => {
    if (!quiet) setError(null);
    return api.get<DiscoverOverview>(`/api/discover${key}`).then(
      (r) => {
        // An answer for filters that changed meanwhile is dropped (the newer request is on its way).
        if (queryOf(filters) === key) setSections(r.sections);
      },
      (err) => {
        if (!quiet) setError(t(err instanceof NetworkError ? "common.network" : "common.error"));
      },
    );
  };
  useEffect(() => {
    paged.current = false;
    setSections(null);
    load();
    const id = setInterval(() => {
      if (!paged.current) load(true);
    }, 30_000);
    return () => clearInterval(id);
  }, [key]);

  const more = async (section: DiscoverSection) => {
    const cursor = sections?.[section].nextCursor;
    if (!cursor) return;
    setBusy(section);
    paged.current = true;
    try {
      const r = await api.get<DiscoverAnswer>(`/api/discover${queryOf(filters, { section, cursor })}`);
      setSections((s) => (s ? { ...s, [section]: { shows: [...s[section].shows, ...r.shows], nextCursor: r.nextCursor } } : s));
    } catch (err) {
      setError(t(err instanceof NetworkError ? "common.network" : "common.error"));
    } finally {
      setBusy(null);
    }
  };

  if (error) return <LoadError message={error} onRetry={() => load()} />;
  if (!sections) return <Centered>{t("common.loading")}</Centered>;
  if (ORDER.every((s) => sections[s].shows.length === 0)) {
    return (
      <Centered>
        <p data-testid="no-shows">{empty.all}</p>
      </Centered>
    );
  }
  return (
    <>
      {ORDER.map((name) => {
        const page = sections[name];
        const headingId = `shows-${name}-heading`;
        return (
          <section key={name} class="show-section" aria-labelledby={headingId} data-testid={`shows-${name}`}>
            <h2 id={headingId}>{titles[name]}</h2>
            {page.shows.length === 0 ? (
              <p class="muted" data-testid={`shows-${name}-empty`}>
                {empty[name]}
              </p>
            ) : (
              <ul class="show-grid">
                {page.shows.map((s) => (
                  <ShowCard key={s.id} show={s} account={account} />
                ))}
              </ul>
            )}
            {page.nextCursor && (
              <p class="show-more">
                <button type="button" class="btn" disabled={busy === name} onClick={() => more(name)} data-testid={`shows-${name}-more`}>
                  {t("home.more")}
                </button>
              </p>
            )}
          </section>
        );
      })}
    </>
  );
}
