import { inject } from '@angular/core';
import { CanActivateFn, Router, Routes } from '@angular/router';
import { AuthService } from './auth.service';
import { ChatService } from './chat.service';

/**
 * Resolves who is signed in once per page load (GET /api/me), then starts the WebSocket. Without a
 * network the last signed-in user of this browser opens the app on its cached conversations; the
 * socket finds out about a revoked session as soon as the server is reachable.
 */
async function whoAmI(auth: AuthService) {
  if (auth.user() !== undefined) return auth.user() ?? null;
  for (let i = 0; ; i++) {
    try {
      return await auth.refresh();
    } catch {
      const last = auth.lastUser();
      if (last) {
        auth.user.set(last);
        return last;
      }
      // Server unreachable: keep trying (the page stays on its loading state).
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** i)));
    }
  }
}

const signedIn: CanActivateFn = async () => {
  const auth = inject(AuthService);
  const router = inject(Router);
  const chat = inject(ChatService);
  const user = await whoAmI(auth);
  if (user) {
    chat.start(user);
    return true;
  }
  return router.parseUrl(auth.needsUsername() ? '/choose-username' : '/sign-in');
};

const signedOut: CanActivateFn = async () => {
  const auth = inject(AuthService);
  const user = await whoAmI(auth);
  return user ? inject(Router).parseUrl('/') : true;
};

export const routes: Routes = [
  {
    path: 'sign-in',
    canActivate: [signedOut],
    title: 'Sign in – chatd',
    loadComponent: () => import('./sign-in.page').then((m) => m.SignInPage),
  },
  {
    path: 'choose-username',
    canActivate: [signedOut],
    title: 'Choose a username – chatd',
    loadComponent: () => import('./choose-username.page').then((m) => m.ChooseUsernamePage),
  },
  { path: '', pathMatch: 'full', canActivate: [signedIn], title: 'Chats – chatd', loadComponent: () => import('./chat.page').then((m) => m.ChatPage) },
  {
    path: 'settings',
    canActivate: [signedIn],
    title: 'Settings – chatd',
    loadComponent: () => import('./settings.page').then((m) => m.SettingsPage),
  },
  { path: 'c/:id', canActivate: [signedIn], title: 'Chat – chatd', loadComponent: () => import('./chat.page').then((m) => m.ChatPage) },
  { path: '**', redirectTo: '' },
];
