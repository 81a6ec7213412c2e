import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { barChartSvg, chartsFromRows, COLORS, writeCharts, writeChartsFromFile, type BenchRow } from '../../bench/charts.mts';

interface XmlElement {
	name: string;
	attributes: Record<string, string>;
	children: XmlElement[];
	text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes character data, throwing on a bare `&` or `<` (what a strict XML parser refuses). */
function decode(raw: string): string {
	if (raw.includes('<')) throw new Error(`raw "<" in ${raw}`);
	return raw.replace(/&([^;\s]*);?/g, (whole, name: string) => {
		if (!whole.endsWith(';')) throw new Error(`bare "&" in ${raw}`);
		if (/^#\d+$/.test(name)) return String.fromCodePoint(Number(name.slice(1)));
		if (!(name in ENTITIES)) throw new Error(`unknown entity &${name}; in ${raw}`);
		return ENTITIES[name];
	});
}

/** A strict parser for the subset the writer emits: one root, balanced tags, quoted attributes, valid entities. */
function parseXml(source: string): XmlElement {
	const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
	const stack = [root];
	let at = 0;
	for (const match of source.matchAll(/<[^<>]*>/g)) {
		stack[stack.length - 1].text += decode(source.slice(at, match.index));
		at = match.index + match[0].length;
		const tag = match[0];
		if (tag.startsWith('</')) {
			const open = stack.pop()!;
			if (open.name !== tag.slice(2, -1).trim()) throw new Error(`</${tag.slice(2, -1)}> closes <${open.name}>`);
			continue;
		}
		const body = /^<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>$/.exec(tag);
		if (!body) throw new Error(`malformed tag ${tag}`);
		const attributes: Record<string, string> = {};
		for (const [, name, value] of body[2].matchAll(/([\w:-]+)="([^"]*)"/g)) {
			if (name in attributes) throw new Error(`duplicate attribute ${name} in ${tag}`);
			attributes[name] = decode(value);
		}
		const element: XmlElement = { name: body[1], attributes, children: [], text: '' };
		stack[stack.length - 1].children.push(element);
		if (!body[3]) stack.push(element);
	}
	if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
	if (source.slice(at).trim() !== '' || root.text.trim() !== '') throw new Error('text outside the root element');
	if (root.children.length !== 1) throw new Error(`${root.children.length} root elements`);
	return root.children[0];
}

const all = (element: XmlElement): XmlElement[] => [element, ...element.children.flatMap(all)];
const bars = (svg: XmlElement) => all(svg).filter((element) => element.name === 'rect' && element.attributes.class === 'bar');
const texts = (svg: XmlElement) => all(svg).filter((element) => element.name === 'text').map((element) => element.text);

describe('barChartSvg', () => {
	it('writes a well-formed SVG document whose labels come back exactly as given', () => {
		const label = `A & B <script>alert("x")</script> 'quoted' ≥ 20×`;
		const svg = parseXml(barChartSvg({ title: 'Title & <more>', subtitle: 'sub "x"', unit: '×', bars: [{ label, detail: '<b>', value: 3 }] }));
		expect(svg.name).toBe('svg');
		expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
		expect(texts(svg)).toContain(label);
		expect(texts(svg)).toContain('<b>');
		expect(all(svg).find((element) => element.name === 'title')?.text).toBe('Title & <more>');
		// No element named after the label's markup: it was text, not tags.
		expect(all(svg).some((element) => element.name === 'script' || element.name === 'b')).toBe(false);
	});

	it('draws bars proportional to their values, on a scale from zero shared with the markers', () => {
		const svg = parseXml(
			barChartSvg({
				title: 't',
				bars: [
					{ label: 'a', value: 10 },
					{ label: 'b', value: 25 },
					{ label: 'c', value: 40 },
					{ label: 'zero', value: 0 },
				],
				markers: [{ value: 25, label: 'ceiling', kind: 'ceiling' }],
			}),
		);
		const found = bars(svg);
		const widths = found.map((bar) => Number(bar.attributes.width));
		expect(found.map((bar) => Number(bar.attributes['data-value']))).toEqual([10, 25, 40, 0]);
		expect(widths[1] / widths[0]).toBeCloseTo(2.5, 2);
		expect(widths[2] / widths[0]).toBeCloseTo(4, 2);
		expect(widths[3]).toBe(0);
		// The bar worth exactly the ceiling ends on the ceiling line.
		const ceiling = all(svg).find((element) => element.name === 'line' && element.attributes.class === 'ceiling')!;
		expect(Number(found[1].attributes.x) + widths[1]).toBeCloseTo(Number(ceiling.attributes.x1), 1);
		// Every bar fits inside the picture.
		const width = Number(svg.attributes.width);
		for (const bar of found) expect(Number(bar.attributes.x) + Number(bar.attributes.width)).toBeLessThan(width);
	});

	it('paints its own white background and uses only explicit colours', () => {
		const source = barChartSvg({ title: 't', bars: [{ label: 'a', value: 1, meets: true }, { label: 'b', value: 2, meets: false }] });
		const svg = parseXml(source);
		// The first thing painted is a white card over the whole picture.
		const card = svg.children.find((element) => element.name !== 'title')!;
		expect(card).toMatchObject({ name: 'rect', attributes: { fill: COLORS.background } });
		expect(Number(card.attributes.width)).toBeGreaterThanOrEqual(Number(svg.attributes.width) - 1);
		expect(Number(card.attributes.height)).toBeGreaterThanOrEqual(Number(svg.attributes.height) - 1);
		expect(bars(svg).map((bar) => bar.attributes.fill)).toEqual([COLORS.met, COLORS.missed]);
		expect(source).not.toMatch(/currentColor|prefers-color-scheme|var\(/);
	});
});

const ROWS: BenchRow[] = [
	{ scenario: '1 insider: 10,000 profiles, node vs HTTP Request per item', figure: '0.4 s (25,641/s, 10 req)', baseline: '8.0 s (1,257/s, 10000 req)', ratio: '20.4×', target: '≥ 20×' },
	{ scenario: '1 insider: 10,000 profiles, node vs HTTP Request with Batching (100 per 100 ms)', figure: '0.4 s', baseline: '13.5 s (741/s)', ratio: '34.6×' },
	{ scenario: '1 synerise: 10,000 profiles, node vs HTTP Request per item', figure: '0.8 s', baseline: '8.7 s', ratio: '11.0×', target: '≥ 20×' },
	{ scenario: '1 batch', figure: 'not run', baseline: '', ratio: '', notes: 'vendor node not in this checkout' },
	{ scenario: '2 crescendoLab: 50,000 contacts', figure: '90.2 s (554/s)', baseline: 'ceiling 55.0 s (909/s)', ratio: '0.61', target: '≥ 0.90, 0 errors' },
	{ scenario: '3 crescendoLab export: 1,000,000 rows to a binary file', figure: '+1,124 MB peak RSS (n8n 1500 MB)', baseline: 'idle n8n 376 MB', ratio: '17.2 s in the node', target: '≤ 1,150 MB' },
	{ scenario: '4 batch only send changes', figure: '3.9 s, 0 profiles in 0 requests', baseline: 'first run 15.8 s', ratio: '24.8 %', target: '0 sent, ≤ 15 %' },
	{ scenario: '5 engine: insider', figure: '6.1 µs/item CPU', baseline: '100 requests', ratio: '1.8 s wall' },
	{ scenario: 'Machine', figure: '2 cores', baseline: '', ratio: '' },
];

describe('chartsFromRows', () => {
	it('draws one chart per scenario, from the figures of its rows, and leaves out rows that did not run', () => {
		const charts = chartsFromRows(ROWS, { at: '2026-11-23T02:39:12.000Z' });
		expect(charts.map((chart) => chart.file)).toEqual([
			'bench-1-speedup.svg',
			'bench-2-ceiling.svg',
			'bench-3-memory.svg',
			'bench-4-percent.svg',
			'bench-5-cpu.svg',
		]);
		const [speedup, ceiling, memory, percent, cpu] = charts.map((entry) => entry.chart);
		expect(speedup.bars.map((bar) => [bar.value, bar.meets])).toEqual([
			[20.4, true],
			[34.6, undefined],
			[11, false],
		]);
		expect(speedup.bars[2].valueText).toBe('11.0×');
		expect(speedup.markers).toEqual([{ value: 20, label: 'target ≥ 20×', kind: 'target' }]);
		expect(speedup.subtitle).toContain('2026-11-23 02:39');
		expect(ceiling.bars).toMatchObject([{ value: 0.61, meets: false, detail: '90.2 s (554/s) against ceiling 55.0 s (909/s)' }]);
		expect(ceiling.markers).toEqual([
			{ value: 1, label: 'ceiling', kind: 'ceiling' },
			{ value: 0.9, label: 'target ≥ 0.90', kind: 'target' },
		]);
		expect(memory.bars).toMatchObject([{ value: 1124, meets: true }]);
		expect(memory.markers?.[0].value).toBe(1150);
		expect(percent.bars).toMatchObject([{ value: 24.8, meets: false }]);
		expect(percent.markers?.[0]).toMatchObject({ value: 15, label: 'target ≤ 15 %' });
		expect(cpu.bars).toMatchObject([{ value: 6.1, meets: undefined }]);
		expect(cpu.markers).toEqual([]);
		for (const { chart } of charts) expect(() => parseXml(barChartSvg(chart))).not.toThrow();
	});
});

describe('writeCharts', () => {
	const dirs: string[] = [];
	afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

	it('writes the charts of the scenarios that ran and keeps the others from an earlier run', () => {
		const dir = mkdtempSync(join(tmpdir(), 'cp-charts-'));
		dirs.push(dir);
		writeFileSync(join(dir, 'bench-3-memory.svg'), 'earlier');
		const written = writeCharts(ROWS.filter((row) => row.scenario.startsWith('2 ')), dir);
		expect(written).toEqual([join(dir, 'bench-2-ceiling.svg')]);
		expect(readdirSync(dir).sort()).toEqual(['bench-2-ceiling.svg', 'bench-3-memory.svg']);
		expect(readFileSync(join(dir, 'bench-3-memory.svg'), 'utf8')).toBe('earlier');
	});

	it('redraws from a saved bench.json without running anything', () => {
		const dir = mkdtempSync(join(tmpdir(), 'cp-charts-'));
		dirs.push(dir);
		const saved = join(dir, 'bench.json');
		writeFileSync(saved, JSON.stringify({ rows: ROWS, raw: {}, table: '', at: '2026-11-23T02:39:12.000Z' }));
		const written = writeChartsFromFile(saved, join(dir, 'images'));
		expect(written).toHaveLength(5);
		const svg = parseXml(readFileSync(join(dir, 'images', 'bench-1-speedup.svg'), 'utf8'));
		expect(texts(svg)).toContain('insider: 10,000 profiles, node vs HTTP Request per item');
	});
});
