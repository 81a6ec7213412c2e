// `npm start`: set-up on a fresh clone (dev dependencies, build, Node 24 and n8n from the cache), then
// the sandbox of the five vendor APIs and a real n8n editor with this package, the sandbox credentials
// and the example workflows already imported.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { build, ensureDependencies, ROOT } from './setup.mjs';

ensureDependencies();
build();
const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'dev.mts'), ...process.argv.slice(2)], {
	cwd: ROOT,
	stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
