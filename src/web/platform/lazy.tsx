import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

/**
 * A component whose code is fetched the first time it renders (esbuild splits the dynamic import into its own
 * chunk), so a page loads only what it shows at first. Renders nothing until the code is there (tens of ms).
 */
export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Component) return;
      pending ??= load().then((c) => (loaded = c));
      let alive = true;
      void pending.then((c) => alive && setComponent(() => c));
      return () => {
        alive = false;
      };
    }, [Component]);
    return Component ? <Component {...props} /> : null;
  };
}
