/**
 * SAML response verification on worker threads answers exactly what it answers on the main thread:
 * the same verified assertion, and the same LoginError (reason, message) for a forged one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { LoginError } from '../../idp-adapters/types';
import { ValidationPool } from '../../idp-adapters/saml/validation-pool';
import type { VerifyJob } from '../../idp-adapters/saml/verify';
import { ATTRIBUTE, signedResponse } from '../helpers/saml-response';

const IDP = 'https://idp.demo.edu.cn/idp/shibboleth';
const SP = { entityID: 'https://gw.lib.example.edu/auth/saml/metadata', acsUrl: 'https://gw.lib.example.edu/auth/saml/acs', clockSkewMs: 180_000 };

let dir: string;
let idpKey: DemoKeyPair;
let stranger: DemoKeyPair;
const pools: ValidationPool[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'passway-validation-pool-'));
  idpKey = await loadOrCreateKeyPair(path.join(dir, 'idp'), 'IdP');
  stranger = await loadOrCreateKeyPair(path.join(dir, 'stranger'), 'Not the IdP');
});

afterAll(async () => {
  for (const pool of pools) pool.close();
  await rm(dir, { recursive: true, force: true });
});

function job(key: DemoKeyPair, nameID: string): VerifyJob {
  const xml = signedResponse({
    idpEntityID: IDP,
    key,
    spEntityID: SP.entityID,
    acsUrl: SP.acsUrl,
    nameID,
    attributes: { [ATTRIBUTE.pairwiseId]: ['ABC123@demo.edu.cn'], [ATTRIBUTE.eduPersonEntitlement]: ['urn:mace:dir:entitlement:common-lib-terms'] },
  });
  return {
    samlResponse: Buffer.from(xml).toString('base64'),
    idpCerts: [idpKey.certificatePem],
    wantAssertionsSigned: false,
    expect: { acsUrl: SP.acsUrl, spEntityID: SP.entityID, idpEntityID: IDP, requestId: undefined, nowMs: Date.now(), skewMs: SP.clockSkewMs },
  };
}

const pool = (size: number) => {
  const p = new ValidationPool(SP, size);
  pools.push(p);
  return p;
};

test('two workers and the main thread verify the same assertion alike', async () => {
  const workers = pool(2);
  expect(workers.size).toBe(2); // the compiled worker (npm run build) is there: not the in-thread fallback
  const inThread = pool(0);
  const jobs = Array.from({ length: 6 }, (_, i) => job(idpKey, `reader-${i}`));
  const [fromWorkers, fromMain] = await Promise.all([Promise.all(jobs.map((j) => workers.validate(j))), Promise.all(jobs.map((j) => inThread.validate(j)))]);
  expect(fromWorkers).toEqual(fromMain);
  expect(fromWorkers[3]?.contents.nameID?.value).toBe('reader-3');
  expect(fromWorkers[0]?.contents.attributes.find((a) => a.name === ATTRIBUTE.pairwiseId)?.values).toEqual(['ABC123@demo.edu.cn']);
});

test('a response signed by another key is the same LoginError from a worker', async () => {
  const forged = job(stranger, 'victim');
  const errors = await Promise.all([pool(1).validate(forged), pool(0).validate(forged)].map((p) => p.then(() => undefined, (error: unknown) => error)));
  for (const error of errors) expect(error).toBeInstanceOf(LoginError);
  const [fromWorker, fromMain] = errors as [LoginError, LoginError];
  expect(fromWorker.reason).toBe('signature-invalid');
  expect({ reason: fromWorker.reason, message: fromWorker.message }).toEqual({ reason: fromMain.reason, message: fromMain.message });
});
