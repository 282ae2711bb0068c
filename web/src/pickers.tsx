// Pickers several screens share: a customer chosen by searching its name as one types.
import { useState } from 'preact/hooks';
import { get } from './api';
import { L } from './i18n';
import { useDebounced, useLoad } from './ui';

// A customer's contacts for a select: each by name and position.
export const contactOptions = (contacts: any[]): [string, string][] =>
  contacts.map((c) => [c.id, c.position ? `${c.name}（${c.position}）` : c.name]);

export interface CustomerRef {
  id: string;
  name: string;
}

type PickerProps = { value?: CustomerRef; onChange: (c: CustomerRef | undefined) => void; name?: string };

// `loading`: while the customer to start from is read (the picker then starts with its name).
export function CustomerPicker(props: PickerProps & { loading?: boolean }) {
  return props.loading ? <input disabled value={L('加载中…', 'Loading…')} /> : <CustomerSearch {...props} />;
}

function CustomerSearch(props: PickerProps) {
  const [text, setText] = useState(props.value?.name ?? '');
  const [open, setOpen] = useState(false);
  const q = useDebounced(text.trim());
  const found = useLoad(
    async () => (open && q ? ((await get('/v1/customers:search', { query: q, pageSize: 10 })).customers ?? []) : []),
    [q, open],
  );
  return (
    <div class="picker">
      <input
        name={props.name ?? 'customer'}
        value={text}
        placeholder={L('输入客户名称搜索', 'Type a customer name')}
        autocomplete="off"
        onInput={(e) => {
          setText(e.currentTarget.value);
          setOpen(true);
          if (props.value) props.onChange(undefined);
        }}
      />
      {open && (found.data?.length ?? 0) > 0 && (
        <ul class="suggestions" role="listbox">
          {found.data!.map((c: any) => (
            <li
              role="option"
              onMouseDown={(e) => {
                e.preventDefault();
                setText(c.name);
                setOpen(false);
                props.onChange({ id: c.id, name: c.name });
              }}
            >
              {c.name}
              {c.number ? <small> · {c.number}</small> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
