// Builds workflow JSON for e2e tests: Manual Trigger → Code node that emits the input items → the nodes
// under test, chained in order.
export const PACKAGE_PREFIX = 'n8n-nodes-customer-profiles';

export interface NodeSpec {
	name: string;
	/** `batch`, `synerise`… (this package's node names) or a full type such as `n8n-nodes-base.httpRequest`. */
	type: string;
	typeVersion?: number;
	parameters?: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	/** Connect this node to a named earlier node instead of the previous one (and which output of it). */
	after?: { node: string; output?: number };
}

export interface LinearWorkflowSpec {
	id: string;
	name?: string;
	/** Items the Code node emits (each becomes `{ json }`). */
	inputItems?: Array<Record<string, unknown>>;
	/** Or the Code node's own JavaScript (must `return` an array of `{ json }`). */
	inputCode?: string;
	nodes: NodeSpec[];
	settings?: Record<string, unknown>;
}

export function nodeType(type: string): string {
	return type.includes('.') ? type : `${PACKAGE_PREFIX}.${type}`;
}

export function linearWorkflow(spec: LinearWorkflowSpec): any {
	const code = spec.inputCode ?? `return ${JSON.stringify((spec.inputItems ?? [{}]).map((json) => ({ json })))};`;
	const nodes: any[] = [
		{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'input',
			name: 'Input',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 0],
			parameters: { jsCode: code },
		},
	];
	const connections: Record<string, any> = {
		Start: { main: [[{ node: 'Input', type: 'main', index: 0 }]] },
	};
	let previous = 'Input';
	spec.nodes.forEach((node, index) => {
		nodes.push({
			id: `node-${index}`,
			name: node.name,
			type: nodeType(node.type),
			typeVersion: node.typeVersion ?? 1,
			position: [440 + index * 220, 0],
			parameters: node.parameters ?? {},
			...(node.credentials ? { credentials: node.credentials } : {}),
			...(node.onError ? { onError: node.onError } : {}),
		});
		const from = node.after?.node ?? previous;
		const output = node.after?.output ?? 0;
		connections[from] ??= { main: [] };
		while (connections[from].main.length <= output) connections[from].main.push([]);
		connections[from].main[output].push({ node: node.name, type: 'main', index: 0 });
		previous = node.name;
	});
	return {
		id: spec.id,
		name: spec.name ?? spec.id,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1', ...spec.settings },
		pinData: {},
	};
}
