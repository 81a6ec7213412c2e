// Build step after `n8n-node build`: bundles csv-parse's incremental core parser into dist/, so the nodes
// import it by a relative path and the package keeps no runtime dependency. Only the core `transform`
// is bundled: csv-parse's stream wrappers need Node streams and timers, which n8n's scanner refuses.
const path = require('path');
const esbuild = require('esbuild');

// The core parser is not in csv-parse's exports map, so it is bundled by file path.
const CSV_PARSE_CORE = path.join(__dirname, 'node_modules', 'csv-parse', 'lib', 'api', 'index.js');
const TARGET = path.join(__dirname, 'dist', 'nodes', 'shared', 'vendor', 'csvParse.js');

async function bundleCsvParse() {
	await esbuild.build({
		entryPoints: [CSV_PARSE_CORE],
		outfile: TARGET,
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: 'es2019',
		legalComments: 'inline',
		logLevel: 'warning',
	});
}

exports.bundleCsvParse = bundleCsvParse;
exports.default = bundleCsvParse;
