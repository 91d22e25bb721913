// Golden Thread's only script of its own. It is an ES module loaded after
// htmx (deferred scripts and modules run in document order), so `htmx` has
// already registered its listeners by the time this runs. Everything here is
// an event listener: no inline handlers, no eval, so the CSP can forbid both.
import { initAll } from './govuk-frontend.min.js'

// A component whose root already carries its `data-<module>-init` marker
// makes GOV.UK Frontend throw an InitError. That is expected whenever we
// re-scan a region that holds both new and untouched components, so only
// genuine failures are reported.
function reportInitError (error) {
  if (error instanceof Error && error.name === 'InitError') {
    return
  }
  console.error(error)
}

initAll({ onError: reportInitError })

// htmx does not send Flask-WTF's token by itself. The token is read at
// request time, not once at load, so a page whose <meta> was replaced still
// sends the current one.
document.body.addEventListener('htmx:configRequest', (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]')
  const token = meta && meta.getAttribute('content')
  if (token) {
    event.detail.headers['X-CSRFToken'] = token
  }
})

// Components inside a fragment that htmx swapped in need initialising.
// This waits for afterSettle rather than afterSwap: during the settle step
// htmx puts back the `class` of every swapped element that has an id,
// which would undo classes a component set on itself at init (tabs hide
// their panels that way). The event fires on each settled element: for an
// outerHTML swap that is the new element itself, which initAll's scope (a
// descendant search) would miss, so the search starts at its parent.
// An HX-Redirect response needs nothing here: htmx follows it itself.
document.body.addEventListener('htmx:afterSettle', (event) => {
  const settled = event.target
  if (!(settled instanceof Element) || !settled.isConnected) {
    return
  }
  initAll({ scope: settled.parentElement || settled, onError: reportInitError })
})
