/**
 * Item and title identifiers an item URL pattern (resources[].patterns.item) captures with named
 * groups, for COUNTER Item and Title Reports:
 *
 *   (?<doi>…)          the item's DOI (URL-decoded, e.g. 10.1000/xyz123)
 *   (?<item>…)         the vendor's own id of the item (an article, a chapter)
 *   (?<online_issn>…)  (?<print_issn>…)  the journal the item belongs to (with or without the hyphen)
 *   (?<isbn>…)         the book it belongs to (ISBN-13)
 *   (?<journal>…)      (?<book>…)  the vendor's own id of that journal or book
 *
 * A pattern that captures a title also captures the item (doi or item): an item is what COUNTER
 * counts as unique, and a title alone does not say which item of it was read.
 */

export const ITEM_GROUPS = ['doi', 'item'] as const;
export const TITLE_GROUPS = ['online_issn', 'print_issn', 'isbn', 'journal', 'book'] as const;
const GROUPS: readonly string[] = [...ITEM_GROUPS, ...TITLE_GROUPS];

export interface TitleRef {
  type: 'journal' | 'book';
  onlineIssn?: string;
  printIssn?: string;
  /** ISBN-13, hyphenated when the URL has it so (the only form COUNTER's Item_ID takes). */
  isbn?: string;
  /** The vendor's id of the journal or book. */
  id?: string;
}

/** What one item URL identifies. */
export interface ItemRef {
  doi?: string;
  /** The vendor's id of the item. */
  id?: string;
  title?: TitleRef;
}

/** Named groups of a pattern's source (none for a pattern that only recognises items). */
export function namedGroups(source: string): string[] {
  return [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
}

/** What is wrong with the named groups of an item pattern, or undefined. */
export function itemGroupsProblem(source: string): string | undefined {
  const groups = namedGroups(source);
  const unknown = groups.filter((g) => !GROUPS.includes(g));
  if (unknown.length) return `unknown capture group ${unknown.map((g) => `(?<${g}>…)`).join(', ')}: name groups ${GROUPS.join(', ')}`;
  const titles = groups.filter((g) => (TITLE_GROUPS as readonly string[]).includes(g));
  if (titles.length && !groups.some((g) => (ITEM_GROUPS as readonly string[]).includes(g))) {
    return `captures a title (${titles.join(', ')}) but not the item: add (?<item>…) or (?<doi>…)`;
  }
  const journal = titles.some((g) => g === 'online_issn' || g === 'print_issn' || g === 'journal');
  const book = titles.some((g) => g === 'isbn' || g === 'book');
  if (journal && book) return 'captures both a journal (online_issn, print_issn, journal) and a book (isbn, book): one pattern is one kind of title';
  return undefined;
}

const DOI = /^10\.[1-9][0-9]{2}[0-9.]*\/.+$/;
const ISBN13 = /^97[89]-[0-9]+-[0-9]+-[0-9]+-[0-9]$/;
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
const issn = (s: string | undefined) => {
  const digits = s?.replace(/-/g, '').toUpperCase();
  return digits && /^[0-9]{7}[0-9X]$/.test(digits) ? `${digits.slice(0, 4)}-${digits.slice(4)}` : undefined;
};
/** Ids are kept short: a vendor's id longer than this is not an id. */
const MAX_ID = 200;
const text = (s: string | undefined) => {
  const t = s === undefined ? '' : decode(s).trim();
  return t && t.length <= MAX_ID ? t : undefined;
};

/** The identifiers a matched item pattern captured; undefined when it captured none usable. */
export function itemRef(groups: Record<string, string | undefined> | undefined): ItemRef | undefined {
  if (!groups) return undefined;
  const doi = text(groups.doi);
  const ref: ItemRef = {};
  if (doi && DOI.test(doi)) ref.doi = doi;
  const id = text(groups.item);
  if (id) ref.id = id;
  if (!ref.doi && !ref.id) return undefined;
  const onlineIssn = issn(groups.online_issn);
  const printIssn = issn(groups.print_issn);
  const journal = text(groups.journal);
  const isbnText = text(groups.isbn);
  const book = text(groups.book);
  if (onlineIssn || printIssn || journal) {
    ref.title = { type: 'journal', ...(onlineIssn ? { onlineIssn } : {}), ...(printIssn ? { printIssn } : {}), ...(journal ? { id: journal } : {}) };
  } else if (isbnText || book) {
    // An unhyphenated ISBN cannot be hyphenated without the ISBN range tables: it is then the book's id.
    const isbn = isbnText && ISBN13.test(isbnText) && isbnText.length === 17 ? isbnText : undefined;
    const bookId = book ?? (isbn ? undefined : isbnText);
    ref.title = { type: 'book', ...(isbn ? { isbn } : {}), ...(bookId ? { id: bookId } : {}) };
  }
  return ref;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' && v.length <= MAX_ID ? v : undefined);

/** An ItemRef as read back (a log line): only its known fields, always in the same order (it is part of store keys). */
export function canonicalItemRef(value: unknown): ItemRef | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const ref: ItemRef = {};
  const doi = str(v.doi);
  const id = str(v.id);
  if (doi) ref.doi = doi;
  if (id) ref.id = id;
  if (!doi && !id) return undefined;
  const t = v.title as Record<string, unknown> | undefined;
  if (t && typeof t === 'object' && (t.type === 'journal' || t.type === 'book')) {
    const title: TitleRef = { type: t.type };
    for (const field of ['onlineIssn', 'printIssn', 'isbn', 'id'] as const) {
      const f = str(t[field]);
      if (f) title[field] = f;
    }
    if (Object.keys(title).length > 1) ref.title = title;
  }
  return ref;
}
