// chart.svg: requests per second as a ratio to the same framework without sessions, one panel per
// scenario, bars grouped by framework. Hand-written SVG, no chart library.

import { FRAMEWORKS } from "./contenders.js";

const COLORS = {
  sessile: "#0e7c66",
  sessileVariant: "#5fbfa6",
  peer: "#d0582a",
  peerVariant: "#f0a37a",
  floor: "#8a8f98",
};

const BAR = 30;
const BAR_GAP = 6;
const GROUP_GAP = 34;
const LEFT = 64;
const RIGHT = 24;
const PLOT = 170;
const PANEL_GAP = 58;
const TOP = 104;
const MIN_WIDTH = 900;
const LABELS = 118;

/** The opening lines of a chart: the `<svg>` element, its title and a white background. */
export function svgStart(width, height, title) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
}

/** `text` escaped for SVG text and attributes. */
export function esc(text) {
  return String(text).replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c],
  );
}

function colorOf(c) {
  if (c.role === "floor") return COLORS.floor;
  if (c.role === "sessile") return c.variant ? COLORS.sessileVariant : COLORS.sessile;
  return c.variant ? COLORS.peerVariant : COLORS.peer;
}

/** Renders the chart for an `analyse()` result. */
export function renderChart(a) {
  const groups = FRAMEWORKS.map((framework) => ({
    framework,
    bars: a.contenders.filter((c) => c.framework === framework && c.role !== "bare" && c.status === "ok"),
  })).filter((g) => g.bars.length > 0);
  const barsWidth = groups.reduce((w, g) => w + g.bars.length * (BAR + BAR_GAP) - BAR_GAP, 0);
  const natural = LEFT + 32 + barsWidth + Math.max(0, groups.length - 1) * GROUP_GAP + RIGHT;
  const width = Math.max(natural, MIN_WIDTH);
  // Spread the groups over the whole width when there are few bars.
  const groupGap = groups.length > 1 ? GROUP_GAP + (width - natural) / (groups.length - 1) : GROUP_GAP;
  const xOf = new Map();
  let x = LEFT + 16 + (groups.length > 1 ? 0 : (width - natural) / 2);
  for (const g of groups) {
    g.x = x;
    for (const [i, bar] of g.bars.entries()) xOf.set(bar, x + i * (BAR + BAR_GAP));
    g.width = g.bars.length * (BAR + BAR_GAP) - BAR_GAP;
    x += g.width + groupGap;
  }
  const values = groups.flatMap((g) =>
    g.bars.flatMap((b) => a.scenarios.map((s) => b.scenarios[s.id]?.vsBare ?? 0)),
  );
  const top = Math.max(1.2, Math.ceil((Math.max(...values, 0) + 0.05) * 5) / 5);
  const ticks = [];
  for (let t = 0; t <= top + 1e-9; t += top > 2 ? 0.5 : 0.2) ticks.push(Math.round(t * 10) / 10);
  const panelsBottom = TOP + a.scenarios.length * (PLOT + PANEL_GAP) - PANEL_GAP;
  const footerY = panelsBottom + LABELS;
  const height = footerY + 58;
  const out = svgStart(
    width,
    height,
    "sessile benchmark: requests per second relative to each framework without sessions",
  );
  const o = (s) => out.push(s);
  o(
    `<text x="${LEFT}" y="26" font-size="16" font-weight="600">Requests per second relative to the same framework without sessions</text>`,
  );
  o(
    `<text x="${LEFT}" y="46" fill="#555">Higher is better; 1.0 = the framework with no session at all. ` +
      `Median of ${a.meta.settings.rounds} interleaved rounds; Redis on loopback.</text>`,
  );
  const legend = [
    ["sessile (node-redis)", COLORS.sessile],
    ["sessile variants (client, binding, write)", COLORS.sessileVariant],
    ["peer library", COLORS.peer],
    ["peer, other option", COLORS.peerVariant],
    ["raw Redis floor", COLORS.floor],
  ];
  let lx = LEFT;
  for (const [text, color] of legend) {
    o(`<rect x="${lx}" y="60" width="11" height="11" fill="${color}"/>`);
    o(`<text x="${lx + 15}" y="70" fill="#333">${esc(text)}</text>`);
    lx += 30 + text.length * 6.3;
  }
  for (const [index, scenario] of a.scenarios.entries()) {
    const y0 = TOP + index * (PLOT + PANEL_GAP) + 12;
    const base = y0 + PLOT;
    const yOf = (v) => base - (Math.min(v, top) / top) * PLOT;
    o(`<text x="${LEFT}" y="${y0 - 16}" font-weight="600" font-size="13">${esc(scenario.label)}</text>`);
    for (const t of ticks) {
      const y = yOf(t).toFixed(1);
      o(
        `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y}" y2="${y}" stroke="${t === 1 ? "#222" : "#e3e3e3"}"` +
          `${t === 1 ? ' stroke-dasharray="5 3"' : ""}/>`,
      );
      o(
        `<text x="${LEFT - 6}" y="${(yOf(t) + 4).toFixed(1)}" text-anchor="end" fill="#666">${t.toFixed(1)}</text>`,
      );
    }
    for (const g of groups) {
      for (const bar of g.bars) {
        const v = bar.scenarios[scenario.id]?.vsBare;
        if (v === null || v === undefined) continue;
        const y = yOf(v);
        o(
          `<rect x="${xOf.get(bar)}" y="${y.toFixed(1)}" width="${BAR}" height="${(base - y).toFixed(1)}" fill="${colorOf(bar)}">` +
            `<title>${esc(`${bar.label}, ${scenario.label}: ${v.toFixed(2)}× (${Math.round(bar.scenarios[scenario.id].rps)} req/s)`)}</title></rect>`,
        );
        o(
          `<text x="${xOf.get(bar) + BAR / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${v.toFixed(2)}</text>`,
        );
      }
    }
    o(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${base}" y2="${base}" stroke="#222"/>`);
  }
  for (const g of groups) {
    for (const bar of g.bars) {
      const cx = xOf.get(bar) + BAR / 2;
      o(
        `<text transform="translate(${cx + 4} ${panelsBottom + 22}) rotate(-40)" text-anchor="end" font-size="11" fill="#333">${esc(bar.short)}</text>`,
      );
    }
    o(
      `<text x="${g.x + g.width / 2}" y="${panelsBottom + LABELS - 8}" text-anchor="middle" font-weight="600">${esc(g.framework)}</text>`,
    );
  }
  const m = a.meta;
  o(
    `<text x="${LEFT}" y="${footerY + 14}" font-size="11" fill="#555">${esc(
      `${m.cpu}, ${m.cores} cores; Node ${m.node}; Redis ${m.redis}; ${m.settings.connections} connections, ` +
        `${m.settings.duration} s × ${m.settings.rounds} rounds; ${m.date.slice(0, 10)}`,
    )}</text>`,
  );
  o(
    `<text x="${LEFT}" y="${footerY + 32}" font-size="11" fill="#555">${esc(`Reproduce: ${m.command}`)}</text>`,
  );
  o("</svg>");
  return `${out.join("\n")}\n`;
}
