import { useI18n } from "../i18n/coreText.js";

export interface QualityLevel {
  /** hls.js level index. */
  index: number;
  height: number;
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
  const sorted = [...levels].sort((a, b) => b.height - a.height);
  return (
    <label class="player-quality">
      <span class="sr-only">{t("player.quality")}</span>
      <select
        aria-label={t("player.quality")}
        data-testid="quality-menu"
        value={String(value)}
        onChange={(e) => onChange(Number((e.currentTarget as HTMLSelectElement).value))}
      >
        <option value="-1">{t("player.quality.auto")}</option>
        {sorted.map((l) => (
          <option key={l.index} value={String(l.index)}>{`${l.height}p`}</option>
        ))}
      </select>
    </label>
  );
}
