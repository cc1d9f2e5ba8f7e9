import { loginTarget } from '../../gateway/routes/login-url';

// Starting-point URLs as link resolvers and discovery layers build them (OpenURL 0.1 and Z39.88-2004 KEV,
// SFX and Alma `sfx.`/`rfr_id` keys, Primo deep links): the vendor URL's own query is appended unencoded.
const openUrl01 = 'https://www.jstor.org/openurl?issn=0002-9475&volume=12&spage=3&genre=article';
const openUrl10 =
  'https://www.jstor.org/openurl?url_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:journal&rft.genre=article&rft.atitle=Open%20access%20and%20the%20library&rft.jtitle=College%20%26%20Research%20Libraries&rft.issn=0010-0870&rft.volume=75&rft.issue=2&rft.spage=146&rft.date=2014&rfr_id=info:sid/primo.exlibrisgroup.com';
const sfx =
  'https://link.springer.com/openurl?genre=article&issn=1386-4564&volume=5&issue=2&spage=127&date=2002&sid=sfx:citation&sfx.response_type=simplexml&sfx.ignore_date_threshold=1&rft.atitle=Bibliometrics%2Bof%2Bthe%2Bweb';
const primo = 'https://search.ebscohost.com/login.aspx?direct=true&db=a9h&AN=12345678&site=ehost-live&scope=site';

describe('EZproxy /login?url= takes the whole rest of the query', () => {
  it.each([
    ['OpenURL 0.1 with several & parameters', openUrl01],
    ['Z39.88-2004 KEV with rft. keys and colons', openUrl10],
    ['SFX with sfx. parameters', sfx],
    ['a Primo / EBSCO deep link', primo],
    ['a URL that itself has url= and qurl= in its query', 'https://www.vendor.com/redirect?url=https://x.example/&qurl=y'],
    ['a fragment-free URL with an encoded & inside a value', 'https://www.vendor.com/s?q=R%26D&page=2'],
  ])('%s', (_name, url) => {
    expect(loginTarget(`/login?url=${url}`)).toBe(url);
  });

  it('ignores EZproxy parameters before url= (auth=, user=)', () => {
    expect(loginTarget(`/login?auth=shibboleth&url=${openUrl01}`)).toBe(openUrl01);
  });

  it('does not read a parameter whose name only ends in "url"', () => {
    expect(loginTarget('/login?myurl=https://a.example/&url=https://b.example/x?y=1&z=2')).toBe('https://b.example/x?y=1&z=2');
    expect(loginTarget('/login?myurl=https://a.example/')).toBeUndefined();
  });

  it('decodes a url= value that a resolver encoded as a whole, once', () => {
    expect(loginTarget(`/login?url=${encodeURIComponent(openUrl10)}`)).toBe(openUrl10);
  });

  it('is undefined without a query or a url/qurl parameter', () => {
    expect(loginTarget('/login')).toBeUndefined();
    expect(loginTarget('/login?')).toBeUndefined();
    expect(loginTarget('/login?foo=bar')).toBeUndefined();
    expect(loginTarget('/login?url=')).toBe('');
  });
});

describe('EZproxy /login?qurl= is the URL percent-encoded once', () => {
  it.each([
    ['OpenURL 0.1', openUrl01],
    ['Z39.88-2004 KEV', openUrl10],
    ['SFX', sfx],
  ])('%s', (_name, url) => {
    expect(loginTarget(`/login?qurl=${encodeURIComponent(url)}`)).toBe(url);
  });

  it('ends at the next & (other parameters after it are not part of the URL)', () => {
    expect(loginTarget(`/login?qurl=${encodeURIComponent(openUrl01)}&auth=x`)).toBe(openUrl01);
  });

  it('keeps a + as a + (the vendor reads its own query)', () => {
    expect(loginTarget(`/login?qurl=${encodeURIComponent('https://v.example/s?q=a')}+b`)).toBe('https://v.example/s?q=a+b');
  });

  it('is undefined for a broken encoding', () => {
    expect(loginTarget('/login?qurl=https%3A%2F%2Fv.example%2F%E0%A4%A')).toBeUndefined();
  });

  it('url= before qurl= wins, and the qurl= is part of its URL', () => {
    expect(loginTarget('/login?url=https://v.example/a?qurl=1')).toBe('https://v.example/a?qurl=1');
  });
});
