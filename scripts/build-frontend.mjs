// Builds app/static/dist/ from our sources and the pinned npm packages.
// Run with `npm run build` (or `make frontend`); any failure exits non-zero
// so make and CI stop instead of serving a half-built front end.
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'app/static/dist')
const started = performance.now()

// GOV.UK Frontend 5 is written with @import, and so is our entry point: its
// settings have to reach Frontend as globals, which @use cannot do on the 5.x
// line. Frontend's own deprecation warnings are hidden by quietDeps; the one
// left is about our own @import line, which we keep on purpose.
const silenceDeprecations = ['import']

const copies = [
  ['node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js', 'govuk-frontend.min.js'],
  ['node_modules/htmx.org/dist/htmx.min.js', 'htmx.min.js'],
  ['app/static/src/js/app.js', 'app.js'],
  ['app/static/src/images/favicon.svg', 'favicon.svg']
]

async function build () {
  // Compile and check every input before touching dist/, so a broken build
  // fails loudly without first deleting what was there.
  const { css } = sass.compile(path.join(root, 'app/static/src/scss/main.scss'), {
    loadPaths: [path.join(root, 'node_modules')],
    style: 'compressed',
    quietDeps: true,
    silenceDeprecations
  })
  // Branding guard: GDS Transport is licensed for GOV.UK only.
  if (/@font-face|GDS Transport/i.test(css)) {
    throw new Error('main.css declares a web font: GDS Transport must never be loaded')
  }
  for (const [source] of copies) {
    await stat(path.join(root, source))
  }

  await mkdir(dist, { recursive: true })
  // Files from an earlier build (a renamed or removed asset) must not linger
  // and be served; the whole folder is ours to rebuild.
  for (const entry of await readdir(dist)) {
    await rm(path.join(dist, entry), { recursive: true, force: true })
  }
  await writeFile(path.join(dist, 'main.css'), css)
  for (const [source, target] of copies) {
    await copyFile(path.join(root, source), path.join(dist, target))
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const kilobytes = Math.round(Buffer.byteLength(css) / 1024)
  console.log(`frontend: built ${copies.length + 1} files in app/static/dist (main.css ${kilobytes} kB) in ${seconds}s`)
}

build().catch((error) => {
  console.error(`frontend build failed: ${error.message ?? error}`)
  process.exitCode = 1
})
