import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Reader } from 'mmdb-lib';
import { BoundedCache } from '../bounded-cache';

/** Country (ISO 3166 alpha-2) and autonomous system of an address, from an offline database. */
export interface IpFacts {
  country?: string;
  asn?: string;
}

export interface IpInfo {
  lookup(address: string): IpFacts;
}

/** Without a database the countries and asns criteria count nothing. */
export const NO_IP_INFO: IpInfo = { lookup: () => ({}) };

/** The country database shipped as an npm package (CC BY 4.0 data by NRO, refreshed by upgrading the package). */
export const DEFAULT_COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';

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

class MmdbFileError extends Error {}

interface MmdbReader {
  get(address: string): MmdbRecord | null;
}

/** Readers by file, shared by every gateway in the process: a database is read once, when a rule first needs it. */
const readers = new Map<string, MmdbReader>();

function openMmdb(file: string): MmdbReader {
  let reader = readers.get(file);
  if (!reader) {
    try {
      reader = new Reader(readFileSync(file)) as unknown as MmdbReader;
    } catch (error) {
      throw new MmdbFileError(`security.ipDatabase: cannot read the MMDB file ${file}: ${(error as Error).message}`, { cause: error });
    }
    readers.set(file, reader);
  }
  return reader;
}

/** Fails with the file's name when a configured database cannot be read (config check and start-up). */
export function checkMmdb(file: string): void {
  openMmdb(file);
}

/**
 * Country and ASN from MMDB files (read into memory with mmdb-lib when first needed; lookups are a
 * tree walk, cached per address).
 */
export function mmdbIpInfo(files: { country?: string; asn?: string }): IpInfo {
  if (!files.country && !files.asn) return NO_IP_INFO;
  const cache = new BoundedCache<string, IpFacts>();
  const get = (file: string | undefined, address: string): MmdbRecord | null => {
    try {
      return file ? openMmdb(file).get(address) : null;
    } catch (error) {
      if (error instanceof MmdbFileError) throw error;
      return null; // not an address the database can hold
    }
  };
  return {
    lookup(address) {
      const known = cache.get(address);
      if (known) return known;
      const c = get(files.country, address);
      const a = get(files.asn, address);
      const number = a?.autonomous_system_number;
      return cache.remember(address, { country: c?.country_code ?? c?.country?.iso_code, asn: number === undefined ? undefined : `AS${number}` });
    },
  };
}
