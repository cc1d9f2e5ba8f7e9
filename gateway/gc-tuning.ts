import { setFlagsFromString } from 'node:v8';

/**
 * Counts external memory (Buffers' backing stores) inside V8's overall heap limit instead of against a separate
 * limit of its own. Every socket read gives Node a fresh 64 KB Buffer, so a proxy streaming a PDF allocates
 * external memory at hundreds of MB/s; under V8's separate limit that started a full mark-compact of the
 * gateway's ~25 MB heap every ~64 MB read, about 12 per second (a fifth of the CPU under PDF load on this
 * machine). With the flag: about half as many full GCs per response and, alternating runs on one core, 118 and 134 PDF responses/s
 * against 74 and 74 without; memory stays bounded (by the heap limit), ~70 MB more external memory under load.
 * PASSWAY_GC_TUNING=off leaves V8's defaults. A V8 that no longer knows the flag says so on stderr and goes on.
 * Returns the NODE_FLAGS (below) this process was started without, for the caller to log (none when off).
 */
export function tuneGarbageCollector(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.PASSWAY_GC_TUNING === 'off') return [];
  setFlagsFromString('--external-memory-accounted-in-global-limit');
  return missingNodeFlags();
}

/**
 * glibc's malloc gives the top of its heap back to the system whenever more than 128 KB is free there. A proxy frees
 * Buffers in bursts (each GC releases many 64 KB socket reads at once), so the heap shrank and grew again all the
 * time: 60–140 page faults per 5 MB PDF relayed, against 1–4 with this threshold, and about 10 % more PDF responses
 * per second in bench/proxy (0.75–0.77 → 0.83–0.87 of nginx, alternating runs). The price: the process keeps its
 * peak heap instead of returning it. glibc reads the variable when the process starts, so it is set where the process
 * is started: the Docker image (docker/Dockerfile), bench/proxy for its Node processes, and your service manager.
 */
export const MALLOC_TRIM_THRESHOLD = String(1024 * 1024 * 1024);

/**
 * V8 flags for the serving process. They go on node's command line: V8 reads them when it sets up the heap (setting
 * them later changes nothing) and node does not take them from NODE_OPTIONS. docker/Dockerfile, `npm start` and
 * bench/proxy start Passway with them; startPassway logs when they are missing.
 *
 * --initial-heap-size=128: with Buffers counted in the heap limit (above), the default limits of a ~25 MB heap
 * made every ~75 MB of Buffers relayed a full mark-compact: about 8 per second (6–24 ms each) when rewriting
 * 208 KB pages at ~1,300 responses/s. With the flag, none (scavenges free the short-lived Buffers): 128 MB, none in
 * 8 s of that load; 256 MB, none in 20 s, also after a full GC forced halfway. In the same runs 1,560–2,090 against
 * 1,310–1,370 responses/s for the page; the PDF and 50 KB cases lost their full GCs too. bench/proxy, two runs:
 * HTML rewrite 1.24–1.32 → 2.01–2.27 of nginx, p99 31–34 → 5–7 ms (see the commit that added this).
 */
export const NODE_FLAGS = ['--initial-heap-size=128'];

/** The NODE_FLAGS this process was started without (by name: another value given on purpose counts as given). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  const name = (flag: string) => flag.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(execArgv.map(name));
  return NODE_FLAGS.filter((flag) => !given.has(name(flag)));
}
