import type { EmbedEventType, EmbedMessage } from "../../protocol/embed.js";

// embed.js, the one script tag a merchant adds to their site. It defines <showcart-show show="slug">: the element
// loads the player's frame from our origin once it is (nearly) visible, takes its height from the frame's messages
// and re-dispatches the frame's events on itself as CustomEvents. Types only from protocol/: this file stays small.

// Every event type once (the Record makes the compiler name a missing one), without importing protocol's values.
const TYPES: ReadonlySet<string> = new Set(
  Object.keys({
    "showcart:ready": 1,
    "showcart:live": 1,
    "showcart:ended": 1,
    "showcart:purchase": 1,
    "showcart:resize": 1,
    "showcart:error": 1,
  } satisfies Record<EmbedEventType, 1>),
);
const FRAME_ALLOW = "autoplay; fullscreen; picture-in-picture; clipboard-write; web-share";

// Where the frames come from: the origin this script was loaded from.
const script = (document.currentScript ?? document.querySelector('script[src*="/embed.js"]')) as HTMLScriptElement | null;
const base = new URL(script?.src ?? location.href).origin;
const players = new Set<ShowcartShow>();

class ShowcartShow extends HTMLElement {
  static observedAttributes = ["show"];
  frame: HTMLIFrameElement | null = null;
  #box: HTMLElement | null = null;
  #observer: IntersectionObserver | null = null;

  connectedCallback() {
    players.add(this);
    if (!this.#box) {
      // Styles through the CSSOM, not a <style> element: the merchant's own CSP may forbid inline styles.
      if (!this.style.display) this.style.display = "block";
      const root = this.attachShadow({ mode: "open" });
      this.#box = root.appendChild(document.createElement("div"));
      Object.assign(this.#box.style, { position: "relative", width: "100%", minHeight: "180px", aspectRatio: this.#ratio(), background: "#0d0c10" });
    }
    if (this.frame) return;
    if (typeof IntersectionObserver !== "function") return this.#load();
    this.#observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.#load();
      },
      { rootMargin: "200px" },
    );
    this.#observer.observe(this);
  }

  disconnectedCallback() {
    players.delete(this);
    this.#observer?.disconnect();
    this.#observer = null;
  }

  attributeChangedCallback(_name: string, old: string | null, value: string | null) {
    if (old !== null && old !== value && this.frame) {
      this.frame.remove();
      this.frame = null;
      this.#load();
    }
  }

  /** The height the frame asked for (its content), once it has told us. */
  resize(height: number) {
    if (!this.frame || !(height > 0)) return;
    this.#box!.style.aspectRatio = "auto";
    this.frame.style.height = `${Math.min(Math.ceil(height), 4000)}px`;
  }

  #ratio() {
    return /^\d+(\.\d+)?\s*\/\s*\d+(\.\d+)?$/.test(this.getAttribute("aspect") ?? "") ? this.getAttribute("aspect")! : "16 / 15";
  }

  #load() {
    this.#observer?.disconnect();
    this.#observer = null;
    const slug = this.getAttribute("show");
    if (this.frame || !slug || !this.#box) return;
    const url = new URL(`/embed/${encodeURIComponent(slug)}`, base);
    // The frame posts its events to this origin only (postMessage's targetOrigin).
    if (location.origin !== "null") url.searchParams.set("parent", location.origin);
    const frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = this.getAttribute("label") || "Live shopping show";
    frame.allow = FRAME_ALLOW;
    frame.allowFullscreen = true;
    Object.assign(frame.style, { display: "block", width: "100%", height: "100%", border: "0" });
    this.frame = frame;
    this.#box.appendChild(frame);
  }
}

addEventListener("message", (e: MessageEvent) => {
  if (e.origin !== base) return;
  const data = e.data as Partial<EmbedMessage> | null;
  if (data?.source !== "showcart-embed" || typeof data.type !== "string" || !TYPES.has(data.type)) return;
  // Which element's frame sent it: the source window, never a name or id the message claims.
  for (const player of players) {
    if (!player.frame || player.frame.contentWindow !== e.source) continue;
    if (data.type === "showcart:resize") player.resize(Number((data.detail as { height?: unknown })?.height));
    player.dispatchEvent(new CustomEvent(data.type, { detail: data.detail, bubbles: true, composed: true }));
  }
});

if (!customElements.get("showcart-show")) customElements.define("showcart-show", ShowcartShow);
