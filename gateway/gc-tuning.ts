import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'async' }) => Promise<void>;
/** V8's gc(), once tuneGarbageCollector has exposed it: what IdleCollector calls. */
let collect: Collect | undefined;

/**
 * Counts external memory (Buffers' backing stores) inside V8's overall heap limit instead of against a separate
 * limit of its own. Every socket read gives Node a fresh 64 KB Buffer, so a proxy streaming a PDF allocates
 * external memory at hundreds of MB/s; under V8's separate limit that started a full mark-compact of the
 * gateway's ~25 MB heap every ~64 MB read, about 12 per second (a fifth of the CPU under PDF load on this
 * machine). With the flag: about half as many full GCs per response and, alternating runs on one core, 118 and 134 PDF responses/s
 * against 74 and 74 without; memory stays bounded (by the heap limit), ~70 MB more external memory under load.
 * PASSWAY_GC_TUNING=off leaves V8's defaults. A V8 that no longer knows the flag says so on stderr and goes on.
 * It also exposes gc() for IdleCollector (below).
 * Returns the NODE_FLAGS (below) this process was started without, for the caller to log (none when off).
 */
export function tuneGarbageCollector(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.PASSWAY_GC_TUNING === 'off') return [];
  setFlagsFromString('--external-memory-accounted-in-global-limit');
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as Collect; // a new context sees the flag; this one was set up before it
  return missingNodeFlags();
}

/** An idle second: the event loop busy less than this share of it. */
const IDLE_UTILIZATION = 0.05;
/** Idle seconds in a row before collecting. */
const IDLE_SECONDS = 5;
/**
 * How long a node rests before its RSS is its idle size (what bench/proxy and bench/readers wait): IDLE_SECONDS quiet
 * seconds, the collection, then jemalloc's decay (10 s by default) returning the freed pages. At 15 s the pages
 * were still on their way back (a one-round bench/proxy run: 179 MB at 15 s, 149 MB from 20 s on).
 */
export const SETTLED_AT_REST_MS = 30_000;
/** Heap plus Buffers grown by this much above their low point since the last collection before collecting again. */
const GROWTH_BYTES = 16 * 1024 * 1024;

const heapAndBuffers = () => {
  const { heapTotal, arrayBuffers } = process.memoryUsage();
  return heapTotal + arrayBuffers;
};

/**
 * The price of the heap flags: with a 128 MB initial heap and Buffers counted in it, a node that has relayed
 * traffic holds ~100 MB of dead Buffers and garbage at rest, because nothing makes V8 run a full GC (the flags
 * exist so that load does not). Once the loop has been idle for IDLE_SECONDS (utilisation from load control's
 * timer) and the heap plus Buffers grew by GROWTH_BYTES, one full GC (V8's concurrent marking, execution
 * 'async') gives it back; under load it never runs, so the GC gains stay.
 * Growth is counted from the lowest footprint seen at rest since the last collection, not from the footprint
 * when it ended: V8 frees Buffers and shrinks the heap after its promise settles, so that reading was often the
 * peak, and a node that rested after a burst and then took more traffic kept ~65 MB of dead Buffers at rest
 * (bench/proxy).
 * The allocator has to return the freed memory to the system too: glibc keeps it in its fragmented heap
 * (MALLOC_TRIM_THRESHOLD_ below), jemalloc returns it within seconds (docker/Dockerfile preloads it).
 * A no-op when tuneGarbageCollector did not run (tests, PASSWAY_GC_TUNING=off).
 */
export class IdleCollector {
  private quiet = 0;
  /** The footprint growth is counted from (0 until the first collection: the first rest collects). */
  private low = 0;
  private collecting = false;

  constructor(
    private readonly footprint: () => number = heapAndBuffers,
    private readonly gc: () => Collect | undefined = () => collect,
  ) {}

  /** Once a second, with the last second's event-loop utilisation; true when a collection started. */
  tick(utilization: number): boolean {
    const gc = this.gc();
    if (!gc || this.collecting) return false;
    if (utilization > IDLE_UTILIZATION) {
      this.quiet = 0;
      return false;
    }
    const footprint = this.footprint();
    this.low = Math.min(this.low, footprint);
    if (++this.quiet < IDLE_SECONDS || footprint < this.low + GROWTH_BYTES) return false;
    this.collecting = true;
    void gc({ type: 'major', execution: 'async' }).finally(() => {
      this.collecting = false;
      this.low = this.footprint();
    });
    return true;
  }
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
 * jemalloc from Debian (libjemalloc2), preloaded in the Docker image: it reuses freed Buffers under load as glibc with
 * the threshold above does, and gives them back to the system seconds after a burst, so a node at rest after traffic
 * is back near its start size (bench/proxy, "RSS at rest"; glibc kept ~150 MB more). The path for this machine, if installed.
 */
/**
 * jemalloc's options (MALLOC_CONF): its background thread returns freed memory on its decay timer; without it, jemalloc
 * purges only when the process allocates, and a node at rest does not (RSS stayed at its post-load 180 MB).
 */
export const JEMALLOC_CONF = 'background_thread:true';

export function jemallocPath(): string | undefined {
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch;
  const file = `/usr/lib/${arch}-linux-gnu/libjemalloc.so.2`;
  return existsSync(file) ? file : undefined;
}

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
