// The bench's charts: one SVG per scenario, drawn from the rows of the table (test/.artifacts/bench.json), so
// a past run can be redrawn without running it again. Horizontal bars with their figures, and the ceiling or
// target as vertical lines. Explicit colours on a white card: the same picture in GitHub's light and dark modes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One row of the bench table (bench.mts collects them). */
export interface BenchRow {
	scenario: string;
	figure: string;
	baseline: string;
	ratio: string;
	target?: string;
	notes?: string;
}

export interface Bar {
	label: string;
	/** A second, quieter line under the label: the absolute figures behind the bar. */
	detail?: string;
	value: number;
	/** What is printed at the bar's end; the value by default. */
	valueText?: string;
	/** Against the chart's target: true met, false missed, undefined no target for this bar. */
	meets?: boolean;
}

export interface Marker {
	value: number;
	label: string;
	kind: 'ceiling' | 'target';
}

export interface BarChart {
	title: string;
	subtitle?: string;
	/** Appended to the axis ticks ("×", " MB"). */
	unit?: string;
	bars: Bar[];
	markers?: Marker[];
}

const WIDTH = 800;
const PAD = 20;
const VALUE_ROOM = 90;
const TITLE_HEIGHT = 52;
const BAR_BLOCK = 64;
const BAR_HEIGHT = 20;
const MARKER_ROW = 16;
const AXIS_HEIGHT = 30;
/** Beyond this many characters a label is cut with an ellipsis; SVG text does not wrap. */
const MAX_LABEL_CHARS = 110;

export const COLORS = {
	background: '#ffffff',
	border: '#d0d7de',
	text: '#1f2328',
	muted: '#59636e',
	grid: '#eaeef2',
	met: '#1a7f37',
	missed: '#cf222e',
	neutral: '#0969da',
	ceiling: '#1f2328',
	target: '#8250df',
} as const;

export function escapeXml(text: string): string {
	return text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);
}

const clip = (text: string) => (text.length > MAX_LABEL_CHARS ? `${text.slice(0, MAX_LABEL_CHARS - 1)}…` : text);
const number = (value: number) => (Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toPrecision(3))));

/** A round step (1, 2 or 5 × 10^k) that divides 0..max into at most eight ticks. */
function tickStep(max: number): number {
	const rough = max / 8;
	const power = 10 ** Math.floor(Math.log10(rough));
	return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? rough;
}

/** Text on a white halo, so a marker line behind it never crosses the letters. */
function text(x: number | string, y: number, content: string, attributes: string): string {
	return `<text x="${x}" y="${y}" ${attributes} stroke="${COLORS.background}" stroke-width="4" stroke-linejoin="round" paint-order="stroke">${escapeXml(clip(content))}</text>`;
}

/** The chart as a standalone SVG document. Bars are proportional to their values on a scale from 0. */
export function barChartSvg(chart: BarChart): string {
	const markers = [...(chart.markers ?? [])].sort((a, b) => a.value - b.value);
	const top = Math.max(...chart.bars.map((bar) => bar.value), ...markers.map((marker) => marker.value), 0);
	const step = top > 0 ? tickStep(top * 1.05) : 1;
	const scaleMax = Math.max(step, Math.ceil((top * 1.05) / step) * step);
	const plotLeft = PAD;
	const plotWidth = WIDTH - PAD - VALUE_ROOM - plotLeft;
	const x = (value: number) => plotLeft + (Math.max(0, value) / scaleMax) * plotWidth;
	// One row of marker labels per marker, so two close lines (target 0.9, ceiling 1) keep readable labels.
	const barsTop = TITLE_HEIGHT + markers.length * MARKER_ROW;
	const barsBottom = barsTop + chart.bars.length * BAR_BLOCK;
	const height = barsBottom + AXIS_HEIGHT + PAD / 2;
	const fmt = (value: number) => Number(value.toFixed(2)).toString();
	const parts: string[] = [];

	parts.push(`<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${height - 1}" rx="6" fill="${COLORS.background}" stroke="${COLORS.border}"/>`);
	parts.push(text(PAD, 26, chart.title, `font-size="16" font-weight="600" fill="${COLORS.text}"`));
	if (chart.subtitle) parts.push(text(PAD, 44, chart.subtitle, `font-size="12" fill="${COLORS.muted}"`));

	for (let tick = 0; tick <= scaleMax + step / 1e6; tick += step) {
		const at = fmt(x(tick));
		parts.push(`<line x1="${at}" y1="${barsTop}" x2="${at}" y2="${barsBottom}" stroke="${COLORS.grid}"/>`);
		parts.push(text(at, barsBottom + 16, `${number(tick)}${chart.unit ?? ''}`, `font-size="11" text-anchor="middle" fill="${COLORS.muted}"`));
	}

	markers.forEach((marker, row) => {
		const at = x(marker.value);
		const color = marker.kind === 'ceiling' ? COLORS.ceiling : COLORS.target;
		const dash = marker.kind === 'target' ? ' stroke-dasharray="6 4"' : '';
		const labelY = barsTop - 6 - (markers.length - 1 - row) * MARKER_ROW;
		const anchor = at < plotLeft + 60 ? 'start' : at > WIDTH - 60 ? 'end' : 'middle';
		parts.push(`<line class="${marker.kind}" x1="${fmt(at)}" y1="${labelY + 3}" x2="${fmt(at)}" y2="${barsBottom}" stroke="${color}" stroke-width="2"${dash}/>`);
		parts.push(text(fmt(at), labelY, marker.label, `font-size="11" text-anchor="${anchor}" fill="${color}"`));
	});

	chart.bars.forEach((bar, position) => {
		const y = barsTop + position * BAR_BLOCK;
		const color = bar.meets === undefined ? COLORS.neutral : bar.meets ? COLORS.met : COLORS.missed;
		const width = x(bar.value) - plotLeft;
		parts.push(text(PAD, y + 14, bar.label, `font-size="13" font-weight="600" fill="${COLORS.text}"`));
		if (bar.detail) parts.push(text(PAD, y + 29, bar.detail, `font-size="11" fill="${COLORS.muted}"`));
		parts.push(`<rect class="bar" x="${plotLeft}" y="${y + 36}" width="${fmt(width)}" height="${BAR_HEIGHT}" rx="2" fill="${color}" data-value="${bar.value}"/>`);
		parts.push(text(fmt(plotLeft + width + 6), y + 51, bar.valueText ?? `${number(bar.value)}${chart.unit ?? ''}`, `font-size="13" font-weight="600" fill="${COLORS.text}"`));
	});

	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" role="img">`,
		`<title>${escapeXml(chart.title)}</title>`,
		...parts,
		'</svg>',
		'',
	].join('\n');
}

// ---- from bench rows ---------------------------------------------------------------------------------------

/** The first number in a text ("1,257/s" → 1257), NaN when there is none. */
function firstNumber(text: string | undefined, pattern = /-?\d[\d,]*(?:\.\d+)?/): number {
	const match = pattern.exec(text ?? '');
	return match ? Number((match[1] ?? match[0]).replace(/,/g, '')) : Number.NaN;
}

/** The bound a target states ("≥ 0.90, 0 errors" → 0.9, "0 sent, ≤ 15 %" → 15). */
function targetBound(target: string | undefined): { value: number; atLeast: boolean } | undefined {
	const match = /([≥≤])\s*(\d[\d,]*(?:\.\d+)?)/.exec(target ?? '');
	return match ? { value: Number(match[2].replace(/,/g, '')), atLeast: match[1] === '≥' } : undefined;
}

/** The kinds of figure the bench reports, told apart by the shape of a row. */
interface Kind {
	name: string;
	title: string;
	unit: string;
	matches: (row: BenchRow) => boolean;
	value: (row: BenchRow) => number;
	detail: (row: BenchRow) => string;
	/** The figure printed at the bar's end, as the table shows it; the parsed value with the unit otherwise. */
	shown?: (row: BenchRow) => string;
	ceiling?: number;
}

const KINDS: Kind[] = [
	{
		name: 'ceiling',
		title: 'throughput against the limit-implied ceiling (1 = the ceiling)',
		unit: '',
		matches: (row) => /^ceiling\b/.test(row.baseline),
		value: (row) => firstNumber(row.ratio),
		detail: (row) => `${row.figure} against ${row.baseline}`,
		shown: (row) => row.ratio,
		ceiling: 1,
	},
	{
		name: 'speedup',
		title: 'the node against the naive workflow (times faster)',
		unit: '×',
		matches: (row) => /×\s*$/.test(row.ratio),
		value: (row) => firstNumber(row.ratio),
		detail: (row) => `node ${row.figure}, naive ${row.baseline}`,
		shown: (row) => row.ratio,
	},
	{
		name: 'memory',
		title: 'peak memory over an idle n8n, MB (lower is better)',
		unit: ' MB',
		matches: (row) => /^\+\d[\d,]* MB/.test(row.figure),
		value: (row) => firstNumber(row.figure),
		detail: (row) => `${row.figure}; ${row.ratio}`,
	},
	{
		name: 'percent',
		title: 'share of the baseline’s time, % (lower is better)',
		unit: ' %',
		matches: (row) => /%\s*$/.test(row.ratio),
		value: (row) => firstNumber(row.ratio),
		detail: (row) => `${row.figure} against ${row.baseline}`,
		shown: (row) => row.ratio,
	},
	{
		name: 'cpu',
		title: 'engine CPU per item, µs (lower is better)',
		unit: ' µs',
		matches: (row) => /µs\/item/.test(row.figure),
		value: (row) => firstNumber(row.figure),
		detail: (row) => `${row.baseline}; ${row.ratio}`,
	},
];

export interface NamedChart {
	/** File name under docs/images/. */
	file: string;
	chart: BarChart;
}

/** One chart per scenario number that has rows with a figure; rows that say "not run" are left out. */
export function chartsFromRows(rows: BenchRow[], options: { at?: string } = {}): NamedChart[] {
	const byScenario = new Map<string, BenchRow[]>();
	for (const row of rows) {
		const scenario = /^(\d+)\s/.exec(row.scenario)?.[1];
		if (!scenario) continue;
		byScenario.set(scenario, [...(byScenario.get(scenario) ?? []), row]);
	}
	const charts: NamedChart[] = [];
	for (const [scenario, scenarioRows] of byScenario) {
		const kind = KINDS.find((candidate) => scenarioRows.some(candidate.matches));
		if (!kind) continue;
		const measured = scenarioRows.filter((row) => kind.matches(row) && Number.isFinite(kind.value(row)));
		if (measured.length === 0) continue;
		const bars: Bar[] = measured.map((row) => {
			const value = kind.value(row);
			const bound = targetBound(row.target);
			return {
				label: row.scenario.replace(/^\d+\s+/, ''),
				detail: kind.detail(row),
				value,
				valueText: kind.shown?.(row),
				meets: bound ? (bound.atLeast ? value >= bound.value : value <= bound.value) : undefined,
			};
		});
		const markers: Marker[] = [];
		if (kind.ceiling !== undefined) markers.push({ value: kind.ceiling, label: 'ceiling', kind: 'ceiling' });
		const target = measured.map((row) => ({ row, bound: targetBound(row.target) })).find((entry) => entry.bound);
		if (target?.bound) markers.push({ value: target.bound.value, label: `target ${target.row.target!.split(',').find((part) => /[≥≤]/.test(part))!.trim()}`, kind: 'target' });
		charts.push({
			file: `bench-${scenario}-${kind.name}.svg`,
			chart: {
				title: `Scenario ${scenario}: ${kind.title}`,
				subtitle: options.at ? `npm run bench, ${options.at.slice(0, 16).replace('T', ' ')} UTC` : undefined,
				unit: kind.unit,
				bars,
				markers,
			},
		});
	}
	return charts;
}

/** Writes one SVG per scenario into `dir`; a scenario that did not run keeps its earlier chart. */
export function writeCharts(rows: BenchRow[], dir: string, options: { at?: string } = {}): string[] {
	mkdirSync(dir, { recursive: true });
	return chartsFromRows(rows, options).map(({ file, chart }) => {
		const path = join(dir, file);
		writeFileSync(path, barChartSvg(chart));
		return path;
	});
}

/** Redraws the charts of a saved run (bench.json: `{ rows, at }`) without running anything. */
export function writeChartsFromFile(benchJson: string, dir: string): string[] {
	const saved = JSON.parse(readFileSync(benchJson, 'utf8')) as { rows: BenchRow[]; at?: string };
	return writeCharts(saved.rows, dir, { at: saved.at });
}
