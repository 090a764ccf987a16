/**
 * Writes a benchmark's results three ways: JSON (bench/results/<name>.json, with the machine and
 * date), a Markdown table with ratios to e4ts, and an SVG bar chart. Shared by every bench script.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Row {
  /** What was measured, e.g. "AES-SIV open 256 B". */
  group: string;
  /** Who was measured, e.g. "e4ts (wasm)". */
  impl: string;
  opsPerSec: number;
  /** Bytes processed per operation, for MB/s; 0 when not meaningful. */
  bytes: number;
  /** Relative margin of error of the mean, in percent. */
  rme: number;
  samples: number;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function machine(): Record<string, unknown> {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

function formatOps(ops: number): string {
  if (ops >= 1e6) return (ops / 1e6).toFixed(2) + ' M/s';
  if (ops >= 1e3) return (ops / 1e3).toFixed(1) + ' k/s';
  return ops.toFixed(ops < 100 ? 2 : 0) + ' /s';
}

function groupsOf(rows: readonly Row[]): string[] {
  return [...new Set(rows.map((r) => r.group))];
}

/** Markdown: one table per group, each row with its ratio to the group's reference row. */
export function markdownTable(rows: readonly Row[], reference: string): string {
  const lines = ['| measurement | implementation | ops/s | MB/s | × ' + reference + ' | ± | samples |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const group of groupsOf(rows)) {
    const inGroup = rows.filter((r) => r.group === group);
    const ref = inGroup.find((r) => r.impl === reference);
    for (const r of inGroup) {
      const mbs = r.bytes > 0 ? ((r.opsPerSec * r.bytes) / 1e6).toFixed(1) : '';
      const ratio = ref ? (r.opsPerSec / ref.opsPerSec).toFixed(2) : '';
      lines.push(`| ${group} | ${r.impl} | ${formatOps(r.opsPerSec)} | ${mbs} | ${ratio} | ${r.rme.toFixed(1)}% | ${r.samples} |`);
    }
  }
  return lines.join('\n') + '\n';
}

const COLORS = ['#1f6feb', '#8250df', '#bf3989', '#cf222e', '#9a6700', '#1a7f37', '#57606a'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal bars, one panel per group, each scaled to its own fastest row. */
export function barChartSvg(rows: readonly Row[], title: string): string {
  const impls = [...new Set(rows.map((r) => r.impl))];
  const barH = 14;
  const labelW = 190;
  const plotW = 420;
  const width = labelW + plotW + 110;
  const parts: string[] = [];
  let y = 40;
  for (const group of groupsOf(rows)) {
    const inGroup = rows.filter((r) => r.group === group);
    const max = Math.max(...inGroup.map((r) => r.opsPerSec));
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escapeXml(group)}</text>`);
    y += 8;
    for (const r of inGroup) {
      const w = Math.max(1, (r.opsPerSec / max) * plotW);
      const color = COLORS[impls.indexOf(r.impl) % COLORS.length];
      parts.push(`<text x="${labelW - 6}" y="${y + barH - 3}" text-anchor="end">${escapeXml(r.impl)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"/>`);
      parts.push(`<text x="${labelW + w + 4}" y="${y + barH - 3}">${formatOps(r.opsPerSec)}</text>`);
      y += barH + 4;
    }
    y += 22;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** A ratio measured in this run against the figure it must reach. */
export interface Target {
  what: string;
  ratio: number;
  /** The ratio must be at least this (`atLeast`) or at most this (`atMost`). */
  bound: number;
  kind: 'atLeast' | 'atMost';
}

export function opsOf(rows: readonly Row[], group: string, impl: string): number {
  const row = rows.find((r) => r.group === group && r.impl === impl);
  if (!row) throw new Error('no result for ' + impl + ' in ' + group);
  return row.opsPerSec;
}

function targetsTable(targets: readonly Target[]): string {
  const lines = ['| target | ratio in this run | bound | met |', '| --- | ---: | ---: | :---: |'];
  for (const t of targets) {
    const met = t.kind === 'atLeast' ? t.ratio >= t.bound : t.ratio <= t.bound;
    lines.push(`| ${t.what} | ${t.ratio.toFixed(2)} | ${t.kind === 'atLeast' ? '≥' : '≤'} ${t.bound} | ${met ? 'yes' : 'no'} |`);
  }
  return lines.join('\n') + '\n';
}

export function writeReport(
  name: string,
  title: string,
  rows: readonly Row[],
  reference: string,
  targets: readonly Target[] = [],
): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, name + '.json'),
    JSON.stringify({ title, machine: machine(), reference, targets, rows }, null, 2) + '\n',
  );
  const targetsMd = targets.length > 0 ? `## Targets\n\n${targetsTable(targets)}\n## All results\n\n` : '';
  const md = `# ${title}\n\nOne process, one core; ratios are to \`${reference}\` in the same run (absolute figures drift between runs and machines).\n\n${targetsMd}${markdownTable(rows, reference)}`;
  if (targets.length > 0) console.log('\n' + targetsTable(targets));
  writeFileSync(join(RESULTS_DIR, name + '.md'), md);
  writeFileSync(join(RESULTS_DIR, name + '.svg'), barChartSvg(rows, title) + '\n');
}
