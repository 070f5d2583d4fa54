import { info, type TopologyNode } from "./server-process.js";

/** How many times the nodes executed each of `commands` (`INFO commandstats`), summed over the nodes. */
export async function commandCalls(
  nodes: readonly TopologyNode[],
  commands: readonly string[],
): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    const stats = await info(node, "commandstats");
    for (const command of commands) {
      const calls = /calls=(\d+)/.exec(stats.get(`cmdstat_${command.toLowerCase()}`) ?? "")?.[1];
      total += Number(calls ?? 0);
    }
  }
  return total;
}

/** How many error replies with this prefix (`ASK`, `MOVED`) the nodes sent (`INFO errorstats`), summed. */
export async function errorReplies(nodes: readonly TopologyNode[], prefix: string): Promise<number> {
  let total = 0;
  for (const node of nodes.filter((n) => n.alive)) {
    const count = /count=(\d+)/.exec((await info(node, "errorstats")).get(`errorstat_${prefix}`) ?? "")?.[1];
    total += Number(count ?? 0);
  }
  return total;
}
