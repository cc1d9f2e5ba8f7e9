import { searchMatches } from './discovery-choices';

/** Styles of the discovery page, served same-origin (the page shell's CSS is shared by every page). */
export const DISCOVERY_CSS = `
[hidden]{display:none!important}
.ds-search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}
.ds-search label{flex:1 1 100%;font-weight:600}
.ds-search input{flex:1 1 12rem;min-width:0;font:inherit;padding:.5rem;border:1px solid #8c959f;border-radius:4px}
ul.ds-list{list-style:none;padding:0;margin:0}
ul.ds-list>li{border-bottom:1px solid #d0d7de}
a.ds-choice{display:block;padding:.75rem .5rem;color:inherit;text-decoration:none;overflow-wrap:anywhere}
a.ds-choice:hover{background:var(--panel)}
a.ds-choice strong{color:var(--accent);text-decoration:underline}
a.ds-choice .how{display:block}
.ds-other{color:var(--muted)}
.ds-continue .button{overflow-wrap:anywhere;max-width:100%}
`;

/**
 * Instant filtering as the user types (progressive enhancement: the GET form filters server-side
 * without it). The match rule is the server's own `searchMatches`, not a copy.
 */
export const DISCOVERY_JS = `'use strict';
(() => {
  const searchMatches = ${searchMatches.toString()};
  const input = document.getElementById('ds-q');
  const none = document.getElementById('ds-none');
  if (!input) return;
  const items = Array.from(document.querySelectorAll('[data-search]'));
  const filter = () => {
    let shown = 0;
    for (const item of items) {
      const domains = (item.getAttribute('data-domains') || '').split(' ').filter(Boolean);
      const match = searchMatches(item.getAttribute('data-search') || '', domains, input.value);
      item.hidden = !match;
      if (match) shown += 1;
    }
    if (none) {
      none.hidden = shown > 0;
      none.textContent = (none.getAttribute('data-template') || '').replace('{q}', input.value.trim());
    }
  };
  input.addEventListener('input', filter);
})();
`;
