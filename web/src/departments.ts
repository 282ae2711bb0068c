// The department tree as far as the caller may read it, for filters, pickers and names.
import { getAll } from './api';
import { can } from './session';
import { useLoad } from './ui';

export interface Department {
  id: string;
  name: string;
  parentId?: string;
  managerId?: string;
  etag?: string;
}

export const allDepartments = () => getAll<Department>('/v1/departments', 'departments');

// The departments, none for a caller who may not read them.
export function useDepartments(): Department[] {
  const deps = useLoad(async () => (can('auth.departments.read') ? allDepartments() : []), []);
  return deps.data ?? [];
}

// Departments in tree order with their depth (one whose parent is unknown at the top).
export function treeOf(departments: Department[]): { d: Department; depth: number }[] {
  const known = new Set(departments.map((d) => d.id));
  const children = new Map<string, Department[]>();
  for (const d of departments) {
    const p = d.parentId && known.has(d.parentId) ? d.parentId : '';
    children.set(p, [...(children.get(p) ?? []), d]);
  }
  const out: { d: Department; depth: number }[] = [];
  const walk = (parent: string, depth: number) => {
    for (const d of children.get(parent) ?? []) {
      out.push({ d, depth });
      walk(d.id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

// Departments as select options in tree order, indented by depth (but those in `except`).
export const departmentOptions = (departments: Department[], except?: Set<string>): [string, string][] =>
  treeOf(departments)
    .filter(({ d }) => !except?.has(d.id))
    .map(({ d, depth }) => [d.id, `${'\u3000'.repeat(depth)}${d.name}`]);

// A department's name; the start of its id when it is not among `departments`.
export const departmentName = (departments: Department[], id?: string) =>
  id ? departments.find((d) => d.id === id)?.name ?? id.slice(0, 8) : '';
