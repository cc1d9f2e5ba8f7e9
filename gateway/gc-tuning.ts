import { setFlagsFromString } from 'node:v8';

/**
 * Counts external memory (Buffers' backing stores) inside V8's overall heap limit instead of against a separate
 * limit of its own. Every socket read gives Node a fresh 64 KB Buffer, so a proxy streaming a PDF allocates
 * external memory at hundreds of MB/s; under V8's separate limit that started a full mark-compact of the
 * gateway's ~25 MB heap every ~64 MB read, about 12 per second (a fifth of the CPU under PDF load on this
 * machine). With the flag: about half as many full GCs per response and, alternating runs on one core, 118 and 134 PDF responses/s
 * against 74 and 74 without; memory stays bounded (by the heap limit), ~70 MB more external memory under load.
 * PASSWAY_GC_TUNING=off leaves V8's defaults. A V8 that no longer knows the flag says so on stderr and goes on.
 */
export function tuneGarbageCollector(env: NodeJS.ProcessEnv = process.env): void {
  if (env.PASSWAY_GC_TUNING === 'off') return;
  setFlagsFromString('--external-memory-accounted-in-global-limit');
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
