/** A node of a Cluster as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly primary: boolean;
  /** The primary this node replicates, for a replica. */
  readonly primaryId: string | null;
  readonly failed: boolean;
  /** Slot ranges `[first, last]` this node serves (primaries). */
  readonly slots: ReadonlyArray<readonly [number, number]>;
}

/** One {@link ClusterNodeInfo} per line of a `CLUSTER NODES` reply. */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id = "", address = "", flags = "", primaryId = "-", , , , , ...slotSpecs] = line
        .trim()
        .split(" ");
      const port = Number(address.split("@")[0]?.split(":")[1]);
      const flagList = flags.split(",");
      const slots: Array<readonly [number, number]> = [];
      for (const spec of slotSpecs) {
        if (spec.startsWith("[")) continue; // a slot being imported or migrated, not yet owned
        const [first, last = first] = spec.split("-");
        slots.push([Number(first), Number(last)]);
      }
      return {
        id,
        port,
        primary: flagList.includes("master"),
        primaryId: primaryId === "-" ? null : primaryId,
        failed: flagList.includes("fail") || flagList.includes("fail?"),
        slots,
      };
    });
}
