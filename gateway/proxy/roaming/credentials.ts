import type { RoamingLogin, SecretRef } from '../../../resource-catalog/roaming';

export type SecretEnv = Readonly<Record<string, string | undefined>>;

/** Reads a secret named by a catalog entry; the composition root gives the environment and the file reader. */
export interface SecretSource {
  env: SecretEnv;
  readFile: (file: string) => string;
}

export interface Credential {
  username: string;
  password: string;
}

/** Why a credential could not be read (names the variable or file, never a value). */
export class CredentialUnavailable extends Error {
  readonly code = 'PASSWAY_CREDENTIAL_UNAVAILABLE';
}

function describe(ref: SecretRef): string {
  return 'env' in ref ? `${ref.env} (or ${ref.env}_FILE)` : ref.file;
}

function read(source: SecretSource, ref: SecretRef): string {
  let value: string | undefined;
  try {
    if ('file' in ref) value = source.readFile(ref.file);
    else {
      const file = source.env[`${ref.env}_FILE`];
      value = file ? source.readFile(file) : source.env[ref.env];
    }
  } catch (error) {
    throw new CredentialUnavailable(`cannot read ${describe(ref)}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const trimmed = value?.trim();
  if (!trimmed) throw new CredentialUnavailable(`${describe(ref)} is not set`);
  return trimmed;
}

/**
 * The account's username and password, read at each sign-in (a rotated secret file is picked up
 * without a restart). Errors name where the secret was looked for, never what it holds.
 */
export function readCredential(source: SecretSource, recipe: RoamingLogin, account: number): Credential {
  const entry = recipe.accounts[account] ?? recipe.accounts[0]!;
  return { username: read(source, entry.username), password: read(source, entry.password) };
}

/** Whether each account's secrets can be read now (config check, vendor check): the problems, without values. */
export function credentialProblems(source: SecretSource, recipe: RoamingLogin): string[] {
  return recipe.accounts.flatMap((_, index) => {
    try {
      readCredential(source, recipe, index);
      return [];
    } catch (error) {
      if (error instanceof CredentialUnavailable) return [`account ${index + 1}: ${error.message}`];
      throw error;
    }
  });
}
