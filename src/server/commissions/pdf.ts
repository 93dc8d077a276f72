// A small PDF 1.4 writer for statements: A4 pages of Helvetica text lines, WinAnsi encoding, no compression, so the
// text stays readable (and testable) in the file. Enough for a table of ledger lines; no images, no fonts to embed.

const PAGE_W = 595;
const PAGE_H = 842;
const MARGIN = 50;
const LINE_H = 14;

export interface PdfLine {
  text: string;
  size?: number;
  bold?: boolean;
}

/** PDF string literal: WinAnsi bytes (Latin-1 covers German umlauts and €-free text), with \ ( ) escaped. */
function pdfString(s: string): string {
  const latin = [...s].map((c) => (c === "€" ? "EUR" : c.charCodeAt(0) <= 0xff ? c : "?")).join("");
  return `(${latin.replace(/\\/g, "\\\\").replace(/\(/g, "\\(").replace(/\)/g, "\\)").replace(/\r?\n/g, " ")})`;
}

export function renderPdf(lines: readonly PdfLine[], meta: { title: string }): Buffer {
  const perPage = Math.floor((PAGE_H - 2 * MARGIN) / LINE_H);
  const pages: PdfLine[][] = [];
  for (let i = 0; i < Math.max(1, lines.length); i += perPage) pages.push(lines.slice(i, i + perPage));

  const objects: string[] = [];
  const add = (body: string) => objects.push(body); // the new length is the object's number (they start at 1)
  const catalog = add("");
  const pagesObj = add("");
  const font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  const bold = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
  const info = add(`<< /Title ${pdfString(meta.title)} /Producer (Showcart) >>`);
  const kids: number[] = [];
  for (const page of pages) {
    let y = PAGE_H - MARGIN;
    const ops = ["BT"];
    for (const l of page) {
      ops.push(`/${l.bold ? "F2" : "F1"} ${l.size ?? 10} Tf 1 0 0 1 ${MARGIN} ${y} Tm ${pdfString(l.text)} Tj`);
      y -= LINE_H;
    }
    ops.push("ET");
    const stream = ops.join("\n");
    const content = add(`<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}] /Resources << /Font << /F1 ${font} 0 R /F2 ${bold} 0 R >> >> /Contents ${content} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`;

  let out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}
