/**
 * Lambda's CPU share, here: Lambda gives a function CPU time in proportion to its memory (1,769 MB is
 * one vCPU), which a cgroup's CFS quota reproduces — a child process in a group whose quota is
 * `share × period` of each period runs as a function of that size would. Needs the cgroup v1 `cpu`
 * controller writable (root on Linux); without it the caller reports that it could not scale.
 */
import { mkdir, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const CPU_CGROUP = "/sys/fs/cgroup/cpu";
/** The CFS period, µs. Lambda's is not documented; 20 ms is what published measurements of its throttling pauses show. */
export const PERIOD_US = 20_000;
/** Memory that gives one full vCPU on Lambda, MB. */
export const MB_PER_VCPU = 1769;

/** A cgroup limiting its processes to a share of one CPU. */
export interface CpuShare {
  /** The group's directory: a child writes its pid to `<dir>/cgroup.procs` to join. */
  readonly dir: string;
  readonly share: number;
  close(): Promise<void>;
}

/** A group with the CPU share of a Lambda function of `memoryMb`, or undefined when cgroups are not writable. */
export async function lambdaCpuShare(memoryMb: number): Promise<CpuShare | undefined> {
  const share = Math.min(1, memoryMb / MB_PER_VCPU);
  const dir = join(CPU_CGROUP, `agentcore-relay-bench-${process.pid}-${memoryMb}`);
  try {
    await mkdir(dir);
  } catch {
    return undefined;
  }
  try {
    await writeFile(join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
    await writeFile(join(dir, "cpu.cfs_quota_us"), String(Math.round(share * PERIOD_US)));
  } catch {
    await rmdir(dir).catch(() => undefined);
    return undefined;
  }
  return { dir, share, close: () => rmdir(dir).catch(() => undefined) };
}
