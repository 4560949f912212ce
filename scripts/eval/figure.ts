/**
 * The figure of `npm run eval`: precision@k curves (k = 1 … 100) of every row beside recall@10
 * against ms/query of the index settings. A Vega-Lite spec, rendered to SVG by Vega (no
 * browser, no canvas) and to PNG by resvg; text uses the system's fonts (DejaVu Sans on Debian).
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import type { EvalReport } from './types.ts';

/** Pixels of one panel at scale 1; the PNG is drawn at PNG_SCALE. */
const PANEL_WIDTH_PX = 420;
const PANEL_HEIGHT_PX = 320;
const PNG_SCALE = 2;
const FONT = 'DejaVu Sans';
const FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Where a point's label may go, tried in this order: offsets in px and text alignment. */
const LABEL_SLOTS = [
  { slot: 'above', dx: 7, dy: -7, align: 'left' },
  { slot: 'below', dx: 7, dy: 13, align: 'left' },
  { slot: 'left', dx: -7, dy: 4, align: 'right' },
  { slot: 'above-left', dx: -7, dy: -7, align: 'right' },
  { slot: 'below-left', dx: -7, dy: 13, align: 'right' },
  { slot: 'far-above', dx: 7, dy: -19, align: 'left' },
  { slot: 'far-below', dx: 7, dy: 25, align: 'left' },
] as const;
const LABEL_FONT_PX = 10;
/** Rough width of one character of the label font, px. */
const CHAR_PX = 6;
/** Spacing of the samples along a line that labels avoid, px. */
const LINE_SAMPLE_PX = 4;

interface Point {
  label: string;
  served: boolean;
  family: string;
  ms: number;
  recall: number;
}

/** Axis domains of the sweep panel, fixed so that label placement knows the pixel positions. */
function sweepDomains(points: Point[]) {
  const ms = points.map((p) => Math.log10(p.ms));
  const recall = points.map((p) => p.recall);
  return {
    x: [10 ** Math.floor(Math.min(...ms)), 10 ** Math.ceil(Math.max(...ms))],
    y: [Math.floor(Math.min(...recall) * 20) / 20, 1],
  };
}

/** Boxes (px) of the points and of the lines joining each family's points by increasing ms. */
function obstacles(points: Point[], px: (p: Point) => number, py: (p: Point) => number) {
  const box = (x: number, y: number, r: number) => ({ l: x - r, r: x + r, t: y - r, b: y + r });
  const boxes = points.map((p) => box(px(p), py(p), 5));
  for (const family of new Set(points.map((p) => p.family))) {
    const line = points.filter((p) => p.family === family).sort((a, b) => a.ms - b.ms);
    for (let i = 1; i < line.length; i++) {
      const [x0, y0, x1, y1] = [px(line[i - 1]), py(line[i - 1]), px(line[i]), py(line[i])];
      const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0) / LINE_SAMPLE_PX);
      for (let t = 1; t < steps; t++) {
        boxes.push(box(x0 + ((x1 - x0) * t) / steps, y0 + ((y1 - y0) * t) / steps, 1));
      }
    }
  }
  return boxes;
}

/**
 * Picks a label slot per point: the first that overlaps the fewest points, lines and earlier
 * labels, and stays inside the panel.
 */
function placeLabels(points: Point[], domains: ReturnType<typeof sweepDomains>) {
  const [x0, x1] = domains.x.map(Math.log10);
  const [y0, y1] = domains.y;
  const px = (p: Point) => ((Math.log10(p.ms) - x0) / (x1 - x0)) * PANEL_WIDTH_PX;
  const py = (p: Point) => (1 - (p.recall - y0) / (y1 - y0)) * PANEL_HEIGHT_PX;
  const boxes = obstacles(points, px, py);
  type Box = (typeof boxes)[0];
  const outside = (a: Box) => (a.l < 0 || a.r > PANEL_WIDTH_PX ? 1 : 0);
  const cost = (a: Box) =>
    boxes.filter((b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b).length + outside(a);
  return points.map((p) => {
    const width = p.label.length * CHAR_PX;
    const box = (s: (typeof LABEL_SLOTS)[number]) => {
      const left = s.align === 'left' ? px(p) + s.dx : px(p) + s.dx - width;
      const base = py(p) + s.dy;
      return { l: left, r: left + width, t: base - LABEL_FONT_PX, b: base + 2 };
    };
    const slot = LABEL_SLOTS.reduce((best, s) => (cost(box(s)) < cost(box(best)) ? s : best));
    boxes.push(box(slot));
    return { ...p, slot: slot.slot };
  });
}

/** The Vega-Lite spec of the two panels. */
export function figureSpec(report: EvalReport): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: FONT, legend: { orient: 'bottom', labelLimit: 400 } },
    hconcat:
      report.sweep.length > 0 ? [curvesPanel(report), sweepPanel(report)] : [curvesPanel(report)],
    resolve: { scale: { color: 'independent' } },
  };
}

/** precision@k against k, one line per row. */
function curvesPanel(report: EvalReport) {
  const curves = report.rows.flatMap((r) =>
    r.curve.map((precision, i) => ({ row: r.name, search: r.search, k: i + 1, precision })),
  );
  return {
    title: `precision@k by row (${report.queries} queries, ${report.catalogSize}-item catalog)`,
    width: PANEL_WIDTH_PX,
    height: PANEL_HEIGHT_PX,
    data: { values: curves },
    mark: { type: 'line' as const, strokeWidth: 2 },
    encoding: {
      x: { field: 'k', type: 'quantitative' as const, scale: { domain: [1, 100] } },
      y: {
        field: 'precision',
        type: 'quantitative' as const,
        title: 'precision@k',
        scale: { zero: false },
      },
      color: {
        field: 'row',
        type: 'nominal' as const,
        title: null,
        sort: null,
        legend: { columns: 1 },
      },
      strokeDash: { field: 'search', type: 'nominal' as const, title: null, sort: null },
    },
  };
}

/** recall@10 against ms/query (log), one line per index family, each point labelled. */
function sweepPanel(report: EvalReport) {
  const raw = report.sweep.map((p) => {
    const label = p.name.split(', ').at(-1) ?? p.name;
    return {
      label: p.served ? `${label} (served)` : label,
      served: p.served,
      family: p.family,
      ms: p.msPerQuery,
      recall: p.recall.overlap10,
    };
  });
  const domains = sweepDomains(raw);
  return {
    title: `index settings: recall@10 vs ms/query (k = 10)`,
    width: PANEL_WIDTH_PX,
    height: PANEL_HEIGHT_PX,
    data: { values: placeLabels(raw, domains) },
    layer: [
      {
        mark: { type: 'line' as const, point: { size: 60, filled: true } },
        encoding: { order: { field: 'ms', type: 'quantitative' as const } },
      },
      {
        transform: [{ filter: { field: 'served', equal: true } }],
        mark: { type: 'point' as const, size: 260, strokeWidth: 2 },
        encoding: { color: { value: 'black' } },
      },
      ...LABEL_SLOTS.map(({ slot, dx, dy, align }) => ({
        transform: [{ filter: { field: 'slot', equal: slot } }],
        mark: { type: 'text' as const, align, dx, dy, fontSize: LABEL_FONT_PX },
        encoding: { text: { field: 'label' }, color: { value: '#333' } },
      })),
    ],
    encoding: {
      x: {
        field: 'ms',
        type: 'quantitative' as const,
        title: 'ms/query, one thread (log scale)',
        scale: { type: 'log' as const, domain: domains.x, nice: false },
      },
      y: {
        field: 'recall',
        type: 'quantitative' as const,
        title: 'recall@10 vs exact search',
        scale: { domain: domains.y, nice: false },
      },
      color: {
        field: 'family',
        type: 'nominal' as const,
        title: null,
        sort: null,
        legend: { columns: 1 },
      },
    },
  };
}

/** The figure as SVG text. */
export async function renderSvg(report: EvalReport): Promise<string> {
  const view = new View(parse(compile(figureSpec(report)).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** The figure as PNG bytes. */
export async function renderPng(report: EvalReport): Promise<Uint8Array> {
  const svg = await renderSvg(report);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: {
      loadSystemFonts: true,
      fontFiles: existsSync(FONT_FILE) ? [FONT_FILE] : [],
      defaultFontFamily: FONT,
    },
  });
  return resvg.render().asPng();
}
