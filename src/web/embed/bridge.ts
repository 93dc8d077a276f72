import type { OrderView } from "../../protocol/api.js";
import type { EmbedEventDetail, EmbedEventType, EmbedMessage } from "../../protocol/embed.js";

// The player inside a merchant's page (/embed/<slug>): what it tells the page around it. Messages go to the parent's
// origin only (postMessage's targetOrigin), so a page that is not who we think it is receives nothing.

/** Whether this page is the embed (the viewer page at /embed/<slug>, framed by a merchant's site). */
export const embedded = location.pathname.startsWith("/embed/");

function originOf(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The framing page's origin: the browser's own word where it gives one (ancestorOrigins: Chromium, Safari), else
 * what the loader put in the URL (`parent`), else the referrer. A wrong guess only means the messages are dropped.
 */
function parentOrigin(): string | null {
  if (!embedded || window.parent === window) return null;
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  return originOf(ancestors?.[0]) ?? originOf(new URLSearchParams(location.search).get("parent")) ?? originOf(document.referrer);
}
const target = parentOrigin();

export function postToHost<K extends EmbedEventType>(type: K, detail: EmbedEventDetail[K]): void {
  if (!target) return;
  const message: EmbedMessage<K> = { source: "showcart-embed", type, detail };
  window.parent.postMessage(message, target);
}

/** What the host page learns of a purchase: amounts and offers, never who bought (no name, email or address). */
export function purchaseDetail(order: OrderView): EmbedEventDetail["showcart:purchase"] {
  return {
    orderId: order.id,
    total: order.total,
    currency: order.currency,
    quantity: order.quantity,
    lines: order.lines.map((l) => ({ offerId: l.offerId, quantity: l.quantity, unitPrice: l.unitPrice })),
  };
}

// An open checkout sheet is position:fixed (outside the content's height): the frame asks for room to show it.
const SHEET_MIN_HEIGHT = 640;

/** Tells the host page the content's height whenever it changes (the loader sizes the frame to it). */
export function reportHeight(): void {
  if (!target || typeof ResizeObserver !== "function") return;
  let last = 0;
  const measure = () => {
    const content = document.getElementById("app")?.scrollHeight ?? document.body.scrollHeight;
    const height = Math.max(content, document.body.classList.contains("has-sheet") ? SHEET_MIN_HEIGHT : 0);
    if (height === last) return;
    last = height;
    postToHost("showcart:resize", { height });
  };
  new ResizeObserver(measure).observe(document.getElementById("app") ?? document.body);
  // The sheet's class on <body> changes no size the observer sees.
  new MutationObserver(measure).observe(document.body, { attributes: true, attributeFilter: ["class"] });
  measure();
}
