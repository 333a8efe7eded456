// DEV STUB (14b, never committed): replaced by 14a's msal-browser sign-in.
let signedIn = sessionStorage.getItem('stub') !== 'out';
export async function initAuth(_config: unknown): Promise<void> {}
export function account(): { name: string; username: string } | null {
  return signedIn ? { name: 'Reader', username: 'reader@contoso.local' } : null;
}
export async function signIn(): Promise<void> {
  sessionStorage.removeItem('stub');
  signedIn = true;
  location.reload();
}
export async function signOut(): Promise<void> {
  sessionStorage.setItem('stub', 'out');
  location.reload();
}
export async function accessToken(): Promise<string> {
  return sessionStorage.getItem('stubToken') ?? 'dev-token';
}
