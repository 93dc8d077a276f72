import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../platform/errors.js";
import { demoImageSvg } from "./images.js";

/** The demo products' pictures (SVG, drawn on request). */
export const demoModule: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { name: string } }>("/images/demo/:name", async (req, reply) => {
    const svg = demoImageSvg(req.params.name.replace(/\.svg$/, ""));
    if (!svg) throw new AppError("not_found");
    return reply.type("image/svg+xml").header("Cache-Control", "public, max-age=86400").send(svg);
  });
};
