import { useI18n } from "../i18n/coreText.js";

export interface QualityLevel {
  /** hls.js level index. */
  index: number;
  /** The picture's short side: a rendition's name ("720p" is 1280x720, or 720x1280 from a phone held upright). */
  size: number;
}

interface Props {
  levels: QualityLevel[];
  /** -1 = automatic (hls.js ABR). */
  value: number;
  onChange(level: number): void;
}

/** Auto / 720p / 480p / 240p: a native select, so keyboard and screen readers work without extra code. */
export function QualityMenu({ levels, value, onChange }: Props) {
  const { t } = useI18n();
  if (levels.length < 2) return null;
  const sorted = [...levels].sort((a, b) => b.size - a.size);
  return (
    <label class="player-quality">
      <select
        aria-label={t("player.quality")}
        data-testid="quality-menu"
        value={String(value)}
        onChange={(e) => onChange(Number((e.currentTarget as HTMLSelectElement).value))}
      >
        <option value="-1">{t("player.quality.auto")}</option>
        {sorted.map((l) => (
          <option key={l.index} value={String(l.index)}>{`${l.size}p`}</option>
        ))}
      </select>
    </label>
  );
}
