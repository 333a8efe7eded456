/**
 * Runs in the dashboard page before its own scripts (dashboard.bench.ts adds it with
 * context.addInitScript): records the main thread's long tasks (the Long Tasks API), and
 * offers the bench's timed actions as `window.dashboardBench`. Plain JS: the page's code, not
 * Node's, so the root tsconfig (no DOM lib) does not check it.
 */
(() => {
  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  const busy = () => Boolean(document.querySelector('#view [aria-busy="true"]'));
  /** Resolves once `done()` holds, checked every frame (a blocked main thread delays the check, as it would a person). */
  const until = (done) =>
    new Promise((resolve, reject) => {
      const deadline = performance.now() + 60_000;
      const check = () => {
        if (done()) resolve();
        else if (performance.now() > deadline) reject(new Error(`timed out waiting in ${location.hash}`));
        else requestAnimationFrame(check);
      };
      check();
    });
  /** After the next frame has been rendered: what was drawn is on screen. */
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const longest = (entries, from) =>
    entries
      .filter((entry) => entry.start + entry.duration >= from)
      .reduce((max, e) => Math.max(max, e.duration), 0);

  async function timed(action, done) {
    const from = performance.now();
    action();
    await until(done);
    await painted();
    const ms = performance.now() - from;
    // Observer callbacks are queued tasks of their own: let them land before reading.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { ms, longestTaskMs: longest(longTasks, from) };
  }

  window.dashboardBench = {
    /** Opens a view by its hash and times it until drawn (data-ready, nothing busy, painted). */
    open: (hash) =>
      timed(
        () => {
          location.hash = hash;
        },
        () => document.getElementById('view')?.dataset.ready === hash && !busy(),
      ),
    /** Picks a status in the credentials table's filter. */
    filter: (status) =>
      timed(
        () => {
          const select = document.querySelector('select[name="status"]');
          select.value = status;
          select.dispatchEvent(new Event('change', { bubbles: true }));
        },
        () => !busy() && location.hash.includes(`status=${status}`),
      ),
    /** Sorts the table by a column (its header button). */
    sort: (column) =>
      timed(
        () => document.querySelector(`button[data-sort="${column}"]`).click(),
        () => !busy(),
      ),
    /** Turns to the next page of the table. */
    nextPage: () =>
      timed(
        () =>
          [...document.querySelectorAll('nav.pager button')]
            .find((b) => b.textContent === 'Next page')
            .click(),
        () => !busy(),
      ),
  };
})();
