// The latency benches' clock: a strip of 24 blocks of 40 px in the top-left corner of a 1280-wide frame, bit i white
// when bit i of (capture time − the run's epoch) in ms is set. ffmpeg paints it for the RTMP camera (live-video.ts),
// the canvas publisher draws it (drawBarcode), and every bench player reads it back off the frames (readBarcode).

export const BITS = 24;
export const BLOCK = 40;
/** The frame width the strip is laid out for; smaller frames carry it scaled. */
export const FRAME_WIDTH = 1280;

/** Paints `ms` into the strip of a FRAME_WIDTH-wide canvas (white = 1, black = 0). */
export function drawBarcode(ctx: CanvasRenderingContext2D, ms: number): void {
  for (let i = 0; i < BITS; i++) {
    ctx.fillStyle = Math.floor(ms / 2 ** i) % 2 ? "#fff" : "#000";
    ctx.fillRect(i * BLOCK, 0, BLOCK, BLOCK);
  }
}

/**
 * The ms in the strip of `video`'s current frame: the strip is scaled into `ctx` (a BITS·BLOCK × BLOCK canvas) and
 * each block read at its centre. A frame caught mid-transition can misread; the benches drop absurd values.
 */
export function readBarcode(ctx: CanvasRenderingContext2D, video: HTMLVideoElement): number {
  const sx = video.videoWidth / FRAME_WIDTH;
  ctx.drawImage(video, 0, 0, BITS * BLOCK * sx, BLOCK * sx, 0, 0, BITS * BLOCK, BLOCK);
  const row = ctx.getImageData(0, BLOCK / 2, BITS * BLOCK, 1).data;
  let ms = 0;
  for (let i = 0; i < BITS; i++) {
    const x = i * BLOCK + BLOCK / 2;
    if (row[x * 4]! > 128) ms += 2 ** i;
  }
  return ms;
}

/**
 * The page script that defines BITS, BLOCK, FRAME_WIDTH, drawBarcode and readBarcode in a bench page (the same source
 * as above). tsx (esbuild keepNames) wraps functions in __name(fn, "name"): the page gets a no-op one.
 */
export function barcodeScript(): string {
  return [
    "var __name = (f) => f;",
    `const BITS = ${BITS}, BLOCK = ${BLOCK}, FRAME_WIDTH = ${FRAME_WIDTH};`,
    drawBarcode.toString(),
    readBarcode.toString(),
  ].join("\n");
}
