import { createRequire } from "node:module";
import fs from "node:fs";
import type { Page } from "playwright-core";

// axe-core's serious and critical findings on a page at rest. The source is evaluated in the page (no network;
// Runtime.evaluate ignores the CSP).
export const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Waits for the page's finite animations (a sheet rising and fading in over 0.2 s, styles.css "rise"): axe reads the
 * colours as drawn, so mid-fade a text's colour is blended with what lies behind it (CI once read the hold timer's
 * #0b7a53 as #127e58, 4.47:1 instead of 5:1). Endless animations (a live dot's pulse) are not waited for.
 */
async function atRest(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().iterations ?? Number.POSITIVE_INFINITY))
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

/** axe's serious and critical violations on the page once its finite animations have finished. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await atRest(page);
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Violations as text (empty: none), so a failure names each rule, its targets and axe's advice. */
export const describeViolations = (vs: AxeViolation[]) =>
  vs.map((v) => `${v.impact} ${v.id} (${v.help}):\n${v.nodes.map((n) => `  ${JSON.stringify(n.target)} — ${n.failureSummary ?? ""}`).join("\n")}`).join("\n");

/** The serious and critical findings as text (empty: none). */
export async function seriousAxeFindings(page: Page): Promise<string> {
  return describeViolations(await seriousViolations(page));
}
