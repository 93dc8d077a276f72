import fs from "node:fs";
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";

// Statements as PDF through pdfkit, with DejaVu Sans embedded (a subset of the glyphs used, with a ToUnicode map, so
// the text can be searched and copied). DejaVu covers Latin Extended (ł, ő, ş…), Greek, Cyrillic and €, which the
// PDF standard fonts' WinAnsi encoding cannot print. Its licence (Bitstream Vera + public domain) allows embedding
// and redistribution.

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | null = null;
function fontData() {
  fonts ??= {
    regular: fs.readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")),
    bold: fs.readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf")),
  };
  return fonts;
}

const MARGIN = 50;
const TEXT_SIZE = 9;
const ROW_H = 14;

export interface PdfColumn {
  header: string;
  /** In points; the table's columns should add up to at most the page width less the margins (495 on A4). */
  width: number;
  align?: "left" | "right";
}

export type PdfBlock =
  | { kind: "title"; text: string }
  | { kind: "text"; text: string; bold?: boolean }
  | { kind: "gap" }
  | { kind: "table"; columns: PdfColumn[]; rows: { cells: string[]; bold?: boolean }[] };

/** An A4 document of the blocks, in order; a table that runs over a page goes on with its header repeated. */
export function renderPdf(blocks: readonly PdfBlock[], meta: { title: string; lang: string; createdAt?: Date }): Promise<Buffer> {
  const { regular, bold } = fontData();
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    lang: meta.lang,
    // pdfkit takes a font's bytes here too (its typings say only a file name).
    font: regular as unknown as string,
    info: { Title: meta.title, Producer: "Showcart", Creator: "Showcart", ...(meta.createdAt ? { CreationDate: meta.createdAt } : {}) },
    displayTitle: true,
  });
  doc.registerFont("sans", regular);
  doc.registerFont("sans-bold", bold);
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const bottom = () => doc.page.height - MARGIN;
  let y = MARGIN;
  const ensure = (h: number) => {
    if (y + h <= bottom()) return false;
    doc.addPage();
    y = MARGIN;
    return true;
  };
  // One line per cell, never wrapped: a cell too wide for its column is cut with "…" so the rows stay aligned.
  const clip = (text: string, width: number) => {
    if (doc.widthOfString(text) <= width) return text;
    let s = text;
    while (s.length > 0 && doc.widthOfString(`${s}…`) > width) s = s.slice(0, -1);
    return `${s}…`;
  };
  const row = (columns: PdfColumn[], cells: string[], isBold: boolean) => {
    doc.font(isBold ? "sans-bold" : "sans").fontSize(TEXT_SIZE);
    let x = MARGIN;
    columns.forEach((c, i) => {
      const w = c.width - 6;
      doc.text(clip(cells[i] ?? "", w), x, y, { width: w, align: c.align ?? "left", lineBreak: false });
      x += c.width;
    });
    y += ROW_H;
  };
  const header = (columns: PdfColumn[]) => {
    row(
      columns,
      columns.map((c) => c.header),
      true,
    );
    const right = MARGIN + columns.reduce((s, c) => s + c.width, 0);
    doc
      .moveTo(MARGIN, y - 3)
      .lineTo(right, y - 3)
      .lineWidth(0.5)
      .stroke();
    y += 2;
  };

  for (const b of blocks) {
    if (b.kind === "title") {
      ensure(24);
      doc.font("sans-bold").fontSize(15).text(b.text, MARGIN, y, { lineBreak: false });
      y += 24;
    } else if (b.kind === "text") {
      ensure(ROW_H);
      doc
        .font(b.bold ? "sans-bold" : "sans")
        .fontSize(10)
        .text(b.text, MARGIN, y, { lineBreak: false });
      y += ROW_H;
    } else if (b.kind === "gap") {
      y += ROW_H / 2;
    } else {
      ensure(ROW_H * 3);
      header(b.columns);
      for (const r of b.rows) {
        if (ensure(ROW_H)) header(b.columns);
        row(b.columns, r.cells, r.bold ?? false);
      }
    }
  }
  doc.end();
  return done;
}
