import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { FollowTarget, FollowView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useFollowText } from "./followText.js";

export interface FollowButtonProps {
  target: FollowTarget;
  /** The host's account id or the shop's merchant id (ShowView.hostId / merchantId). */
  targetId: string;
  /** The host's or shop's name, as the button says it. */
  name: string;
  /** The signed-in viewer; null when signed out (the button leads to the login), undefined while unknown. */
  account: { id: string } | null | undefined;
  /** Told whether the viewer follows, once known and after each toggle (the page offers Web Push to followers). */
  onFollowing?: (following: boolean) => void;
}

const followPath = (target: FollowTarget, id: string) => `/api/follows/${target}/${encodeURIComponent(id)}`;

/**
 * Follow a host or a shop: a toggle for a signed-in viewer (aria-pressed), a link to sign in otherwise. Reusable on
 * the upcoming page and on shop and host pages.
 */
export function FollowButton({ target, targetId, name, account, onFollowing }: FollowButtonProps) {
  const { t } = useFollowText();
  const errorText = useErrorText();
  const [following, setFollowing] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const self = target === "host" && account?.id === targetId;
  useEffect(() => {
    if (following !== null) onFollowing?.(following);
  }, [following]);

  useEffect(() => {
    setFollowing(null);
    if (!account || self) return;
    api.get<{ follow: FollowView }>(followPath(target, targetId)).then(
      (r) => setFollowing(r.follow.following),
      () => setFollowing(false),
    );
  }, [account?.id, target, targetId]);

  if (account === undefined || self) return null;
  if (account === null) {
    return (
      <a class="btn btn-small" href={`/login?next=${encodeURIComponent(location.pathname)}`} data-testid={`follow-${target}-signin`}>
        {t("follow.signIn", { name })}
      </a>
    );
  }
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = following
        ? await api.del<{ follow: FollowView }>(followPath(target, targetId))
        : await api.put<{ follow: FollowView }>(followPath(target, targetId), {});
      setFollowing(r.follow.following);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="follow">
      <button
        type="button"
        class={following ? "btn btn-small is-following" : "btn btn-small"}
        aria-pressed={following === true}
        disabled={busy || following === null}
        onClick={toggle}
        title={t("follow.hint", { name })}
        data-testid={`follow-${target}`}
      >
        {following ? t("follow.following", { name }) : t("follow.follow", { name })}
      </button>
      {error && (
        <span class="alert" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
