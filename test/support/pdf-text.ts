import zlib from "node:zlib";

// Reads the text back out of a PDF the way a viewer's copy/search does: each font's ToUnicode CMap maps the glyph
// codes a page shows back to Unicode. Enough for the PDFs pdfkit writes (Type0 fonts, Identity-H, Tj/TJ with hex
// strings, FlateDecode streams); not a general PDF parser.

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const s = pdf.toString("latin1");
  const out = new Map<number, PdfObject>();
  const re = /(\d+) 0 obj\s*/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const start = m.index + m[0].length;
    const end = s.indexOf("endobj", start);
    const body = s.slice(start, end);
    const at = body.indexOf("stream");
    let dict = body;
    let stream: Buffer | null = null;
    if (at >= 0 && body.startsWith("<<")) {
      dict = body.slice(0, at);
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const dataStart = start + at + "stream".length + (s[start + at + 6] === "\r" ? 2 : 1);
      const raw = pdf.subarray(dataStart, dataStart + length);
      stream = /\/FlateDecode/.test(dict) ? zlib.inflateSync(raw) : raw;
      re.lastIndex = dataStart + length;
    }
    out.set(Number(m[1]), { dict, stream });
  }
  return out;
}

// One destination may be several UTF-16 units: pdfkit writes a ligature glyph (DejaVu's "fi", "ffl") as "<0066 0069>".
const utf16 = (hex: string) => Buffer.from(hex.replace(/\s+/g, ""), "hex").swap16().toString("utf16le");

function parseCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const [, code, uni] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set(Number.parseInt(code!, 16), utf16(uni!));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, rest] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const from = Number.parseInt(lo!, 16);
      const to = Number.parseInt(hi!, 16);
      if (rest!.startsWith("[")) {
        let code = from;
        for (const u of rest!.matchAll(/<([0-9a-fA-F\s]+)>/g)) map.set(code++, utf16(u[1]!));
      } else {
        const base = Number.parseInt(rest!.slice(1, -1), 16);
        for (let c = from; c <= to; c++) map.set(c, String.fromCharCode(base + c - from));
      }
    }
  }
  return map;
}

export interface TextRun {
  page: number;
  text: string;
  /** Where the run starts (the text matrix's translation), in PDF points. */
  x: number;
  y: number;
}

/** The text runs of every page, in the order they are drawn (one per BT…ET block: pdfkit writes one per text() call). */
export function pdfTextRuns(pdf: Buffer): TextRun[] {
  const objs = objects(pdf);
  const ref = (dict: string, key: string) => Number(new RegExp(`/${key} (\\d+) 0 R`).exec(dict)?.[1]);
  const runs: TextRun[] = [];
  let pageNo = 0;
  for (const page of [...objs.values()].filter((o) => /\/Type \/Page\b/.test(o.dict))) {
    pageNo++;
    const resources = objs.get(ref(page.dict, "Resources"))?.dict ?? page.dict;
    const fontDict = /\/Font\s*<<([\s\S]*?)>>/.exec(resources)?.[1] ?? "";
    const fonts = new Map<string, Map<number, string>>();
    for (const [, name, num] of fontDict.matchAll(/\/(\S+?) (\d+) 0 R/g)) {
      const font = objs.get(Number(num))!;
      const toUnicode = objs.get(ref(font.dict, "ToUnicode"));
      fonts.set(name!, toUnicode?.stream ? parseCMap(toUnicode.stream.toString("latin1")) : new Map());
    }
    const contentRefs = /\/Contents\s*\[([^\]]*)\]/.exec(page.dict)?.[1] ?? `${ref(page.dict, "Contents")} 0 R`;
    for (const [, num] of contentRefs.matchAll(/(\d+) 0 R/g)) {
      const ops = objs.get(Number(num))!.stream!.toString("latin1");
      let cmap = new Map<number, string>();
      for (const bt of ops.matchAll(/BT([\s\S]*?)ET/g)) {
        let text = "";
        const tm = /([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) Tm/.exec(bt[1]!);
        for (const op of bt[1]!.matchAll(/\/(\S+) [\d.]+ Tf|(\[[^\]]*\]|<[0-9a-fA-F]*>)\s*T[jJ]/g)) {
          if (op[1]) cmap = fonts.get(op[1]) ?? new Map();
          else
            for (const [, hex] of op[2]!.matchAll(/<([0-9a-fA-F]*)>/g))
              for (let i = 0; i + 4 <= hex!.length; i += 4) text += cmap.get(Number.parseInt(hex!.slice(i, i + 4), 16)) ?? "\uFFFD";
        }
        if (text) runs.push({ page: pageNo, text, x: Number(tm?.[5] ?? 0), y: Number(tm?.[6] ?? 0) });
      }
    }
  }
  return runs;
}

/** How many pages the document has. */
export function pdfPageCount(pdf: Buffer): number {
  return [...objects(pdf).values()].filter((o) => /\/Type \/Page\b/.test(o.dict)).length;
}
