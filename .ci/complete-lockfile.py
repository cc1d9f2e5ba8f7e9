# The npm registry reachable here lacks the non-Linux builds of unrs-resolver (a jest dependency),
# so `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock as out
# of sync. This adds their entries (with os/cpu, so npm skips them on Linux x64 without a fetch).
# Run after any `npm install`: python3 .ci/complete-lockfile.py package-lock.json
import json, sys
p = sys.argv[1]
lock = json.load(open(p))
pk = lock['packages']
platform = {
 'android-arm-eabi': ('arm','android'), 'android-arm64': ('arm64','android'), 'darwin-arm64': ('arm64','darwin'),
 'darwin-x64': ('x64','darwin'), 'freebsd-x64': ('x64','freebsd'), 'linux-arm-gnueabihf': ('arm','linux'),
 'linux-arm-musleabihf': ('arm','linux'), 'linux-loong64-gnu': ('loong64','linux'), 'linux-loong64-musl': ('loong64','linux'),
 'linux-ppc64-gnu': ('ppc64','linux'), 'linux-riscv64-gnu': ('riscv64','linux'), 'linux-riscv64-musl': ('riscv64','linux'),
 'linux-s390x-gnu': ('s390x','linux'), 'openharmony-arm64': ('arm64','openharmony'), 'win32-arm64-msvc': ('arm64','win32'),
 'win32-ia32-msvc': ('ia32','win32'), 'win32-x64-msvc': ('x64','win32'),
}
version = pk['node_modules/unrs-resolver']['optionalDependencies']['@unrs/resolver-binding-linux-x64-gnu']
added = 0
for name, (cpu, os_) in platform.items():
    key = f'node_modules/@unrs/resolver-binding-{name}'
    if key in pk: continue
    pk[key] = {'version': version, 'cpu': [cpu], 'dev': True, 'license': 'MIT', 'optional': True, 'os': [os_]}
    added += 1
lock['packages'] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(p, 'w'), indent=2, ensure_ascii=False)
open(p, 'a').write('\n')
print('added', added)
