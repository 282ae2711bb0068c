// Customers' names by id, read once per session, for records that carry only the id.
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import { L } from './i18n';
import { Link } from './ui';

const customerNames = new Map<string, Promise<string>>();

export function customerName(id: string): Promise<string> {
  let name = customerNames.get(id);
  if (!name) {
    name = get(`/v1/customers/${id}`).then(
      (c) => (c.name as string) ?? '',
      () => {
        customerNames.delete(id); // outside the caller's scope, or not reachable for now
        return '';
      },
    );
    customerNames.set(id, name);
  }
  return name;
}

// The names of the customers `ids` (a customer the caller cannot read stays unnamed).
export function useCustomerNames(ids: (string | undefined)[]): Map<string, string> {
  const key = [...new Set(ids.filter(Boolean) as string[])].sort().join(',');
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!key) return;
    let live = true;
    const list = key.split(',');
    Promise.all(list.map(customerName)).then((found) => {
      if (live) setNames(new Map(list.map((id, i) => [id, found[i]])));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return names;
}

// A customer by name, linking to its page; its id shortened while the name is unknown.
export function CustomerLink({ id, names }: { id?: string; names: Map<string, string> }) {
  if (!id) return null;
  return <Link to={`/customers/${id}`}>{names.get(id) || id.slice(0, 8)}</Link>;
}

// A customer's name; one outside the caller's own scope (a ticket may still be in it) by the end
// of its id.
export function CustomerName({ id }: { id?: string }) {
  const [name, setName] = useState('');
  useEffect(() => {
    if (id) customerName(id).then(setName);
  }, [id]);
  return <>{name || (id ? `${L('客户', 'Customer')}…${id.slice(-4)}` : '')}</>;
}
