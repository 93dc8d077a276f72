import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { embedModule } from "./plugin.js";
import { type EmbedDeps, EmbedService } from "./service.js";

/** The sites that may frame a shop's shows, and oEmbed. */
export function createEmbedModule(ctx: ModuleContext, doors: Pick<EmbedDeps, "shows" | "merchants">): { embed: EmbedService; plugin: ModulePlugin } {
  const embed = new EmbedService({ db: ctx.db, clock: ctx.clock, ...doors });
  const publicOrigin = ctx.config.PUBLIC_URL ? new URL(ctx.config.PUBLIC_URL).origin : null;
  return { embed, plugin: modulePlugin("embed", embedModule, { embed, publicOrigin }) };
}
