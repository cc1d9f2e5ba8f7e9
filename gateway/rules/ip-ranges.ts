import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import { compiledScript } from '../../config/paths';

/** The tables as a worker thread hands them over (their buffers transferred, not copied). */
export interface AsnTables {
  v4: TableData<Uint32Array>;
  v6: TableData<BigUint64Array>;
}

/**
 * Address ranges → autonomous system number, from ip-location-db's CSV files (`start,end,asn,organisation`,
 * inclusive ranges sorted by start, as numbers in the `-num.csv` files or as addresses in the others). The
 * ASN data is published on npm only as CSV, so it is read into typed arrays (about 8 MB for the whole
 * table; the organisation names are not kept) and searched by bisection. IPv6 ranges are kept by their
 * first 64 bits: no route is announced for less than a /64.
 */
export class AsnRanges {
  private constructor(
    private readonly v4 = new Table<number>(Uint32Array),
    private readonly v6 = new Table<bigint>(BigUint64Array),
  ) {}

  /** Reads the files on this thread, at once (config check; the worker thread; without the compiled worker). */
  static readNow(files: string[]): AsnRanges {
    const ranges = new AsnRanges();
    for (const file of files) ranges.parse(readFileSync(file, 'latin1'), file);
    ranges.v4.seal();
    ranges.v6.seal();
    return ranges;
  }

  /**
   * Reads the files on a worker thread (ip-ranges-worker.ts): half a million rows take ~200 ms of CPU, which
   * must not hold the event loop (a request would wait, and load control would take the busy loop for
   * overload and turn readers away).
   */
  static async load(files: string[]): Promise<AsnRanges> {
    const script = compiledScript(__filename, 'ip-ranges-worker.js');
    if (!script) return AsnRanges.readNow(files);
    const answer = await new Promise<AsnTables | { error: string }>((resolve, reject) => {
      const worker = new Worker(script, { workerData: files });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the ASN table reader stopped (exit code ${code})`)));
    });
    if ('error' in answer) throw new Error(answer.error);
    return new AsnRanges(Table.from(Uint32Array, answer.v4), Table.from(BigUint64Array, answer.v6));
  }

  /** The tables, for a worker thread to hand over. */
  tables(): AsnTables {
    return { v4: this.v4.data() as TableData<Uint32Array>, v6: this.v6.data() as TableData<BigUint64Array> };
  }

  /** The ASN of an address, or undefined when no range holds it (or it is not an address). */
  asnOf(address: string): number | undefined {
    if (!ipaddr.isValid(address)) return undefined;
    const parsed = ipaddr.process(address);
    if (parsed.kind() === 'ipv4') return this.v4.find(ipv4Number((parsed as ipaddr.IPv4).octets));
    return this.v6.find(ipv6High((parsed as ipaddr.IPv6).parts));
  }

  private parse(text: string, file: string): void {
    for (let at = 0, line = 1; at < text.length; line++) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      // The fields are found with indexOf, not split: the shipped tables have half a million rows.
      const first = text.indexOf(',', at);
      const second = first < 0 || first > end ? -1 : text.indexOf(',', first + 1);
      let third = second < 0 || second > end ? -1 : text.indexOf(',', second + 1);
      if (third < 0 || third > end) third = text[end - 1] === '\r' ? end - 1 : end;
      const row = at;
      at = end + 1;
      if (end - row <= 1 && text.slice(row, end).trim() === '') continue;
      const asn = second < 0 || second > end ? NaN : Number(text.slice(second + 1, third));
      if (second < 0 || second > end || !Number.isInteger(asn) || !this.add(text.slice(row, first), text.slice(first + 1, second), asn)) {
        throw new Error(`${file}:${line}: not a "start,end,asn" row of ip-location-db's ASN CSV: ${text.slice(row, Math.min(end, row + 80))}`);
      }
    }
  }

  private add(start: string, last: string, asn: number): boolean {
    const low = start === '' ? NaN : Number(start);
    const high = last === '' ? NaN : Number(last);
    if (Number.isInteger(low) && Number.isInteger(high)) {
      // An IPv6 number needs more than a double's 53 bits: it is read again as a BigInt.
      if (high <= 0xffffffff) this.v4.add(low, high, asn);
      else this.v6.add(BigInt(start) >> 64n, BigInt(last) >> 64n, asn);
      return true;
    }
    if (!ipaddr.isValid(start) || !ipaddr.isValid(last)) return false;
    const from = ipaddr.parse(start);
    const to = ipaddr.parse(last);
    if (from.kind() !== to.kind()) return false;
    if (from.kind() === 'ipv4') this.v4.add(ipv4Number((from as ipaddr.IPv4).octets), ipv4Number((to as ipaddr.IPv4).octets), asn);
    else this.v6.add(ipv6High((from as ipaddr.IPv6).parts), ipv6High((to as ipaddr.IPv6).parts), asn);
    return true;
  }
}

function ipv4Number(octets: number[]): number {
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

function ipv6High(parts: number[]): bigint {
  return (BigInt(parts[0]!) << 48n) | (BigInt(parts[1]!) << 32n) | (BigInt(parts[2]!) << 16n) | BigInt(parts[3]!);
}

type Numbers<T> = { length: number; [index: number]: T; set(array: ArrayLike<T>): void; buffer: ArrayBufferLike };

export interface TableData<A> {
  starts: A;
  ends: A;
  values: Uint32Array;
  size: number;
}

/** Inclusive ranges with a value each, in growable typed arrays, sorted once all are read. */
class Table<T extends number | bigint> {
  private starts: Numbers<T>;
  private ends: Numbers<T>;
  private values: Uint32Array = new Uint32Array(1024);
  private size = 0;

  constructor(private readonly Kind: new (length: number) => Numbers<T>) {
    this.starts = new Kind(1024);
    this.ends = new Kind(1024);
  }

  add(start: T, end: T, value: number): void {
    if (this.size === this.values.length) this.grow();
    this.starts[this.size] = start;
    this.ends[this.size] = end;
    this.values[this.size++] = value;
  }

  static from<T extends number | bigint>(Kind: new (length: number) => Numbers<T>, data: TableData<Numbers<T>>): Table<T> {
    const table = new Table<T>(Kind);
    table.starts = data.starts;
    table.ends = data.ends;
    table.values = data.values;
    table.size = data.size;
    return table;
  }

  data(): TableData<Numbers<T>> {
    return { starts: this.starts, ends: this.ends, values: this.values, size: this.size };
  }

  /** The files are sorted; several files (or an unsorted one) are put in order here. */
  seal(): void {
    let sorted = true;
    for (let i = 1; i < this.size && sorted; i++) sorted = this.starts[i - 1]! <= this.starts[i]!;
    if (sorted) return;
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => (this.starts[a]! < this.starts[b]! ? -1 : this.starts[a]! > this.starts[b]! ? 1 : 0));
    const starts = new this.Kind(this.size);
    const ends = new this.Kind(this.size);
    const values = new Uint32Array(this.size);
    order.forEach((from, to) => {
      starts[to] = this.starts[from]!;
      ends[to] = this.ends[from]!;
      values[to] = this.values[from]!;
    });
    this.starts = starts;
    this.ends = ends;
    this.values = values;
  }

  /** The value of the last range starting at or before `key`, if it reaches `key`. */
  find(key: T): number | undefined {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle]! <= key) low = middle + 1;
      else high = middle - 1;
    }
    return high >= 0 && key <= this.ends[high]! ? this.values[high] : undefined;
  }

  private grow(): void {
    const length = this.values.length * 2;
    const starts = new this.Kind(length);
    const ends = new this.Kind(length);
    const values = new Uint32Array(length);
    starts.set(this.starts as ArrayLike<T>);
    ends.set(this.ends as ArrayLike<T>);
    values.set(this.values);
    this.starts = starts;
    this.ends = ends;
    this.values = values;
  }
}
