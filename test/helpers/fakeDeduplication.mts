// An in-memory stand-in for n8n's deduplication helpers (n8n 2.41.1 packages/cli deduplication-helper,
// mode 'entries', scope 'node'): a set of MD5 hashes per workflow and node; checkProcessedAndRecord
// answers which items it already held AND records the new ones, as n8n's does.
import { createHash } from 'node:crypto';

const hash = (value: string | number) => createHash('md5').update(value.toString()).digest('base64');

export class FakeDeduplication {
	readonly hashes = new Set<string>();
	/** The workflow scope (the sync lock), apart from the node's state in `hashes`. */
	readonly workflowHashes = new Set<string>();
	calls: string[] = [];
	failWith?: Error;

	helpers() {
		const fail = () => {
			if (this.failWith) throw this.failWith;
		};
		return {
			checkProcessedAndRecord: async (items: Array<string | number>, scope: string, options: { mode: string }) => {
				fail();
				if ((scope !== 'node' && scope !== 'workflow') || options.mode !== 'entries') throw new Error(`unexpected ${scope}/${options.mode}`);
				const hashes = scope === 'node' ? this.hashes : this.workflowHashes;
				if (scope === 'node') this.calls.push(`check ${items.length}`);
				const answer = { new: [] as Array<string | number>, processed: [] as Array<string | number> };
				for (const item of items) {
					const h = hash(item);
					if (hashes.has(h)) answer.processed.push(item);
					else {
						answer.new.push(item);
						hashes.add(h);
					}
				}
				return answer;
			},
			clearAllProcessedItems: async () => {
				fail();
				this.calls.push('clear');
				this.hashes.clear();
			},
			removeProcessed: async (items: Array<string | number>, scope: string, options: { mode: string }) => {
				fail();
				if ((scope !== 'node' && scope !== 'workflow') || options.mode !== 'entries') throw new Error(`unexpected ${scope}/${options.mode}`);
				const hashes = scope === 'node' ? this.hashes : this.workflowHashes;
				if (scope === 'node') this.calls.push(`remove ${items.length}`);
				for (const item of items) hashes.delete(hash(item));
			},
			getProcessedDataCount: async () => {
				fail();
				return this.hashes.size;
			},
		};
	}
}
