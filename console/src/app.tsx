import { useEffect, useState } from 'preact/hooks'
import { ApiError, onUnauthorized, signIn, signOut, storedToken, type Session } from './api.ts'
import { Link, usePath } from './router.ts'
import { ObjectivesPage } from './pages/objectives.tsx'
import { ObjectivePage } from './pages/objective.tsx'
import { LaunchPage } from './pages/launch.tsx'
import { AgentsPage } from './pages/agents.tsx'
import { AgentPage } from './pages/agent.tsx'
import { GoalsPage, GoalPage } from './pages/goals.tsx'
import { SchedulesPage } from './pages/schedules.tsx'
import { MemoryPage } from './pages/memory.tsx'

export function App() {
  const [session, setSession] = useState<Session | undefined>()
  const [restoring, setRestoring] = useState(Boolean(storedToken()))
  const [notice, setNotice] = useState('')

  useEffect(() => {
    const token = storedToken()
    if (token) {
      signIn(token)
        .then(setSession)
        .catch((err: ApiError) => {
          signOut()
          setNotice(err.message)
        })
        .finally(() => setRestoring(false))
    }
    return onUnauthorized(() => {
      signOut()
      setSession(undefined)
      setNotice('Your API key stopped working (rotated or deleted). Sign in again.')
    })
  }, [])

  if (restoring) return <p class="loading">Signing in…</p>
  if (!session) return <SignIn notice={notice} onSignedIn={setSession} />
  return (
    <Shell
      session={session}
      onSignOut={() => {
        signOut()
        setNotice('')
        setSession(undefined)
      }}
    />
  )
}

function SignIn(props: { notice: string; onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState(props.notice)
  const [busy, setBusy] = useState(false)
  return (
    <main class="signin">
      <h1>Sortie console</h1>
      <p class="muted">
        Paste an API key. The key printed by <code>sortie serve</code> at first start works; it
        stays in this browser tab only.
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault()
          setBusy(true)
          setError('')
          try {
            props.onSignedIn(await signIn(key))
          } catch (err) {
            setError(err instanceof ApiError ? err.message : String(err))
          } finally {
            setBusy(false)
          }
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          placeholder="sk_…"
          autoFocus
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  )
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const path = usePath()
  const section = path.split('/')[1] || 'objectives'
  const nav = [
    ['objectives', 'Objectives', '/'],
    ['agents', 'Agents', '/agents'],
    ['schedules', 'Schedules', '/schedules'],
    ['memory', 'Memory', '/memory'],
    ['goals', 'Goals', '/goals'],
  ]
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          Sortie
        </Link>
        <nav aria-label="Main">
          {nav.map(([key, label, href]) => (
            <Link key={key} href={href} aria-current={section === key ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span class="workspace" title={session.workspaceId}>
          {session.workspaceName || session.workspaceId}
        </span>
        <button class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main class="page">
        <Route path={path} />
      </main>
    </>
  )
}

function Route({ path }: { path: string }) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  if (parts.length === 0 || (parts[0] === 'objectives' && parts.length === 1)) {
    return <ObjectivesPage />
  }
  if (parts[0] === 'objectives' && parts.length === 2)
    return <ObjectivePage key={parts[1]} id={parts[1]} />
  if (parts[0] === 'launch') return <LaunchPage key={parts[1] ?? ''} agentId={parts[1]} />
  if (parts[0] === 'agents' && parts.length === 1) return <AgentsPage />
  if (parts[0] === 'agents' && parts.length === 2) return <AgentPage key={parts[1]} id={parts[1]} />
  if (parts[0] === 'schedules') return <SchedulesPage />
  if (parts[0] === 'memory') return <MemoryPage />
  if (parts[0] === 'goals' && parts.length === 1) return <GoalsPage />
  if (parts[0] === 'goals' && parts.length === 2) return <GoalPage key={parts[1]} id={parts[1]} />
  return (
    <p>
      Nothing here. <Link href="/">Back to objectives</Link>
    </p>
  )
}
