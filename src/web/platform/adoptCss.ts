/** Styles that travel with a chunk: a constructed sheet (the CSP allows no inline <style>). */
export function adoptCss(css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    // Old browsers: unstyled but working.
  }
}
