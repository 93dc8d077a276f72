import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { SHOW_CATEGORIES, type ShowCategory } from "../../protocol/api.js";
import { useSignedIn } from "../accounts/useSignedIn.js";
import { Header } from "../components/Layout.js";
import { DiscoverSections } from "../shows/DiscoverSections.js";
import { categoryKey } from "../shows/categoryText.js";
import { useHomeText } from "../shows/homeText.js";

/** The search and category from the address (?q=&category=), so a search can be shared and survives a reload. */
function fromLocation(): { q: string; category: ShowCategory | undefined } {
  const params = new URLSearchParams(location.search);
  const category = params.get("category");
  return {
    q: (params.get("q") ?? "").slice(0, 100),
    category: (SHOW_CATEGORIES as readonly string[]).includes(category ?? "") ? (category as ShowCategory) : undefined,
  };
}

function HomePage() {
  const { t } = useHomeText();
  const account = useSignedIn();
  const initial = fromLocation();
  const [typed, setTyped] = useState(initial.q);
  const [q, setQ] = useState(initial.q);
  const [category, setCategory] = useState<ShowCategory | undefined>(initial.category);

  useEffect(() => {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (category) params.set("category", category);
    const search = params.toString();
    history.replaceState(null, "", search ? `/?${search}` : "/");
  }, [q, category]);

  const filtered = Boolean(q || category);
  const chip = (value: ShowCategory | undefined, label: string) => (
    <button
      type="button"
      class={category === value ? "chip is-active" : "chip"}
      aria-pressed={category === value}
      onClick={() => setCategory(value)}
      data-testid={`category-${value ?? "all"}`}
    >
      {label}
    </button>
  );
  return (
    <>
      <Header />
      <main class="page">
        <div class="hero">
          <h1>{t("home.title")}</h1>
          <p class="muted">{t("home.lead")}</p>
        </div>
        <div class="discover-controls">
          <form
            role="search"
            class="discover-search"
            onSubmit={(e) => {
              e.preventDefault();
              setQ(typed.trim());
            }}
          >
            <label class="sr-only" for="discover-q">
              {t("home.search")}
            </label>
            <input
              id="discover-q"
              type="search"
              maxLength={100}
              placeholder={t("home.searchHint")}
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              data-testid="discover-search"
            />
            <button type="submit" class="btn btn-primary" data-testid="discover-search-submit">
              {t("home.searchButton")}
            </button>
          </form>
          <div class="chips" role="group" aria-label={t("home.categories")}>
            {chip(undefined, t("home.all"))}
            {SHOW_CATEGORIES.map((c) => chip(c, t(categoryKey(c))))}
          </div>
          {filtered && (
            <button
              type="button"
              class="link"
              onClick={() => {
                setTyped("");
                setQ("");
                setCategory(undefined);
              }}
              data-testid="discover-clear"
            >
              {t("home.clear")}
            </button>
          )}
        </div>
        <DiscoverSections
          filters={{ q: q || undefined, category }}
          account={account}
          titles={{ live: t("home.live"), upcoming: t("home.upcoming"), replays: t("home.replays") }}
          empty={{
            all: filtered ? t("home.noMatch") : t("home.empty"),
            live: t("home.noneLive"),
            upcoming: t("home.noneUpcoming"),
            replays: t("home.noneReplays"),
          }}
        />
      </main>
    </>
  );
}

render(<HomePage />, document.getElementById("app")!);
