// A React page over cdf-authflow/browser: the UI renders from one state, read with @xstate/react's
// useSelector from the login's actor-like store, and StrictMode's double effects are harmless
// (handleRedirect answers once per page load).
import { useSelector } from '@xstate/react';
import { createCodeBrowserLogin } from 'cdf-authflow/browser';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

export function mount(config, element) {
  const login = createCodeBrowserLogin({ ...config, redirectUri: `${location.origin}${location.pathname}` });
  createRoot(element).render(
    <StrictMode>
      <App login={login} baseUrl={config.baseUrl} />
    </StrictMode>,
  );
}

function App({ login, baseUrl }) {
  const state = useSelector(login.store, (snapshot) => snapshot.value);
  const [subject, setSubject] = useState(null);
  useEffect(() => {
    login.handleRedirect();
  }, [login]);
  useEffect(() => {
    if (state !== 'authenticated') return;
    login
      .getToken()
      .then((token) => fetch(`${baseUrl}/api/v1/token/inspect`, { headers: { authorization: `Bearer ${token}` } }))
      .then((answer) => answer.json())
      .then((inspection) => setSubject(inspection.subject));
  }, [state, login, baseUrl]);
  return (
    <main>
      <p>
        State: <strong id="state">{state}</strong>
      </p>
      {state === 'authenticated' ? (
        <>
          <p id="subject">Signed in as {subject ?? '…'}</p>
          <button type="button" onClick={() => login.logout()}>
            Sign out
          </button>
        </>
      ) : (
        <button type="button" id="signin" disabled={state === 'authenticating'} onClick={() => login.signIn()}>
          Sign in
        </button>
      )}
    </main>
  );
}
