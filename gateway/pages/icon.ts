/** Passway's icon: a white "P" on the accent blue, as SVG (every current browser takes an SVG favicon). */
export const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#0b5cad"/><path d="M20 50V14h14a11 11 0 0 1 0 22h-7v14z M27 20v10h7a5 5 0 0 0 0-10z" fill="#fff" fill-rule="evenodd"/></svg>';
