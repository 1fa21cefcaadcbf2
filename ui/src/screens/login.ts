// Log in with a name and PIN (the API locks a user out after repeated wrong PINs).

import { Session, post, setToken } from '../api.js';
import { go, register, state } from '../app.js';
import { field, h, input } from '../dom.js';

register('login', {
  name: 'login',
  render(root) {
    const err = h('div.error', { role: 'alert', hidden: true });
    const form = h(
      'form#login-form.card.narrow',
      {
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const f = ev.target as HTMLFormElement;
          try {
            const r = await post<{ token: string; session: Session }>('/api/login', {
              user: field(f, 'user'),
              pin: field(f, 'pin'),
            });
            setToken(r.token);
            state.session = r.session;
            go(r.session.role === 'technician' ? '#/board/mine' : '#/board');
          } catch (e) {
            err.hidden = false;
            err.textContent = e instanceof Error ? e.message : String(e);
            (f.elements.namedItem('pin') as HTMLInputElement).select();
          }
        },
      },
      h('h1', {}, 'Log in'),
      input('Name', 'user', { autocomplete: 'username', required: true, autofocus: true }),
      input('PIN', 'pin', { type: 'password', inputmode: 'numeric', autocomplete: 'current-password', required: true }),
      err,
      h('button.primary', { type: 'submit' }, 'Log in'),
    );
    root.append(form);
    (form.querySelector('[name=user]') as HTMLInputElement).focus();
  },
});
