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

// Leaving a section with changes that are not saved yet asks first (the browser's own "Leave
// site?" question). Typing makes the form unsaved; an autosave that stored it (a 200: a refused or
// conflicting save answers 409, which htmx also counts as successful here) makes it saved again,
// unless more was typed while that save was on its way; submitting the form, with any of its
// buttons, saves or shows what was typed, so it asks nothing. Moving or adding a row (an htmx post
// from a button inside the form) saves nothing, so it counts as a change.
function guardUnsavedChanges (form) {
  let edits = 0
  let savedEdits = 0
  let editsSent = 0
  let submitting = false

  // A text box fires "change" when it loses the focus, after the "input" of each keystroke: that
  // would make a saved page unsaved again. "change" counts only where no "input" came first.
  let lastTyped = null
  const changed = () => { edits += 1 }
  form.addEventListener('input', (event) => {
    lastTyped = event.target
    changed()
  })
  form.addEventListener('change', (event) => {
    if (event.target !== lastTyped) {
      changed()
    }
    lastTyped = null
  })
  form.addEventListener('submit', () => { submitting = true })

  form.addEventListener('htmx:beforeRequest', (event) => {
    if (event.detail.elt === form) {
      editsSent = edits
    }
  })
  form.addEventListener('htmx:afterRequest', (event) => {
    const detail = event.detail
    if (!detail.successful || !detail.xhr || detail.xhr.status !== 200) {
      return
    }
    if (detail.elt === form) {
      savedEdits = Math.max(savedEdits, editsSent)
    } else {
      changed()
    }
  })

  window.addEventListener('beforeunload', (event) => {
    if (submitting || edits <= savedEdits) {
      return
    }
    event.preventDefault()
    event.returnValue = ''
  })
}

document.querySelectorAll('form.gt-section-form').forEach(guardUnsavedChanges)

// The GOV.UK timeout-warning pattern. The server ends a session left idle; this warns the person
// a little before, so they can stay signed in without losing what they have typed on the page.
// The dialog and its "Stay signed in" form are in the page (they work without JavaScript as a
// plain POST); here we only time them, and send the form in the background.
function startTimeoutWarning () {
  const dialog = document.getElementById('timeout-warning')
  if (!dialog || typeof dialog.showModal !== 'function') {
    return
  }
  const warningSeconds = Number(dialog.dataset.warningSeconds)
  const countdown = dialog.querySelector('.gt-timeout-dialog__countdown')
  const form = dialog.querySelector('form')
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft) * 1000
  let warnTimer = null
  let tickTimer = null

  function describe (seconds) {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60)
      return minutes === 1 ? '1 minute' : `${minutes} minutes`
    }
    return seconds === 1 ? '1 second' : `${seconds} seconds`
  }

  function schedule () {
    clearTimeout(warnTimer)
    warnTimer = setTimeout(checkThenWarn, Math.max(0, deadline - Date.now() - warningSeconds * 1000))
  }

  // Another tab may have kept the session alive: ask before warning. Asking is not activity.
  async function checkThenWarn () {
    try {
      const response = await fetch(dialog.dataset.statusUrl, {
        headers: { Accept: 'application/json', 'X-Golden-Thread-Background': '1' },
        credentials: 'same-origin'
      })
      if (response.ok) {
        const status = await response.json()
        deadline = Date.now() + status.seconds_left * 1000
      } else {
        deadline = Date.now()
      }
    } catch (error) {
      // Offline: keep our own count.
    }
    if (deadline - Date.now() > warningSeconds * 1000) {
      schedule()
      return
    }
    warn()
  }

  function tick () {
    const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000))
    countdown.textContent = describe(seconds)
    if (seconds <= 0) {
      window.location.assign(dialog.dataset.signedOutUrl)
    }
  }

  function warn () {
    if (!dialog.open) {
      dialog.showModal()
    }
    tick()
    clearInterval(tickTimer)
    tickTimer = setInterval(tick, 1000)
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const meta = document.querySelector('meta[name="csrf-token"]')
    const response = await fetch(form.action, {
      method: 'POST',
      headers: { Accept: 'application/json', 'X-CSRFToken': meta ? meta.content : '' },
      body: new FormData(form),
      credentials: 'same-origin'
    })
    if (!response.ok) {
      form.submit()
      return
    }
    const status = await response.json()
    deadline = Date.now() + status.seconds_left * 1000
    clearInterval(tickTimer)
    dialog.close()
    schedule()
  })

  // Escape would close the dialog without telling the server: treat it as "stay signed in".
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    form.requestSubmit()
  })

  // Anything htmx sends for the person (an autosave, a search) counts as activity on the server.
  document.body.addEventListener('htmx:afterRequest', (event) => {
    const headers = event.detail.requestConfig && event.detail.requestConfig.headers
    if (event.detail.successful && !(headers && headers['X-Golden-Thread-Background'])) {
      deadline = Date.now() + Number(dialog.dataset.idleSeconds) * 1000
      schedule()
    }
  })

  schedule()
}

startTimeoutWarning()
