import fs from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const IMAGE_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
const WIDTHS = [400, 800] as const;
// A 10 MB PNG can decode to gigabytes; 40 MP (e.g. 8000 × 5000) is more than any product photo needs.
const MAX_PIXELS = 40_000_000;
// Two cores shared with transcoding: one image at a time inside libvips.
sharp.concurrency(1);

/**
 * Decodes an uploaded JPEG/PNG/WebP (whatever its Content-Type claimed), turns it upright (EXIF orientation) and
 * writes it as 400 and 800 px wide WebP (never enlarged; metadata stripped) to
 * <mediaDir>/products/<productId>/<imageId>-<width>.webp. Not an image, or an unsupported one: 415.
 */
export function storeProductImage(mediaDir: string, productId: string, data: Buffer): Promise<{ imageId: string }> {
  return storeImage(mediaDir, "products", productId, data);
}

/** Where an uploaded picture of a show (cover) or a shop (logo) is served, like product pictures. */
export const ownedImageUrl = (folder: "shows" | "merchants", ownerId: string, imageId: string, width: 400 | 800) =>
  `/media/${folder}/${ownerId}/${imageId}-${width}.webp`;

/** The same decoding, resizing and naming as product pictures, under <mediaDir>/<folder>/<ownerId>/ (show covers, shop logos). */
export async function storeImage(mediaDir: string, folder: "products" | "shows" | "merchants", ownerId: string, data: Buffer): Promise<{ imageId: string }> {
  let format: string | undefined;
  try {
    format = (await sharp(data, { limitInputPixels: MAX_PIXELS }).metadata()).format;
  } catch {
    throw new AppError("unsupported_media_type", "Send a JPEG, PNG or WebP image.");
  }
  if (format !== "jpeg" && format !== "png" && format !== "webp") throw new AppError("unsupported_media_type", "Send a JPEG, PNG or WebP image.");
  const imageId = randomId("img");
  const dir = path.join(mediaDir, folder, ownerId);
  await fs.mkdir(dir, { recursive: true });
  for (const width of WIDTHS) {
    let out: Buffer;
    try {
      out = await sharp(data, { limitInputPixels: MAX_PIXELS }).rotate().resize({ width, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    } catch {
      // Truncated or corrupt data that passed the header check fails here.
      throw new AppError("unsupported_media_type", "The image could not be decoded.");
    }
    // Written under a temporary name and renamed, so a half-written file is never served as immutable.
    const file = path.join(dir, `${imageId}-${width}.webp`);
    await fs.writeFile(`${file}.tmp`, out);
    await fs.rename(`${file}.tmp`, file);
  }
  return { imageId };
}
