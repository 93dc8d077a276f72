import { useEffect, useState } from "preact/hooks";
import type { FollowerCounts } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useFollowText } from "./followText.js";

/** The studio's line under the title: how many follow the show's host and its shop (they hear when it goes live). */
export function StudioFollowers({ showId }: { showId: string }) {
  const { t } = useFollowText();
  const [counts, setCounts] = useState<FollowerCounts | null>(null);
  useEffect(() => {
    api.get<{ followers: FollowerCounts }>(`/api/studio/shows/${encodeURIComponent(showId)}/followers`).then(
      (r) => setCounts(r.followers),
      () => {},
    );
  }, [showId]);
  if (!counts) return null;
  return (
    <p class="muted studio-followers" data-testid="studio-followers">
      {t("follow.ofHost", { n: counts.host })} · {t("follow.ofShop", { n: counts.shop })}
    </p>
  );
}

/** The admin's figure: how many accounts follow the shop. `path` is the admin API path (scoped to the acting shop). */
export function ShopFollowers({ path }: { path: string }) {
  const { t } = useFollowText();
  const [n, setN] = useState<number | null>(null);
  useEffect(() => {
    api.get<{ followers: { shop: number } }>(path).then(
      (r) => setN(r.followers.shop),
      () => {},
    );
  }, [path]);
  if (n === null) return null;
  return (
    <p class="muted" data-testid="shop-followers">
      {t("follow.shopFollowers", { n })}
    </p>
  );
}
