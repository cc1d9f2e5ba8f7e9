/**
 * The demo vendor's CDN: a second host (its own port) as real publisher platforms have one. It serves
 * what such a CDN serves, the way a CDN serves it: a stylesheet and a script the site loads with
 * `crossorigin="anonymous"` and Subresource Integrity, a web font, a public JSON API the site fetches
 * with `credentials: 'omit'` and a custom header (so a CORS preflight first), and a widget page the
 * site shows in an iframe. CORS is allowed to the site's own origin only, as a vendor's CDN allows it.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import { DEMO_FONT } from './font';
import { fallbackHandlers, sendPage } from './html';

const SERVICE = 'Demo Plain Vendor CDN';

export interface CdnAssets {
  css: string;
  js: string;
}

/** The CDN's stylesheet and script for a site on `site` and the CDN on `cdn` (both origins, as browsers see them). */
export function cdnAssets(cdn: string): CdnAssets {
  const css = `@font-face { font-family: "Passway Demo"; src: url("../fonts/demo.ttf") format("truetype"); font-display: swap; }
#site-header { font-family: "Passway Demo", system-ui, sans-serif; border-bottom: 3px solid rgb(11, 87, 208); }
`;
  // A vendor script of the usual kind: URLs from location.origin and new URL(), window.open, an iframe,
  // a credential-less JSON API on the CDN, a WebSocket for live search.
  const js = `(function () {
  var cdn = '${cdn}';
  var article = new URL('/article/7', location.origin);
  var link = document.getElementById('new-url-link');
  link.href = article.href;
  link.textContent = 'Article 7 (a URL built with new URL)';
  document.getElementById('origin-link').href = location.origin + '/article/8';
  document.getElementById('open-window').addEventListener('click', function () {
    window.open(new URL('/article/9', location.origin).href, 'demo-article');
  });
  var frame = document.createElement('iframe');
  frame.src = cdn + '/widget.html';
  frame.title = 'Citation widget';
  frame.width = '300';
  frame.height = '80';
  document.getElementById('widget').appendChild(frame);
  fetch(new URL('/api/public/status.json', cdn).href, { credentials: 'omit', headers: { 'X-Demo-Client': 'site' } })
    .then(function (r) { return r.json(); })
    .then(function (data) { document.getElementById('api-result').textContent = data.message; });
  var socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/live');
  socket.onopen = function () { socket.send('federated access'); };
  socket.onmessage = function (event) { document.getElementById('live-result').textContent = event.data; socket.close(); };
})();
`;
  return { css, js };
}

/** An SRI value (sha384, as publishers write it) of some text. */
export function integrity(text: string): string {
  return `sha384-${createHash('sha384').update(text).digest('base64')}`;
}

/** The CDN's routes; `site` is the origin allowed to read its files and API (its own site). */
export function cdnApp(cdn: string, site: string): express.Express {
  const { css, js } = cdnAssets(cdn);
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    if (req.headers.origin === site) res.set({ 'Access-Control-Allow-Origin': site, Vary: 'Origin' });
    next();
  });
  app.options('/api/public/status.json', (req, res) => {
    if (req.headers.origin !== site) {
      res.status(403).end();
      return;
    }
    res.set({ 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'X-Demo-Client', 'Access-Control-Max-Age': '600' }).status(204).end();
  });
  app.get('/api/public/status.json', (_req, res) => {
    res.json({ message: 'The public status API answered without credentials', served: cdn });
  });
  app.get('/css/site.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=60').send(css);
  });
  app.get('/js/site.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=60').send(js);
  });
  app.get('/fonts/demo.ttf', (_req, res) => {
    res.type('font/ttf').set('Cache-Control', 'public, max-age=60').send(DEMO_FONT);
  });
  app.get('/widget.html', (_req, res) => {
    sendPage(res, 200, { service: SERVICE, title: 'Citation widget', body: `<p id="widget-text">Cite this journal from <a href="${site}/" target="_top">${site}</a>.</p>` });
  });
  app.use(...fallbackHandlers(SERVICE));
  return app;
}
