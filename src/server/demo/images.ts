// Product pictures for the demo shop, drawn as SVG so the repository ships no binary assets.
export const demoImages: Record<string, { bg: string; fg: string; label: string; shape: string }> = {
  sneaker: {
    bg: "#ffe3d3",
    fg: "#e8590c",
    label: "Sneaker",
    shape:
      '<path d="M60 250 Q80 170 150 180 L230 150 Q260 200 340 215 Q360 225 350 255 Z" fill="#e8590c"/><rect x="60" y="250" width="290" height="22" rx="8" fill="#fff"/>',
  },
  headphones: {
    bg: "#dbe4ff",
    fg: "#364fc7",
    label: "Headphones",
    shape:
      '<path d="M110 230 Q110 110 200 110 Q290 110 290 230" stroke="#364fc7" stroke-width="22" fill="none"/><rect x="85" y="210" width="55" height="85" rx="20" fill="#364fc7"/><rect x="260" y="210" width="55" height="85" rx="20" fill="#364fc7"/>',
  },
  mug: {
    bg: "#d3f9d8",
    fg: "#2b8a3e",
    label: "Mug",
    shape:
      '<rect x="120" y="130" width="140" height="170" rx="18" fill="#2b8a3e"/><path d="M260 170 Q320 170 320 215 Q320 260 260 260" stroke="#2b8a3e" stroke-width="20" fill="none"/>',
  },
};

export function demoImageSvg(name: string): string | null {
  const img = demoImages[name];
  if (!img) return null;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400"><rect width="400" height="400" fill="${img.bg}"/>${img.shape}<text x="200" y="360" font-family="sans-serif" font-size="32" text-anchor="middle" fill="${img.fg}">${img.label}</text></svg>`;
}
