export * from './schema';
export { claimsHost, claimsOverlap, findHostCollisions, describeCollision, type HostCollision, type ClaimOwner } from './host-claims';
export { renderWayfless, defaultTarget } from './wayfless-template';
export { readCatalogFile, validateCatalog, appendToCatalogFile, entryConflicts, catalogYaml, CatalogFile, type CatalogProblem, type CatalogReadResult, type AppendResult } from './catalog-file';
export { listPresets, loadPreset, loadPresetInput, presetEntry, Preset, PresetError, PRESETS_DIR, type PresetOverrides } from './presets';
export { importEzproxy, formatImportReport, EzproxyReadError, type EzproxyImport, type Unconverted, type ImportOptions } from './ezproxy-import';
export {
  checkResources,
  formatCheckReport,
  failed,
  defaultDeps,
  httpProbe,
  systemLookup,
  KNOWN_SSO_HOSTS,
  type Check,
  type CheckDeps,
  type CheckContext,
  type CheckStatus,
  type ResourceReport,
  type Address,
  type ProbeResponse,
} from './vendor-check';
export { addressRange, isPublicAddress, parseAddressRange, rangeMatcher, rangeProblems, type AddressRange } from './address-policy';
