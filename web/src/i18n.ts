// Chinese first, English on request: every text is written as a pair where it is used,
// L('客户', 'Customers'), and the language is chosen once per browser.

export type Lang = 'zh' | 'en';

const KEY = 'crm.lang';
let lang: Lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

export const currentLang = () => lang;

export function setLang(l: Lang) {
  lang = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

export const L = (zh: string, en: string) => (lang === 'zh' ? zh : en);

// Enum values ("CUSTOMER_LEVEL_KEY") shown by a table of names: { KEY: ['重点', 'Key'] }.
export function enumLabel(
  value: string | undefined,
  prefix: string,
  names: Record<string, [string, string]>,
): string {
  if (!value) return '';
  const short = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  const n = names[short];
  return n ? L(n[0], n[1]) : short.toLowerCase().replace(/_/g, ' ');
}
