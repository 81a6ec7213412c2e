// The e2e harness finds n8n's run data among log lines, including JSON objects debug logging prints first.
import { describe, expect, it } from 'vitest';

import { parseRunOutput } from '../../e2e/harness.mts';

describe('parseRunOutput', () => {
	it('skips a JSON object a debug log line printed before the run', () => {
		const run = { data: { resultData: { runData: {} } }, status: 'success' };
		const stdout = ['Loaded credentials', '{', '  "debug": true', '}', JSON.stringify(run, null, 2), 'Shutting down', '}'].join('\n');
		expect(parseRunOutput(stdout)).toEqual(run);
	});

	it('reads a run printed in colour, as n8n does at debug level', () => {
		const run = { data: { resultData: { runData: {} } }, status: 'success' };
		const coloured = JSON.stringify(run, null, 2)
			.split('\n')
			.map((line) => `\u001b[32m${line}\u001b[39m`)
			.join('\n');
		expect(parseRunOutput(`\u001b[34mdebug\u001b[39m line\n${coloured}\n`)).toEqual(run);
	});

	it('reads a run printed at debug level, with time and level before it and metadata after it', () => {
		const run = { data: { resultData: { runData: {} } }, status: 'success' };
		const lines = JSON.stringify(run, null, 2).split('\n');
		lines[0] = '02:45:16.109   \u001b[32minfo\u001b[39m    \u001b[32m{';
		lines[lines.length - 1] = '}\u001b[39m { "file": "base-command.js", "function": "log" }';
		const stdout = ['02:45:16.100   debug   Loaded { "file": "x.js" }', ...lines, '02:45:16.211   debug   Shutting down { "file": "y.js" }'].join('\n');
		expect(parseRunOutput(stdout)).toEqual(run);
	});

	it('gives nothing when there is no run', () => {
		expect(parseRunOutput('only\nlog lines\n')).toBeUndefined();
	});
});
