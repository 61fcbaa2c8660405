import { Injectable, signal } from '@angular/core';
import { UserRef } from './protocol';

/** An OIDC provider as GET /api/providers lists it. */
export interface Provider {
  name: string;
  display_name: string;
  login_url: string;
}

/** One signed-in device as GET /api/sessions lists it. */
export interface SessionInfo {
  id: string;
  created_at_ms: number;
  last_seen_ms: number;
  expires_at_ms: number;
  user_agent: string;
  current: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const LAST_USER_KEY = 'chatd.lastUser';

const FRIENDLY: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  username_taken: 'That username is already taken.',
  weak_password: 'That password is too weak.',
  rate_limited: 'Too many attempts. Wait a moment and try again.',
};

/**
 * Accounts and the session over the HTTP API (docs/http-api.md). The session lives in an
 * HttpOnly cookie, so the client learns who it is only by asking GET /api/me.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  /** undefined = not known yet, null = signed out. */
  readonly user = signal<UserRef | null | undefined>(undefined);
  /** Set when the server says an OIDC sign-in still needs a username. */
  readonly needsUsername = signal(false);

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.');
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      /* not JSON: keep empty */
    }
    if (!res.ok) {
      const code = String(json['error'] ?? `http_${res.status}`);
      const msg = FRIENDLY[code] ?? String(json['message'] ?? `Request failed (${res.status}).`);
      throw new ApiError(res.status, code, msg);
    }
    return json;
  }

  /** Asks the server who is signed in (the cookie is HttpOnly). */
  async refresh(): Promise<UserRef | null> {
    try {
      const r = await this.call('GET', '/api/me');
      const u = (r['user'] as UserRef | undefined) ?? null;
      // An OIDC identity without a username yet (docs/http-api.md: needs_username).
      this.needsUsername.set(!!r['needs_username'] || (!!u && !u.username));
      this.user.set(u && u.username ? u : null);
      this.remember(this.user() ?? null);
      return this.user() ?? null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.remember(null);
        this.needsUsername.set(e.code === 'username_required' || e.code === 'needs_username' || e.code === 'choose_username');
        this.user.set(null);
        return null;
      }
      throw e;
    }
  }

  async login(username: string, password: string): Promise<UserRef> {
    const r = await this.call('POST', '/api/login', { username, password, want_token: false });
    const u = r['user'] as UserRef;
    this.user.set(u);
    this.remember(u);
    return u;
  }

  async register(username: string, password: string): Promise<UserRef> {
    const r = await this.call('POST', '/api/register', { username, password });
    const u = r['user'] as UserRef;
    this.user.set(u);
    this.remember(u);
    return u;
  }

  async logout(): Promise<void> {
    try {
      await this.call('POST', '/api/logout');
    } finally {
      this.user.set(null);
      this.remember(null);
    }
  }

  /** Who was signed in here last (for opening the app offline); null after a sign-out. */
  lastUser(): UserRef | null {
    try {
      const raw = localStorage.getItem(LAST_USER_KEY);
      const u = raw ? (JSON.parse(raw) as UserRef) : null;
      return u && typeof u.id === 'number' && u.username ? u : null;
    } catch {
      return null;
    }
  }

  private remember(u: UserRef | null): void {
    try {
      if (u) localStorage.setItem(LAST_USER_KEY, JSON.stringify({ id: u.id, username: u.username }));
      else localStorage.removeItem(LAST_USER_KEY);
    } catch {
      /* storage disabled: no offline start */
    }
  }

  async usernameAvailable(name: string): Promise<{ available: boolean; reason?: string; message?: string }> {
    const r = await this.call('GET', `/api/username?name=${encodeURIComponent(name)}`);
    return { available: !!r['available'], reason: r['reason'] as string | undefined, message: r['message'] as string | undefined };
  }

  /** This user's live sessions (GET /api/sessions). */
  async sessions(): Promise<SessionInfo[]> {
    const r = await this.call('GET', '/api/sessions');
    return ((r['sessions'] as SessionInfo[] | undefined) ?? []).map((x) => ({ ...x, current: !!x.current }));
  }

  /** Signs one of this user's sessions out (DELETE /api/sessions/<id>). */
  async revokeSession(id: string): Promise<void> {
    await this.call('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
  }

  /** OIDC first sign-in: claim a username for the pending identity. */
  async chooseUsername(username: string): Promise<UserRef> {
    const r = await this.call('POST', '/api/choose-username', { username });
    const u = r['user'] as UserRef;
    this.needsUsername.set(false);
    this.user.set(u);
    return u;
  }

  /** The OIDC sign-in waiting for a username (GET /api/choose-username), or null. */
  async pendingSignup(): Promise<{ provider: string; display_name: string; suggested_username: string } | null> {
    try {
      const r = await this.call('GET', '/api/choose-username');
      return {
        provider: String(r['provider'] ?? ''),
        display_name: String(r['display_name'] ?? r['provider'] ?? ''),
        suggested_username: String(r['suggested_username'] ?? ''),
      };
    } catch {
      return null;
    }
  }

  async providers(): Promise<Provider[]> {
    try {
      const r = await this.call('GET', '/api/providers');
      const list = (r['providers'] as Record<string, string>[] | undefined) ?? [];
      return list.map((p) => ({
        name: p['name'] ?? p['id'] ?? '',
        display_name: p['display_name'] ?? p['name'] ?? 'provider',
        login_url: p['start_url'] ?? p['login_url'] ?? `/auth/oidc/${encodeURIComponent(p['name'] ?? '')}/start`,
      }));
    } catch {
      return []; // no providers configured (or endpoint absent): password sign-in only
    }
  }
}
