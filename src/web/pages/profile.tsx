import { type ComponentChildren, render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { HostProfile, ShopProfile } from "../../protocol/api.js";
import { useSignedIn } from "../accounts/useSignedIn.js";
import { Centered, Header, LoadError } from "../components/Layout.js";
import { FollowButton } from "../follows/FollowButton.js";
import { ApiError, NetworkError, api } from "../platform/apiClient.js";
import { DiscoverSections } from "../shows/DiscoverSections.js";
import { useHomeText } from "../shows/homeText.js";

// A shop's page (/shops/<slug>) or a host's (/hosts/<id>): name, followers, the follow button and their shows.

type Profile = { kind: "shop"; shop: ShopProfile } | { kind: "host"; host: HostProfile };

function target(): { kind: "shop" | "host"; key: string } | null {
  const m = /^\/(shops|hosts)\/([^/]+)\/?$/.exec(location.pathname);
  if (!m) return null;
  return { kind: m[1] === "shops" ? "shop" : "host", key: decodeURIComponent(m[2]!) };
}

function ProfilePage() {
  const { t } = useHomeText();
  const account = useSignedIn();
  const [profile, setProfile] = useState<Profile | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The count follows the viewer's own toggle (the server's figure is read once, with the page).
  const [followDelta, setFollowDelta] = useState(0);
  // A ref, not state: a click right after the button's first answer reaches onFollowing before a state update would
  // have re-rendered this page, and would be taken for the state at load (the count stayed at 0).
  const followingAtLoad = useRef<boolean | null>(null);
  const which = target();

  const load = () => {
    if (!which) return setMissing(true);
    setError(null);
    const path = which.kind === "shop" ? `/api/shops/${encodeURIComponent(which.key)}` : `/api/hosts/${encodeURIComponent(which.key)}`;
    api.get<{ shop?: ShopProfile; host?: HostProfile }>(path).then(
      (r) => {
        const p: Profile = r.shop ? { kind: "shop", shop: r.shop } : { kind: "host", host: r.host! };
        setProfile(p);
        document.title = `${p.kind === "shop" ? p.shop.name : p.host.name} · Showcart`;
      },
      (err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError(t(err instanceof NetworkError ? "common.network" : "common.error"));
      },
    );
  };
  useEffect(load, []);

  const onFollowing = (following: boolean) => {
    if (followingAtLoad.current === null) followingAtLoad.current = following;
    else setFollowDelta(following === followingAtLoad.current ? 0 : following ? 1 : -1);
  };

  let body: ComponentChildren;
  if (missing) {
    body = (
      <Centered>
        <p data-testid="profile-missing">{t("profile.notFound")}</p>
      </Centered>
    );
  } else if (error) {
    body = <LoadError message={error} onRetry={load} />;
  } else if (!profile) {
    body = <Centered>{t("common.loading")}</Centered>;
  } else {
    const { name, id, followers } = profile.kind === "shop" ? profile.shop : profile.host;
    const logo = profile.kind === "shop" ? profile.shop.logoUrl : null;
    body = (
      <>
        <div class="profile-head" data-testid="profile-head">
          {logo && <img class="profile-logo" src={logo} alt="" width={72} height={72} />}
          <div>
            <p class="muted profile-kind">{profile.kind === "shop" ? t("profile.shop") : t("profile.host")}</p>
            <h1 data-testid="profile-name">{name}</h1>
            <p class="muted" data-testid="profile-followers">
              {t("profile.followers", { n: Math.max(0, followers + followDelta) })}
            </p>
          </div>
          <div class="profile-follow">
            <FollowButton target={profile.kind} targetId={id} name={name} account={account} onFollowing={onFollowing} />
          </div>
        </div>
        <DiscoverSections
          filters={profile.kind === "shop" ? { shop: profile.shop.slug } : { host: profile.host.id }}
          account={account}
          titles={{ live: t("home.live"), upcoming: t("home.upcoming"), replays: t("profile.past") }}
          empty={{ all: t("home.empty"), live: t("home.noneLive"), upcoming: t("home.noneUpcoming"), replays: t("profile.nonePast") }}
        />
      </>
    );
  }
  return (
    <>
      <Header />
      <main class="page">{body}</main>
    </>
  );
}

render(<ProfilePage />, document.getElementById("app")!);
