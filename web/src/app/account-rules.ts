// Account rules the sign-up form checks as the user types (docs/http-api.md); the server checks
// them again and has the last word (taken and reserved names come from GET /api/username).

/** What each GET /api/username reason means to a person (docs/http-api.md). */
export const USERNAME_REASONS: Record<string, string> = {
  too_short: 'Too short: use at least 3 characters.',
  too_long: 'Too long: use at most 32 characters.',
  invalid_characters: 'Use only letters, digits, dot, _ or -.',
  must_start_alnum: 'Start with a letter or a digit.',
  reserved: 'That name is reserved. Choose another one.',
  taken: 'That username is already taken.',
};

/** The username rules the client can check by itself (the server checks them again). */
export function localUsernameProblem(name: string): string | null {
  if (!name) return null;
  if ([...name].length < 3) return USERNAME_REASONS['too_short'];
  if ([...name].length > 32) return USERNAME_REASONS['too_long'];
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return USERNAME_REASONS['invalid_characters'];
  if (!/^[A-Za-z0-9]/.test(name)) return USERNAME_REASONS['must_start_alnum'];
  return null;
}

export function passwordProblem(password: string, username: string): string | null {
  if (!password) return null;
  if ([...password].length < 8) return 'Too short: use at least 8 characters.';
  if (username && password.toLowerCase() === username.toLowerCase()) return 'Must differ from the username.';
  return null;
}

