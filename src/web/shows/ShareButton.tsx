import { useRef } from "preact/hooks";
import type { ShowView } from "../../protocol/api.js";
import { Icon } from "../components/Icon.js";
import { useI18n } from "../i18n/coreText.js";

// The sheet, its strings and the share request load on first use (the viewer page has a weight budget); pointing at
// or focusing the button starts the load, so it is usually there by the click.
let sheetModule: Promise<typeof import("./ShareSheet.js")> | null = null;
const loadSheet = () => (sheetModule ??= import("./ShareSheet.js"));

/** The viewer page's Share button: the device's share sheet where the browser has one (Web Share), else ours. */
export function ShareButton({ show }: { show: ShowView }) {
  const { t } = useI18n();
  const button = useRef<HTMLButtonElement>(null);
  // Pressed again while the sheet loads or is open: nothing more happens.
  const opening = useRef(false);

  const open = async () => {
    if (opening.current) return;
    opening.current = true;
    const m = await loadSheet().catch(() => null);
    if (!m || (await m.shareNatively(show))) {
      opening.current = false;
      return;
    }
    m.openShareSheet(show, () => {
      opening.current = false;
      button.current?.focus();
    });
  };

  return (
    <button
      type="button"
      class="btn btn-small share-btn"
      ref={button}
      onPointerEnter={() => void loadSheet().catch(() => null)}
      onFocus={() => void loadSheet().catch(() => null)}
      onClick={() => void open()}
      aria-haspopup="dialog"
      data-testid="share-button"
    >
      <Icon name="share" />
      <span class="share-label">{t("show.share")}</span>
    </button>
  );
}
