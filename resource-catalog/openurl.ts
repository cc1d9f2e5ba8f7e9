const DOI = /\b(10\.\d{4,9}\/[^\s?#&]+)/;

/**
 * An OpenURL 1.0 (KEV) query describing the article a user was trying to reach, for document
 * delivery and interlibrary loan (BALIS, CALIS, CASHL take these). From a vendor URL we can
 * honestly know its address and, often, its DOI.
 */
export function openUrlQuery(target: string, resourceTitle: string): string {
  const params = new URLSearchParams({ url_ver: 'Z39.88-2004', ctx_ver: 'Z39.88-2004', rft_val_fmt: 'info:ofi/fmt:kev:mtx:journal', 'rft.genre': 'article', 'rfr_id': 'info:sid/passway' });
  const doi = DOI.exec(decodeURIComponent(target))?.[1];
  if (doi) params.append('rft_id', `info:doi/${doi}`);
  params.append('rft_id', target);
  params.set('rft.jtitle', resourceTitle);
  return params.toString();
}
