import { readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { Reader } from 'mmdb-lib';
import { BoundedCache } from '../bounded-cache';
import { AsnRanges } from './ip-ranges';

/** Country (ISO 3166 alpha-2) and autonomous system of an address, from an offline database. */
export interface IpFacts {
  country?: string;
  asn?: string;
}

export interface IpInfo {
  lookup(address: string): IpFacts;
  /** Resolves once every database is read (a CSV loads in the background; until then its facts are missing). */
  ready?(): Promise<void>;
}

/** Without a database the countries and asns criteria count nothing. */
export const NO_IP_INFO: IpInfo = { lookup: () => ({}) };

/** The country database shipped as an npm package (CC BY 4.0 data by NRO, refreshed by upgrading the package). */
export const DEFAULT_COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';

/** The ASN data shipped as an npm package (CC BY 4.0 by RouteViews, DB-IP and NRO); published as CSV only. */
export const DEFAULT_ASN_PACKAGE = '@ip-location-db/asn';

/** Records of the ip-location-db packages ({ country_code }, { autonomous_system_number }) and of MaxMind's GeoLite2 ({ country: { iso_code } }). */
interface MmdbRecord {
  country_code?: string;
  country?: { iso_code?: string };
  autonomous_system_number?: number | string;
}

/** The default country database's file, or undefined when the package is not installed. */
export function defaultCountryDatabase(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve(`${DEFAULT_COUNTRY_PACKAGE}/package.json`)), 'geo-whois-asn-country.mmdb');
  } catch {
    return undefined;
  }
}

/** The default ASN database's files (IPv4 and IPv6), or undefined when the package is not installed. */
export function defaultAsnDatabase(): string[] | undefined {
  try {
    const dir = path.dirname(require.resolve(`${DEFAULT_ASN_PACKAGE}/package.json`));
    return [path.join(dir, 'asn-ipv4-num.csv'), path.join(dir, 'asn-ipv6-num.csv')];
  } catch {
    return undefined;
  }
}

class IpDatabaseError extends Error {}

interface IpDatabase {
  get(address: string): MmdbRecord | null;
  /** Settles once the database is read: at once for an MMDB, in the background for CSV. */
  loaded: Promise<void>;
  /** False while a CSV is still being read. */
  ready: boolean;
}

/** Databases by file, shared by every gateway in the process: each is read once, when a rule first needs it. */
const databases = new Map<string, IpDatabase>();

const asnRecord = (ranges: AsnRanges) => (address: string) => ({ autonomous_system_number: ranges.asnOf(address) });

/**
 * An MMDB file (mmdb-lib), or ip-location-db's ASN CSV (`.csv` files, e.g. one for IPv4 and one for IPv6), read in
 * the background (`now` reads it at once: config check).
 */
function openDatabase(files: string | string[], now = false): IpDatabase {
  const list = typeof files === 'string' ? [files] : files;
  const name = list.join(', ');
  const failed = (error: unknown) => new IpDatabaseError(`security.ipDatabase: cannot read ${name}: ${(error as Error).message}`, { cause: error });
  let database = databases.get(name);
  if (database && (database.ready || !now)) return database; // config check reads a CSV still loading itself
  try {
    if (list.every((file) => file.endsWith('.csv'))) {
      if (now) database = { get: asnRecord(AsnRanges.readNow(list)), loaded: Promise.resolve(), ready: true };
      else {
        const loading: IpDatabase = { get: () => null, loaded: Promise.resolve(), ready: false };
        loading.loaded = AsnRanges.load(list).then(
          (ranges) => {
            loading.get = asnRecord(ranges);
            loading.ready = true;
          },
          (error: unknown) => {
            const problem = failed(error);
            loading.get = () => {
              throw problem;
            };
            loading.ready = true;
          },
        );
        database = loading;
      }
    } else if (list.length === 1) {
      const reader = new Reader(readFileSync(list[0]!)) as unknown as Pick<IpDatabase, 'get'>;
      database = { get: (address) => reader.get(address), loaded: Promise.resolve(), ready: true };
    } else {
      throw new Error('give one MMDB file, or CSV files only');
    }
  } catch (error) {
    throw failed(error);
  }
  databases.set(name, database);
  return database;
}

/** Fails with the file's name when a configured database cannot be read (config check and start-up). */
export function checkIpDatabase(files: string | string[]): void {
  openDatabase(files, true);
}

/**
 * Country and ASN from MMDB files (read into memory with mmdb-lib when first needed; lookups are a
 * tree walk) or ASN CSV files (a bisection), cached per address.
 */
export function mmdbIpInfo(files: { country?: string; asn?: string | string[] }): IpInfo {
  if (!files.country && !files.asn) return NO_IP_INFO;
  const cache = new BoundedCache<string, IpFacts>();
  const get = (file: string | string[] | undefined, address: string): MmdbRecord | null => {
    try {
      return file ? openDatabase(file).get(address) : null;
    } catch (error) {
      if (error instanceof IpDatabaseError) throw error;
      return null; // not an address the database can hold
    }
  };
  const opened = () => [files.country, files.asn].flatMap((file) => (file ? [openDatabase(file)] : []));
  return {
    lookup(address) {
      const known = cache.get(address);
      if (known) return known;
      // An IPv4-mapped IPv6 address (::ffff:192.0.2.1, as a dual-stack socket reports IPv4) is looked up as IPv4.
      const plain = ipaddr.isValid(address) ? ipaddr.process(address).toString() : address;
      const c = get(files.country, plain);
      const a = get(files.asn, plain);
      const number = a?.autonomous_system_number;
      const facts = { country: c?.country_code ?? c?.country?.iso_code, asn: number === undefined ? undefined : `AS${number}` };
      return opened().every((database) => database.ready) ? cache.remember(address, facts) : facts; // not kept while a database loads
    },
    async ready() {
      await Promise.all(opened().map((database) => database.loaded));
    },
  };
}
