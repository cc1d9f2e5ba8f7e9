import { html, type Html } from './html';

/** A table with column headings (already translated) and rows the view draws (each a `<tr>`, with its data- attributes). */
export function table<Row>(headings: readonly string[], rows: readonly Row[], row: (r: Row) => Html): Html {
  return html`<table>
          ${headings.length ? html`<thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>` : ''}
          <tbody>${rows.map(row)}</tbody></table>`;
}
