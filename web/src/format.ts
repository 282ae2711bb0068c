// Values as the API sends them (protobuf's JSON mapping) shown for people, and back.
import { currentLang } from './i18n';

export interface Money {
  currencyCode?: string;
  units?: string;
  nanos?: number;
}
export interface DateJson {
  year?: number;
  month?: number;
  day?: number;
}

export const locale = () => (currentLang() === 'zh' ? 'zh-CN' : 'en-US');

export function money(m?: Money | null): string {
  if (!m) return '';
  const v = Number(m.units ?? 0) + (m.nanos ?? 0) / 1e9;
  return new Intl.NumberFormat(locale(), {
    style: 'currency',
    currency: m.currencyCode || 'CNY',
    maximumFractionDigits: 2,
  }).format(v);
}

export const moneyValue = (m?: Money | null) => (m ? Number(m.units ?? 0) + (m.nanos ?? 0) / 1e9 : 0);

// Money as the text a person types ("12345.67"), for a form.
export function moneyText(m?: Money | null): string {
  if (!m) return '';
  return moneyValue(m).toFixed(2).replace(/\.00$/, '');
}

// "12345.67" → Money in yuan; null when it is not a number with at most two decimals.
export function parseMoney(text: string, currencyCode = 'CNY'): Money | null {
  const t = text.trim().replace(/,/g, '');
  if (!/^-?\d+(\.\d{1,2})?$/.test(t)) return null;
  const neg = t.startsWith('-');
  const [u, f = ''] = t.replace('-', '').split('.');
  const nanos = Number(f.padEnd(9, '0'));
  return { currencyCode, units: (neg ? '-' : '') + u, nanos: neg ? -nanos : nanos };
}

export function dateTime(ts?: string): string {
  if (!ts) return '';
  return new Date(ts).toLocaleString(locale(), {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function date(d?: DateJson | string | null): string {
  if (!d) return '';
  if (typeof d === 'string') return new Date(d).toLocaleDateString(locale());
  if (!d.year) return '';
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

// "2026-12-06" (an <input type=date>'s value) → google.type.Date.
export function toDate(value: string): DateJson | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? { year: +m[1], month: +m[2], day: +m[3] } : undefined;
}

// Today in the company's time zone (the server's business days are Asia/Shanghai's), as
// "2026-12-06"; `days` later when given.
export const today = (days = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + days * 86_400_000));

// "2026-12-06T09:30" for an <input type=datetime-local>, in the browser's time zone.
export function localNow(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

// Today in the browser's time zone, as an <input type=date> value.
export const localToday = () => localNow().slice(0, 10);

// A file's size in bytes, for people.
export function fileSize(n?: string | number): string {
  const b = Number(n ?? 0);
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}
