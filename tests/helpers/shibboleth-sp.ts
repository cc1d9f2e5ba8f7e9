/**
 * A real Shibboleth SP 3 (Debian's libapache2-mod-shib: shibd + Apache with mod_shib) on loopback,
 * for interop tests and bench/acs. Generic: IdP metadata in, attributes out.
 *
 *   - everything lives in a temporary folder of its own (config, keys, sockets, logs): nothing under
 *     /etc/shibboleth or /etc/apache2 is used or changed, and several can run side by side;
 *   - no systemd: shibd runs in the foreground (-F) with its own config and pid file, Apache with
 *     -DFOREGROUND and its own ServerRoot and config; stop() sends both SIGTERM and waits;
 *   - the SP protects `/secure/`, a CGI script printing what mod_shib exported (REMOTE_USER and
 *     the attributes of attribute-map.xml, one `name=value` line each; parse with attributesOf());
 *   - its metadata is Shibboleth's own (Shibboleth.sso/Metadata), for the IdP to trust.
 *
 * Runs as root here (Apache's children as www-data, as Debian runs them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateKeyPair } from '../../demo/keys';
import { freePort } from './ports';

const SHIBD = '/usr/sbin/shibd';
const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
const SHIB_TEMPLATES = '/etc/shibboleth';
const APACHE_USER = 'www-data';

/** Attribute ids this SP maps (attribute-map.xml) and /secure/ prints, beside REMOTE_USER. */
export const SP_ATTRIBUTES = ['pairwise-id', 'subject-id', 'eppn', 'eduPersonEntitlement', 'eduPersonScopedAffiliation', 'persistent-id', 'displayName', 'mail'] as const;
export type SpAttribute = (typeof SP_ATTRIBUTES)[number] | 'REMOTE_USER' | 'Shib-Identity-Provider';

export interface ShibbolethSpOptions {
  /** The SP's entityID. */
  entityID: string;
  /** The IdP's metadata (an EntityDescriptor or EntitiesDescriptor file). */
  idpMetadataFile: string;
  /** The IdP SP-initiated logins go to; default: the first entityID in the metadata file. */
  idpEntityID?: string;
  /** Default: a free port. The SP is http://localhost:<port>. */
  port?: number;
  /** Sign AuthnRequests (default false; Shibboleth also signs when the IdP's metadata wants it). */
  signRequests?: boolean;
}

export interface ShibbolethSp {
  /** http://localhost:<port> */
  url: string;
  entityID: string;
  /** The SAML 2.0 HTTP-POST AssertionConsumerService. */
  acsUrl: string;
  /** The protected page: starts an SP-initiated login without a session, prints attributes with one. */
  secureUrl: string;
  metadataUrl: string;
  /** The SP's metadata, as Shibboleth generates it (fetched once at start). */
  metadataXml: string;
  /** The same metadata on disk. */
  metadataFile: string;
  dir: string;
  /** shibd's and Apache's processes now (Apache's parent, its children, shibd): for CPU accounting. */
  processIds(): number[];
  /** shibd's and Apache's output so far (for failure messages). */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** True when shibd, Apache and mod_shib are installed. */
export function shibbolethInstalled(): boolean {
  return existsSync(SHIBD) && existsSync(APACHE) && existsSync(path.join(MODULES, 'mod_shib.so'));
}

/** Install Debian's Shibboleth SP and Apache when missing (root, apt). Throws with apt's output on failure. */
export function installShibbolethSp(): void {
  if (shibbolethInstalled()) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'libapache2-mod-shib', 'apache2']]) {
    const run = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed:\n${run.stdout}${run.stderr}`);
  }
}

const xmlEscape = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The first entityID attribute of an EntityDescriptor in a metadata document. */
function firstEntityID(metadataXml: string): string {
  const id = /<(?:\w+:)?EntityDescriptor\b[^>]*\bentityID="([^"]+)"/.exec(metadataXml)?.[1];
  if (!id) throw new Error('IdP metadata has no EntityDescriptor entityID');
  return id.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function shibboleth2Xml(dir: string, o: ShibbolethSpOptions & { idpEntityID: string }): string {
  const f = (name: string) => xmlEscape(path.join(dir, name));
  return `<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config" xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
  <OutOfProcess logger="${f('shibd.logger')}"/>
  <InProcess logger="${f('native.logger')}"/>
  <UnixListener address="${f('shibd.sock')}"/>
  <ApplicationDefaults entityID="${xmlEscape(o.entityID)}" REMOTE_USER="eppn subject-id pairwise-id persistent-id"${o.signRequests ? ' signing="front"' : ''}>
    <Sessions lifetime="28800" timeout="3600" relayState="ss:mem" checkAddress="false" handlerSSL="false" cookieProps="http" redirectLimit="exact">
      <SSO entityID="${xmlEscape(o.idpEntityID)}">SAML2</SSO>
      <Logout>SAML2 Local</Logout>
      <Handler type="MetadataGenerator" Location="/Metadata" signing="false"/>
      <Handler type="Status" Location="/Status" acl="127.0.0.1 ::1"/>
      <Handler type="Session" Location="/Session" showAttributeValues="true"/>
    </Sessions>
    <Errors supportContact="root@localhost" styleSheet="/shibboleth-sp/main.css"
      session="${SHIB_TEMPLATES}/sessionError.html" metadata="${SHIB_TEMPLATES}/metadataError.html" access="${SHIB_TEMPLATES}/accessError.html"
      ssl="${SHIB_TEMPLATES}/sslError.html" localLogout="${SHIB_TEMPLATES}/localLogout.html" partialLogout="${SHIB_TEMPLATES}/partialLogout.html"
      globalLogout="${SHIB_TEMPLATES}/globalLogout.html"/>
    <MetadataProvider type="XML" validate="true" path="${xmlEscape(o.idpMetadataFile)}"/>
    <AttributeExtractor type="XML" validate="true" reloadChanges="false" path="${f('attribute-map.xml')}"/>
    <AttributeFilter type="XML" validate="true" path="${f('attribute-policy.xml')}"/>
    <CredentialResolver type="File" key="${f('sp-key.pem')}" certificate="${f('sp-cert.pem')}"/>
  </ApplicationDefaults>
  <SecurityPolicyProvider type="XML" validate="true" path="${SHIB_TEMPLATES}/security-policy.xml"/>
  <ProtocolProvider type="XML" validate="true" reloadChanges="false" path="${SHIB_TEMPLATES}/protocols.xml"/>
</SPConfig>
`;
}

/** Attribute names as CARSI / eduGAIN IdPs release them (SAML 2.0, NameFormat uri). */
const ATTRIBUTE_MAP = `<Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Attribute name="urn:oasis:names:tc:SAML:attribute:pairwise-id" id="pairwise-id"><AttributeDecoder xsi:type="ScopedAttributeDecoder" caseSensitive="false"/></Attribute>
  <Attribute name="urn:oasis:names:tc:SAML:attribute:subject-id" id="subject-id"><AttributeDecoder xsi:type="ScopedAttributeDecoder" caseSensitive="false"/></Attribute>
  <Attribute name="urn:oid:1.3.6.1.4.1.5923.1.1.1.6" id="eppn"><AttributeDecoder xsi:type="ScopedAttributeDecoder" caseSensitive="false"/></Attribute>
  <Attribute name="urn:oid:1.3.6.1.4.1.5923.1.1.1.7" id="eduPersonEntitlement"/>
  <Attribute name="urn:oid:1.3.6.1.4.1.5923.1.1.1.9" id="eduPersonScopedAffiliation"><AttributeDecoder xsi:type="ScopedAttributeDecoder" caseSensitive="false"/></Attribute>
  <Attribute name="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" id="persistent-id"><AttributeDecoder xsi:type="NameIDAttributeDecoder" formatter="$NameQualifier!$SPNameQualifier!$Name" defaultQualifiers="true"/></Attribute>
  <Attribute name="urn:oid:1.3.6.1.4.1.5923.1.1.1.10" id="persistent-id"><AttributeDecoder xsi:type="NameIDAttributeDecoder" formatter="$NameQualifier!$SPNameQualifier!$Name" defaultQualifiers="true"/></Attribute>
  <Attribute name="urn:oid:2.16.840.1.113730.3.1.241" id="displayName"/>
  <Attribute name="urn:oid:0.9.2342.19200300.100.1.3" id="mail"/>
</Attributes>
`;

/** As a federation SP filters: scoped values only in the IdP's shibmd:Scope, NameIDs qualified for this pair. */
const ATTRIBUTE_POLICY = `<AttributeFilterPolicyGroup xmlns="urn:mace:shibboleth:2.0:afp" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <PermitValueRule id="ScopingRules" xsi:type="AND">
    <Rule xsi:type="NOT"><Rule xsi:type="ValueRegex" regex="@"/></Rule>
    <Rule xsi:type="ScopeMatchesShibMDScope"/>
  </PermitValueRule>
  <AttributeFilterPolicy>
    <PolicyRequirementRule xsi:type="ANY"/>
    <AttributeRule attributeID="pairwise-id"><PermitValueRuleReference ref="ScopingRules"/></AttributeRule>
    <AttributeRule attributeID="subject-id"><PermitValueRuleReference ref="ScopingRules"/></AttributeRule>
    <AttributeRule attributeID="eppn"><PermitValueRuleReference ref="ScopingRules"/></AttributeRule>
    <AttributeRule attributeID="eduPersonScopedAffiliation"><PermitValueRuleReference ref="ScopingRules"/></AttributeRule>
    <AttributeRule attributeID="persistent-id"><PermitValueRule xsi:type="NameIDQualifierString"/></AttributeRule>
    <AttributeRule attributeID="*" permitAny="true"/>
  </AttributeFilterPolicy>
</AttributeFilterPolicyGroup>
`;

/** log4shib to stderr (shibd's is this process's to read; mod_shib's goes to Apache's error log). */
const CONSOLE_LOGGER = `log4j.rootCategory=WARN, console
log4j.category.Shibboleth-TRANSACTION=WARN
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{%Y-%m-%d %H:%M:%S} %p %c %x: %m%n
`;

/** CGI environment names: Apache turns every character outside [A-Za-z0-9_] into `_`. */
const cgiName = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const PRINTED: SpAttribute[] = ['REMOTE_USER', 'Shib-Identity-Provider', ...SP_ATTRIBUTES];

/** /secure/: `name=value` per exported variable that is set (mod_shib joins several values with `;`). */
function secureCgi(): string {
  const lines = PRINTED.map((name) => `[ -n "\${${cgiName(name)}+x}" ] && printf '%s=%s\\n' '${name}' "$${cgiName(name)}"`);
  return `#!/bin/sh\nprintf 'Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n'\n${lines.join('\n')}\nexit 0\n`;
}

/** What /secure/ printed, by attribute id; values split at unescaped `;` (mod_shib escapes a literal one as `\\;`). */
export function attributesOf(page: string): Partial<Record<SpAttribute, string[]>> {
  const out: Partial<Record<SpAttribute, string[]>> = {};
  for (const line of page.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq) as SpAttribute;
    if (!PRINTED.includes(name)) continue;
    out[name] = line.slice(eq + 1).split(/(?<!\\);/).map((v) => v.replace(/\\;/g, ';')).filter((v) => v !== '');
  }
  return out;
}

function apacheConf(dir: string, port: number, cgi: string): string {
  const a = (name: string) => path.join(dir, 'apache', name);
  const mod = (name: string, file: string) => `LoadModule ${name} ${MODULES}/${file}`;
  return `ServerRoot "${path.join(dir, 'apache')}"
Listen 127.0.0.1:${port}
ServerName http://localhost:${port}
UseCanonicalName On
PidFile "${a('httpd.pid')}"
DefaultRuntimeDir "${a('run')}"
Mutex file:${a('run')} default
ErrorLog "${a('error.log')}"
LogLevel warn
User ${APACHE_USER}
Group ${APACHE_USER}
${mod('mpm_event_module', 'mod_mpm_event.so')}
${mod('authn_core_module', 'mod_authn_core.so')}
${mod('authz_core_module', 'mod_authz_core.so')}
${mod('alias_module', 'mod_alias.so')}
${mod('cgid_module', 'mod_cgid.so')}
${mod('mod_shib', 'mod_shib.so')}
StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
KeepAlive On
KeepAliveTimeout 60
MaxKeepAliveRequests 0
ScriptSock "${a('run/cgisock')}"
ShibConfig "${path.join(dir, 'shibboleth2.xml')}"
ShibCompatValidUser Off
DocumentRoot "${path.join(dir, 'htdocs')}"
<Directory />
  Require all denied
</Directory>
<Location /Shibboleth.sso>
  AuthType None
  Require all granted
</Location>
ScriptAliasMatch ^/secure/ "${cgi}"
<Directory "${path.dirname(cgi)}">
  Require all granted
</Directory>
<Location /secure/>
  AuthType shibboleth
  ShibRequestSetting requireSession 1
  Require shib-session
</Location>
`;
}

/** Process ids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A child's output, kept for failure messages. */
function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return () => out;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>, exited: () => string | undefined): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const gone = exited();
    if (gone !== undefined) throw new Error(`${what} exited before it was ready:\n${gone}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready within 30 s`);
}

/** Start shibd and Apache with mod_shib, trusting the IdP in `idpMetadataFile`; resolves once its metadata answers. */
export async function startShibbolethSp(options: ShibbolethSpOptions): Promise<ShibbolethSp> {
  if (!shibbolethInstalled()) throw new Error('Shibboleth SP is not installed: apt-get install libapache2-mod-shib apache2 (or call installShibbolethSp())');
  const port = options.port ?? (await freePort());
  const idpEntityID = options.idpEntityID ?? firstEntityID(await readFile(options.idpMetadataFile, 'utf8'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'passway-shibsp-'));
  // Apache's children and its CGI daemon run as www-data: they read the config and run the script.
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'apache', 'run'), { recursive: true });
  await mkdir(path.join(dir, 'htdocs'));
  await mkdir(path.join(dir, 'cgi'));
  spawnSync('chown', [`${APACHE_USER}:${APACHE_USER}`, path.join(dir, 'apache', 'run')]);
  const keys = await loadOrCreateKeyPair(path.join(dir, 'keys'), options.entityID.replace(/^\w+:\/\//, '').slice(0, 60));
  await writeFile(path.join(dir, 'sp-key.pem'), keys.privateKeyPem, { mode: 0o600 });
  await writeFile(path.join(dir, 'sp-cert.pem'), keys.certificatePem);
  await writeFile(path.join(dir, 'shibboleth2.xml'), shibboleth2Xml(dir, { ...options, idpEntityID }));
  await writeFile(path.join(dir, 'attribute-map.xml'), ATTRIBUTE_MAP);
  await writeFile(path.join(dir, 'attribute-policy.xml'), ATTRIBUTE_POLICY);
  await writeFile(path.join(dir, 'shibd.logger'), CONSOLE_LOGGER);
  await writeFile(path.join(dir, 'native.logger'), CONSOLE_LOGGER);
  const cgi = path.join(dir, 'cgi', 'attributes.sh');
  await writeFile(cgi, secureCgi(), { mode: 0o755 });
  const conf = path.join(dir, 'apache', 'httpd.conf');
  await writeFile(conf, apacheConf(dir, port, cgi));

  const shibboleth2 = path.join(dir, 'shibboleth2.xml');
  const check = spawnSync(SHIBD, ['-t', '-c', shibboleth2], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`shibd -t rejects the generated config:\n${check.stdout}${check.stderr}`);

  const shibd = spawn(SHIBD, ['-F', '-f', '-c', shibboleth2, '-p', path.join(dir, 'shibd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const shibdOutput = collect(shibd);
  const exitedText = (child: ChildProcess, output: () => string) => () => (child.exitCode !== null || child.signalCode !== null ? output() : undefined);
  let apache: ChildProcess | undefined;
  const url = `http://localhost:${port}`;
  const metadataUrl = `${url}/Shibboleth.sso/Metadata`;
  const errorLog = () => readFile(path.join(dir, 'apache', 'error.log'), 'utf8').catch(() => '');
  const stop = async () => {
    await Promise.all([apache ? stopChild(apache) : undefined, stopChild(shibd)]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('shibd', async () => existsSync(path.join(dir, 'shibd.sock')), exitedText(shibd, shibdOutput));
    apache = spawn(APACHE, ['-DFOREGROUND', '-d', path.join(dir, 'apache'), '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    const apacheOutput = collect(apache);
    await waitFor('Apache with mod_shib', async () => (await fetch(metadataUrl)).status === 200, exitedText(apache, apacheOutput));
    const metadataXml = await (await fetch(metadataUrl)).text();
    const metadataFile = path.join(dir, 'sp-metadata.xml');
    await writeFile(metadataFile, metadataXml);
    return {
      url,
      entityID: options.entityID,
      acsUrl: `${url}/Shibboleth.sso/SAML2/POST`,
      secureUrl: `${url}/secure/`,
      metadataUrl,
      metadataXml,
      metadataFile,
      dir,
      processIds: () => [shibd.pid!, ...(apache?.pid ? [apache.pid, ...childrenOf(apache.pid)] : [])],
      logs: async () => `--- shibd\n${shibdOutput()}\n--- apache\n${apacheOutput()}${await errorLog()}`,
      stop,
    };
  } catch (error) {
    const log = await errorLog();
    await stop();
    throw new Error(`${(error as Error).message}\n--- shibd\n${shibdOutput()}\n--- apache error.log\n${log}`, { cause: error });
  }
}
