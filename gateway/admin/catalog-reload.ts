import type { Config } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import { loadCatalog, type CatalogLoad } from '../../resource-catalog/load';

export type ReloadCatalog = () => CatalogLoad;

/** Reload the catalog as SIGHUP does: the config's resources plus catalog.files; a bad result keeps the old one. */
export function catalogReloader(config: Config, baseDir: string | undefined, swap: (next: Catalog) => void): ReloadCatalog {
  return () => {
    const result = loadCatalog(config, baseDir ?? process.cwd());
    if (result.ok) swap(result.catalog);
    return result;
  };
}
