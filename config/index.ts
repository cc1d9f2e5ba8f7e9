export { ConfigSchema, type Config, type ConfigInput, type Login, type Institution } from './schema';
export { loadConfigFile, validateConfig, formatProblems, formatPath, ENV_OVERRIDES, type ConfigProblem, type LoadResult, type ValidateOptions } from './loader';
export { PACKAGE_ROOT, DEMO_CONFIG } from './paths';
