import { useState } from "preact/hooks";
import { defineMessages, useMessages } from "../i18n/messages.js";

const copyMessages = defineMessages({ copy: "Copy", copied: "Copied" }, { copy: "Kopieren", copied: "Kopiert" });

/** Copies `value` to the clipboard and says so on the button for 1.5 s; a refused clipboard leaves it as it was. */
export function CopyButton({ value, label }: { value: string; label?: string }) {
  const { t } = useMessages(copyMessages);
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard?.writeText(value).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  return (
    <button type="button" class="btn btn-small" onClick={copy}>
      {copied ? t("copied") : (label ?? t("copy"))}
    </button>
  );
}
