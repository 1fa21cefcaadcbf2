// Log in: pick one's name from the staff list (or type it) and give the PIN
// (the API locks a user out after repeated wrong PINs).

import { Session, get, post, setToken } from '../api.js';
import { go, register, state } from '../app.js';
import { field, h, input } from '../dom.js';
import { roleLabel } from '../format.js';

interface StaffName {
  name: string;
  role: string;
}

register('login', {
  name: 'login',
  async render(root) {
    const screen = await get<{ shop: string; staff: StaffName[] }>('/api/login/staff').catch(() => ({ shop: '', staff: [] as StaffName[] }));
    const staff = screen.staff;
    // The shop's name before anyone is logged in, too.
    const brand = document.querySelector('.brand');
    if (brand && screen.shop) brand.textContent = screen.shop;
    const err = h('div.error', { role: 'alert', hidden: true });
    const pick = (name: string) => {
      const f = root.querySelector<HTMLFormElement>('#login-form')!;
      (f.elements.namedItem('user') as HTMLInputElement).value = name;
      for (const b of f.querySelectorAll('.staff button')) b.classList.toggle('active', b.textContent?.startsWith(name) ?? false);
      (f.elements.namedItem('pin') as HTMLInputElement).focus();
    };
    const form = h(
      'form#login-form.card.narrow',
      {
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const f = ev.target as HTMLFormElement;
          try {
            const r = await post<{ token: string }>('/api/login', {
              user: field(f, 'user'),
              pin: field(f, 'pin'),
            });
            setToken(r.token);
            state.session = await get<Session>('/api/me');
            go(state.session.role === 'technician' ? '#/board/mine' : '#/board');
          } catch (e) {
            err.hidden = false;
            err.textContent = e instanceof Error ? e.message : String(e);
            (f.elements.namedItem('pin') as HTMLInputElement).select();
          }
        },
      },
      h('h1', {}, 'Log in'),
      staff.length
        ? h(
            'div.staff#staff',
            { role: 'group', 'aria-label': 'Who are you?' },
            staff.map((u) => h('button', { type: 'button', onclick: () => pick(u.name) }, u.name, h('small', {}, roleLabel(u.role)))),
          )
        : null,
      input('Name', 'user', { autocomplete: 'username', required: true, list: 'staff-names' }),
      h('datalist#staff-names', {}, staff.map((u) => h('option', { value: u.name }))),
      input('PIN', 'pin', { type: 'password', inputmode: 'numeric', autocomplete: 'current-password', required: true }),
      err,
      h('button.primary', { type: 'submit' }, 'Log in'),
    );
    root.append(form);
    (form.querySelector('[name=user]') as HTMLInputElement).focus();
  },
});
