# Stand-in for node:24-bookworm-slim where the public image cannot be pulled: the Debian stand-in,
# Node's official linux-x64 binary and npm (both from the npm registry), the `node` user (uid 1000)
# and the machine's CA bundle, so `npm ci` in a build container trusts what the machine trusts.
FROM passway-standin/debian:bookworm
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
