// Instant filtering as the reader types (progressive enhancement: the GET form filters server-side
// without it), with the server's own match rule.
import { searchMatches } from '../search-matches.js';

const input = document.getElementById('ds-q') as HTMLInputElement | null;
const none = document.getElementById('ds-none');
if (input) {
  const items = Array.from(document.querySelectorAll<HTMLElement>('[data-search]'));
  input.addEventListener('input', () => {
    let shown = 0;
    for (const item of items) {
      const domains = (item.getAttribute('data-domains') ?? '').split(' ').filter(Boolean);
      const match = searchMatches(item.getAttribute('data-search') ?? '', domains, input.value);
      item.hidden = !match;
      if (match) shown += 1;
    }
    if (none) {
      none.hidden = shown > 0;
      none.textContent = (none.getAttribute('data-template') ?? '').replace('{q}', input.value.trim());
    }
  });
}
