// The source a Profile Sync workflow reads in real-n8n tests: a loopback listener the test sets between
// executions, serving `/input` (the rows) and `/mode` (switches such as Dry Run, read by expressions), and
// the two HTTP Request nodes a sync workflow starts with. One imported workflow is executed again and again
// against it, as a re-import would replace the workflow's static data.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { NodeSpec } from './workflows.mts';

export class SyncSource {
	/** What `/input` answers: the rows of the next execution. */
	rows: unknown[] = [];
	/** What `/mode` answers: read in the workflow as `$("Fetch Mode").first().json.<name>`. */
	mode: Record<string, unknown> = {};

	private constructor(
		private readonly server: Server,
		readonly url: string,
	) {}

	static async start(): Promise<SyncSource> {
		let source: SyncSource | undefined;
		const server = createServer((req, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify(req.url?.endsWith('/mode') ? source?.mode : source?.rows));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
		source = new SyncSource(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
		return source;
	}

	/** Fetch Mode, then Fetch Source (one item per row): the first nodes of a sync workflow. */
	fetchNodes(): NodeSpec[] {
		return [
			{ name: 'Fetch Mode', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, parameters: { url: `${this.url}/mode`, options: {} } },
			{ name: 'Fetch Source', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, parameters: { url: `${this.url}/input`, options: {} } },
		];
	}

	async close(): Promise<void> {
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
