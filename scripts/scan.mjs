// Runs n8n's own community-package scanner lint offline: on the unpacked `npm pack` tarball (what users
// install) and on the source, with the patterns the scanner uses. Both must report no errors.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { analyzePackage } from '@n8n/scan-community-package/scanner/scanner.mjs';

import { ROOT } from './setup.mjs';

const work = mkdtempSync(join(tmpdir(), 'cp-scan-'));
try {
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' })
		.trim()
		.split('\n')
		.pop();
	const unpacked = join(work, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);

	let failed = false;
	for (const [label, dir, patterns] of [
		['packed artifact', unpacked, ['**/*.js', 'package.json']],
		['source', ROOT, ['package.json', '{nodes,credentials}/**/*.{js,ts,json}']],
	]) {
		const result = await analyzePackage(dir, patterns);
		// "No files found" also reports passed; an artifact without code is a failure here.
		const ok = result.passed && result.message === undefined;
		process.stdout.write(`scanner on the ${label}: ${ok ? 'no errors' : `FAILED (${result.message})`}\n`);
		if (!ok) {
			if (result.details) process.stdout.write(`${result.details}\n`);
			failed = true;
		}
	}
	process.exit(failed ? 1 : 0);
} finally {
	rmSync(work, { recursive: true, force: true });
}
