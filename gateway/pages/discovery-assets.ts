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
