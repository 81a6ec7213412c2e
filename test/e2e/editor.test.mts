// The editor as a person sees it: a real `n8n start` with the examples imported, driven by Debian's
// Chromium through playwright-core. Every node of this package must render with its own icon, without
// "install this node" or parameter issues, and open its parameter panel. Screenshots go to docs/images/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sandboxCredentials } from '../../sandbox/n8nCredentials.mts';
import type { Sandbox } from '../../sandbox/index.mts';
import { startSandbox } from '../../sandbox/index.mts';
import { PACKAGE_NAME } from '../../scripts/n8nHome.mts';
import { loadExamples } from './examples.mts';
import { N8n } from './harness.mts';
import { N8nServer } from './server.mts';

const CHROMIUM = '/usr/bin/chromium';
const IMAGES = join(import.meta.dirname, '..', '..', 'docs', 'images');
const examples = loadExamples();

/** A workflow that must fail the checks, so a check that sees nothing cannot pass unnoticed. */
const CONTROL = {
	id: 'uxEditorControl',
	name: 'Editor test control (broken on purpose)',
	active: false,
	nodes: [
		{ id: 'ctl-1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'ctl-2',
			name: 'No Profile ID',
			type: `${PACKAGE_NAME}.talonOne`,
			typeVersion: 1,
			position: [240, 0],
			parameters: { resource: 'customerProfile', operation: 'update', customerProfileId: '' },
		},
		{ id: 'ctl-3', name: 'Not A Node', type: `${PACKAGE_NAME}.notANode`, typeVersion: 1, position: [480, 0], parameters: {} },
	],
	connections: {
		Start: { main: [[{ node: 'No Profile ID', type: 'main', index: 0 }]] },
		'No Profile ID': { main: [[{ node: 'Not A Node', type: 'main', index: 0 }]] },
	},
	settings: { executionOrder: 'v1' },
	pinData: {},
};

let sandbox: Sandbox;
let n8n: N8n;
let server: N8nServer;
let browser: Browser;
let page: Page;

const packageNodes = (workflow: any): any[] => workflow.nodes.filter((node: any) => node.type.startsWith(`${PACKAGE_NAME}.`));
const slug = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();

async function openWorkflow(id: string): Promise<void> {
	await page.goto(`${server.url}/workflow/${id}`);
	await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60_000 });
	// Icons are images loaded after the canvas; give them time, then check each one.
	await page.waitForLoadState('networkidle');
}

/** What is wrong with one node on the canvas, as a list of readable problems (empty when fine). */
async function canvasProblems(name: string, type: string): Promise<string[]> {
	const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
	if ((await node.count()) !== 1) return [`"${name}" is not on the canvas`];
	return await node.evaluate(
		(element, expected) => {
			const problems: string[] = [];
			if (element.getAttribute('data-node-type') !== expected.type) problems.push(`type ${element.getAttribute('data-node-type')}`);
			const text = element.textContent ?? '';
			if (/install this node|unknown node|not installed/i.test(text)) problems.push(`says "${text.trim()}"`);
			if (element.querySelector('[data-test-id="node-issues"], [data-test-id="canvas-node-status-warning"]')) problems.push('shows issues');
			const icon = element.querySelector('.n8n-node-icon img') as { src: string; complete: boolean; naturalWidth: number } | null;
			if (!icon) problems.push('has no icon image');
			else if (!icon.src.includes(`/icons/${expected.packageName}/`)) problems.push(`icon from ${icon.src}`);
			else if (!icon.complete || icon.naturalWidth === 0) problems.push(`icon ${icon.src} did not load`);
			return problems;
		},
		{ type, packageName: PACKAGE_NAME },
	);
}

/** Opens a node's parameter panel, returns its problems and leaves it open. */
async function openPanel(name: string): Promise<string[]> {
	await page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).dblclick();
	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.waitFor({ state: 'visible', timeout: 30_000 });
	await page.locator('[data-test-id="ndv"] [data-test-id="parameter-input-resource"], [data-test-id="ndv"] [data-test-id="parameter-item"]').first().waitFor({ timeout: 30_000 }).catch(() => undefined);
	await page.waitForTimeout(500);
	const problems: string[] = [];
	const text = (await ndv.textContent()) ?? '';
	if (/install this node|node is not currently installed|unknown node/i.test(text)) problems.push('panel asks to install the node');
	if ((await ndv.locator('[data-test-id="parameter-item"]').count()) === 0) problems.push('panel shows no parameters');
	const issues = await ndv.locator('[data-test-id="parameter-issues"], [data-test-id="node-issues"]').count();
	if (issues > 0) problems.push(`panel shows ${issues} parameter issue(s)`);
	return problems;
}

async function closePanel(): Promise<void> {
	await page.keyboard.press('Escape');
	await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

const major = Number((process.env.N8N_VERSION ?? '2').split('.')[0]);

describe.skipIf(major < 2)('the n8n editor in Chromium', () => {
	beforeAll(async () => {
		// npm test installs Chromium first (as root with apt); a run without it fails here, never skips.
		if (!existsSync(CHROMIUM)) {
			throw new Error(`The editor test needs Debian's Chromium at ${CHROMIUM}: run \`apt-get install chromium\` as root.`);
		}
		mkdirSync(IMAGES, { recursive: true });
		sandbox = await startSandbox({ ports: 'random' });
		n8n = N8n.create();
		await n8n.importCredentials(sandboxCredentials(sandbox));
		await n8n.importWorkflows([...examples.map(({ workflow }) => workflow), CONTROL]);
		server = await N8nServer.start(n8n);
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
		const [cookieName, ...rest] = server.cookie.split('=');
		await context.addCookies([{ name: cookieName, value: rest.join('='), url: server.url }]);
		page = await context.newPage();
	});

	afterAll(async () => {
		await browser?.close();
		await server?.stop();
		n8n?.dispose();
		await sandbox?.close();
	});

	it('the checks catch a missing parameter and an unknown node (control)', async () => {
		await openWorkflow(CONTROL.id);
		expect(await canvasProblems('No Profile ID', `${PACKAGE_NAME}.talonOne`)).toContain('shows issues');
		expect((await canvasProblems('Not A Node', `${PACKAGE_NAME}.notANode`)).length).toBeGreaterThan(0);
		const panel = await openPanel('No Profile ID');
		await closePanel();
		expect(panel.join('; ')).toMatch(/parameter issue/);
	});

	it('every sandbox credential shows its vendor icon in the credentials list', async () => {
		await page.goto(`${server.url}/home/credentials`);
		await page.getByText('Talon.One (sandbox)').first().waitFor({ timeout: 60_000 });
		await page.waitForLoadState('networkidle');
		const icons = await page.evaluate((packageName) => {
			const images = [...(globalThis as any).document.querySelectorAll('img')] as Array<{ src: string; complete: boolean; naturalWidth: number }>;
			return images
				.filter((image) => image.src.includes(`/icons/${packageName}/`))
				.map((image) => ({ file: image.src.split('/').pop(), loaded: image.complete && image.naturalWidth > 0 }));
		}, PACKAGE_NAME);
		await page.screenshot({ path: join(IMAGES, 'credentials.png') });
		// Six credentials: Crescendo Lab has two (Profile API and MAAC v1), sharing one icon.
		expect(icons).toHaveLength(6);
		expect(icons.every((icon) => icon.loaded)).toBe(true);
		expect(new Set(icons.map((icon) => icon.file))).toEqual(
			new Set(['crescendoLab.svg', 'talonOne.svg', 'synerise.svg', 'insider.svg', 'batch.svg']),
		);
	});

	it('in the dark theme every vendor node shows its dark icon', async () => {
		const seen = new Map<string, string>();
		// A context of its own: the theme lives in localStorage, which would turn the other screenshots dark.
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
		const [cookieName, ...rest] = server.cookie.split('=');
		await context.addCookies([{ name: cookieName, value: rest.join('='), url: server.url }]);
		const dark = await context.newPage();
		await dark.addInitScript(() => (globalThis as any).localStorage.setItem('N8N_THEME', 'dark'));
		try {
			for (const { workflow } of examples) {
				await dark.goto(`${server.url}/workflow/${workflow.id}`);
				await dark.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60_000 });
				await dark.waitForLoadState('networkidle');
				for (const node of packageNodes(workflow)) {
					const src = await dark
						.locator(`[data-test-id="canvas-node"][data-node-name="${node.name}"] .n8n-node-icon img`)
						.getAttribute('src');
					seen.set(node.type, src ?? '(none)');
				}
				if (workflow.id === 'exTalonErrorBranch') await dark.screenshot({ path: join(IMAGES, 'example-talon-one-error-branch-dark.png') });
			}
		} finally {
			await context.close();
		}
		expect(seen.size).toBe(5);
		for (const [type, src] of seen) expect(src, type).toMatch(/\.dark\.svg$/);
	});

	for (const { file, workflow } of examples) {
		it(`${file}: every node of the package renders with its icon and opens its panel`, async () => {
			await openWorkflow(workflow.id);
			const problems: string[] = [];
			for (const node of packageNodes(workflow)) {
				for (const problem of await canvasProblems(node.name, node.type)) problems.push(`${node.name}: ${problem}`);
			}
			await page.mouse.move(1, 450); // no hover toolbar in the picture
			await page.screenshot({ path: join(IMAGES, `example-${slug(file.replace(/\.json$/, ''))}.png`) });
			for (const node of packageNodes(workflow)) {
				for (const problem of await openPanel(node.name)) problems.push(`${node.name} panel: ${problem}`);
				const vendor = node.type.slice(PACKAGE_NAME.length + 1);
				// A node with the Sync option set gets a picture of its own, for the docs' Sync section.
				const sync = node.parameters.sync ? '-sync' : '';
				const shot = `${slug(vendor)}-${slug(node.parameters.resource ?? '')}-${slug(node.parameters.operation ?? '')}${sync}.png`;
				// The Sync options sit at the bottom of the panel: bring them into the picture.
				if (sync) await page.locator('[data-test-id="ndv"]').getByText('Send', { exact: true }).last().scrollIntoViewIfNeeded();
				await page.locator('[data-test-id="ndv"]').screenshot({ path: join(IMAGES, shot) });
				await closePanel();
			}
			expect(problems).toEqual([]);
		});
	}
});
