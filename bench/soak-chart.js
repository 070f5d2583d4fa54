// soak.svg: the app's heap after a full GC against requests served, one line per adapter. Hand-written
// SVG, no chart library.

import { esc, svgStart } from "./chart.js";

const COLORS = { node: "#0e7c66", express: "#d0582a", fastify: "#3b6fd4", koa: "#9b4dca", hono: "#c99a06" };
const WIDTH = 900;
const HEIGHT = 460;
const LEFT = 70;
const RIGHT = 150;
const TOP = 70;
const BOTTOM = 60;

/** A round step that gives about `count` ticks over `span`. */
function niceStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

/** Renders the plot for the soak's `meta` and per-adapter `results` (each with `samples`). */
export function renderSoakChart(meta, results) {
  const MiB = 2 ** 20;
  const maxX = Math.max(1, ...results.flatMap((r) => r.samples.map((s) => s.requests)));
  const ys = results.flatMap((r) => r.samples.map((s) => s.heapUsed / MiB));
  const yStep = niceStep(Math.max(1, Math.max(...ys) - Math.min(...ys)) * 1.2, 6);
  const minY = Math.max(0, Math.floor(Math.min(...ys) / yStep) * yStep - yStep);
  const maxY = Math.ceil(Math.max(...ys) / yStep) * yStep + yStep;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const xOf = (x) => LEFT + (x / maxX) * plotW;
  const yOf = (y) => TOP + plotH - ((y - minY) / (maxY - minY)) * plotH;
  const out = svgStart(
    WIDTH,
    HEIGHT,
    "sessile soak: heap used after a full GC against requests served, per adapter",
  );
  const o = (s) => out.push(s);
  o(
    `<text x="${LEFT}" y="28" font-size="16" font-weight="600">Heap after a full GC against requests served</text>`,
  );
  o(
    `<text x="${LEFT}" y="48" fill="#555">${esc(
      `${meta.date}; ${meta.machine}; Node ${meta.node}; Redis ${meta.redis}; ` +
        `${meta.settings.concurrency} concurrent; sampled every ${meta.settings.sampleEvery.toLocaleString("en")} requests`,
    )}</text>`,
  );
  for (let y = minY; y <= maxY + 1e-9; y += yStep) {
    const py = yOf(y).toFixed(1);
    o(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${py}" y2="${py}" stroke="#e3e3e3"/>`);
    o(
      `<text x="${LEFT - 8}" y="${(yOf(y) + 4).toFixed(1)}" text-anchor="end" fill="#666">${+y.toFixed(2)}</text>`,
    );
  }
  const xStep = niceStep(maxX, 5);
  for (let x = 0; x <= maxX + 1e-9; x += xStep) {
    const px = xOf(x).toFixed(1);
    o(`<line x1="${px}" x2="${px}" y1="${TOP}" y2="${TOP + plotH}" stroke="#f0f0f0"/>`);
    const label = x >= 1e6 ? `${+(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${+(x / 1e3).toFixed(1)}k` : String(x);
    o(`<text x="${px}" y="${TOP + plotH + 18}" text-anchor="middle" fill="#666">${label}</text>`);
  }
  o(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#222"/>`);
  o(`<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotH}" stroke="#222"/>`);
  o(
    `<text x="${LEFT + plotW / 2}" y="${HEIGHT - 16}" text-anchor="middle" fill="#333">requests served</text>`,
  );
  o(
    `<text x="18" y="${TOP + plotH / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 18 ${TOP + plotH / 2})">heap used (MiB)</text>`,
  );
  for (const [index, r] of results.entries()) {
    const color = COLORS[r.adapter] ?? "#444";
    const points = r.samples.map((s) => `${xOf(s.requests).toFixed(1)},${yOf(s.heapUsed / MiB).toFixed(1)}`);
    o(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(" ")}"/>`);
    for (const s of r.samples) {
      o(
        `<circle cx="${xOf(s.requests).toFixed(1)}" cy="${yOf(s.heapUsed / MiB).toFixed(1)}" r="2.5" fill="${color}">` +
          `<title>${esc(`${r.adapter}: ${s.requests.toLocaleString("en")} requests, ${(s.heapUsed / MiB).toFixed(2)} MiB`)}</title></circle>`,
      );
    }
    const ly = TOP + 10 + index * 36;
    const lx = LEFT + plotW + 16;
    o(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    o(`<text x="${lx + 18}" y="${ly + 1}" fill="#222">${esc(r.adapter)}</text>`);
    o(
      `<text x="${lx + 18}" y="${ly + 16}" fill="#666" font-size="10">${esc(`${(r.slopeBytesPer100k / 1024).toFixed(1)} KiB / 100k req`)}</text>`,
    );
  }
  o("</svg>");
  return `${out.join("\n")}\n`;
}
