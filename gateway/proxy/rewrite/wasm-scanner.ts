/**
 * The compiled scanner (assembly/scanner.ts → scanner.wasm): one instance per process, driven one round at a
 * time. Rounds are synchronous, so responses rewritten at the same time share it without interfering. Its host
 * table is filled from one OriginMap at a time (the proxy keeps one per catalog snapshot); a round for another
 * map starts the table over.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The module's constants (exported globals), so they are defined in assembly/scanner.ts only. */
const CONSTANTS = ['LOOKAHEAD', 'LOOKBEHIND', 'SCRATCH_SIZE', 'STATE_SIZE', 'DONE', 'NEED_HOST', 'REPORT', 'BASE_HTTPS', 'HTML', 'FINAL', 'KIND_SHIFT'] as const;
type Constant = (typeof CONSTANTS)[number];

interface Exports extends Record<Constant, WebAssembly.Global> {
  memory: WebAssembly.Memory;
  scratch(): number;
  state(): number;
  prepare(length: number): number;
  clear(): void;
  add(https: number, keyLength: number, mapped: number, schemeLength: number, hostportLength: number): number;
  scan(length: number, from: number, flags: number, token: number): number;
  resume(): number;
  outPtr(): number;
  outLen(): number;
  keep(): number;
  needHostStart(): number;
  needHostEnd(): number;
  needHostHttps(): number;
  reported(): number;
}


export interface MappedOrigin {
  scheme: string; // e.g. 'https'
  hostport: string; // e.g. 'www-vendor-com.p.gw.test'
}

/** What a round needs from its caller: the mapping of hosts it has not seen, and where unknown hosts are told. */
export interface RoundHosts {
  /** Whose mapping the host table holds. */
  readonly owner: object;
  resolve(https: boolean, host: string): MappedOrigin | null;
  /** An uncatalogued host in this response (each entry told once per response, or a little more often). */
  unknown?(host: string): void;
}

export interface RoundResult {
  out: Buffer;
  /** The window's tail that goes into the next round. */
  tail: Buffer;
}

function wasmFile(): string {
  const beside = path.join(__dirname, 'scanner.wasm');
  if (existsSync(beside)) return beside;
  // Run from the sources (ts-jest): the build's copy.
  const built = path.resolve(__dirname, '..', '..', '..', 'dist', 'gateway', 'proxy', 'rewrite', 'scanner.wasm');
  if (existsSync(built)) return built;
  throw new Error('scanner.wasm is missing: run `npm run build` (it compiles gateway/proxy/rewrite/assembly/scanner.ts)');
}

class WasmScanner {
  private readonly x: Exports;
  /** The module's constants by name (LOOKAHEAD, FINAL, …). */
  readonly k: Record<Constant, number>;
  private owner: object | undefined;
  /** Entry id → host, for reports. */
  private hosts: string[] = [];

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile())), {
      env: {
        abort: () => {
          throw new Error('scanner.wasm aborted');
        },
      },
    });
    this.x = instance.exports as unknown as Exports;
    this.k = Object.fromEntries(CONSTANTS.map((name) => [name, this.x[name].value as number])) as Record<Constant, number>;
  }

  private bytes(): Buffer {
    const buffer = this.x.memory.buffer;
    return Buffer.from(buffer, 0, buffer.byteLength);
  }

  /**
   * One round over `head` + `chunk` (the window), anchors from `from`. `state` (STATE_SIZE bytes) is the
   * response's HTML state (the tag open at the end of its output so far), read and updated.
   */
  round(hosts: RoundHosts, head: Buffer, chunk: Buffer, from: number, flags: number, token: number, state: Uint8Array): RoundResult {
    if (this.owner !== hosts.owner) {
      this.x.clear();
      this.hosts = [];
      this.owner = hosts.owner;
    }
    const length = head.length + chunk.length;
    const input = this.x.prepare(length);
    let memory = this.bytes();
    memory.set(head, input);
    memory.set(chunk, input + head.length);
    memory.set(state, this.x.state());
    const { DONE, NEED_HOST, REPORT } = this.k;
    let status = this.x.scan(length, from, flags, token);
    while (status !== DONE) {
      memory = this.bytes();
      if (status === NEED_HOST) {
        const https = this.x.needHostHttps() === 1;
        const host = memory.toString('latin1', input + this.x.needHostStart(), input + this.x.needHostEnd()).toLowerCase();
        this.learn(https, host, hosts.resolve(https, host));
      } else if (status === REPORT) {
        hosts.unknown?.(this.hosts[this.x.reported()]!);
      }
      status = this.x.resume();
    }
    memory = this.bytes();
    const outPtr = this.x.outPtr();
    const out = Buffer.allocUnsafe(this.x.outLen());
    memory.copy(out, 0, outPtr, outPtr + out.length);
    state.set(memory.subarray(this.x.state(), this.x.state() + state.length));
    return { out, tail: Buffer.from(memory.subarray(input + this.x.keep(), input + length)) };
  }

  private learn(https: boolean, host: string, found: MappedOrigin | null): void {
    // A mapping longer than the scratch area (no real host name is) is left unmapped.
    const mapped = found && host.length + found.scheme.length + 3 + found.hostport.length <= this.k.SCRATCH_SIZE ? found : null;
    // scratch: the key, then (when mapped) `scheme://hostport`
    const scratch = this.bytes().subarray(this.x.scratch());
    const keyLength = scratch.write(host, 'latin1');
    if (mapped) scratch.write(`${mapped.scheme}://${mapped.hostport}`, keyLength, 'latin1');
    const add = () => this.x.add(https ? 1 : 0, keyLength, mapped ? 1 : 0, mapped?.scheme.length ?? 0, mapped?.hostport.length ?? 0);
    let id = add();
    if (id < 0) {
      // full: start over (the scratch area still holds this host)
      this.x.clear();
      this.hosts = [];
      id = add();
    }
    this.hosts[id] = host;
  }
}

let shared: WasmScanner | undefined;

/** The process's scanner instance (compiled on first use). */
export function wasmScanner(): WasmScanner {
  return (shared ??= new WasmScanner());
}
