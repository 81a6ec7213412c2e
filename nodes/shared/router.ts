import type {
  IExecuteFunctions,
  INodeExecutionData,
  INodeProperties,
} from "n8n-workflow";
import { NodeOperationError } from "n8n-workflow";

import { withFixedParameters } from "./parameters";

/** What every `<operation>.operation.ts` exports: its UI, and `execute` taking the vendor's API client. */
export interface Operation<Api> {
  description: INodeProperties[];
  execute: (
    this: IExecuteFunctions,
    api: Api,
  ) => Promise<INodeExecutionData[][]>;
}

/** Operations by resource value, then by operation value, as the node's parameters name them. */
export type Operations<Api> = Record<
  string,
  Record<string, Pick<Operation<Api>, "execute">>
>;

/**
 * The one router shape of every node: find the operation the node is set to, build the vendor's API client
 * once (`connect` from the vendor's `transport.ts`), and run the operation with it. The operation's context
 * reads each parameter without an expression once for the whole run (`withFixedParameters`).
 */
export async function route<Api>(
  ctx: IExecuteFunctions,
  operations: Operations<Api>,
  connect: (ctx: IExecuteFunctions) => Promise<Api>,
): Promise<INodeExecutionData[][]> {
  const resource = ctx.getNodeParameter("resource", 0) as string;
  const operation = ctx.getNodeParameter("operation", 0) as string;
  const own = (record: object, key: string) =>
    Object.prototype.hasOwnProperty.call(record, key);
  const run =
    own(operations, resource) && own(operations[resource], operation)
      ? operations[resource][operation]
      : undefined;
  if (!run)
    throw new NodeOperationError(
      ctx.getNode(),
      `The operation "${operation}" of "${resource}" is not supported`,
    );
  if (ctx.getInputData().length === 0) return [[]];
  return await run.execute.call(
    withFixedParameters(ctx),
    await connect(ctx),
  );
}
