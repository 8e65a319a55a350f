// The order page's dataset uploads: every chosen file goes through tus (/api/uploads) with
// tus-js-client, one at a time, with a progress bar, bytes, speed, time left, pause and resume;
// a dropped connection resumes from the server's offset (HEAD), not from the start. A finished
// upload is ingested into the dataset by the same code the API uses, then the page reloads to
// show the series. Without JavaScript the form posts the files in one request as before.
(() => {
  'use strict';
  const texts = document.getElementById('upload-texts')?.dataset ?? {};
  const forms = document.querySelectorAll('form.dataset-upload-form');
  if (forms.length === 0 || typeof tus === 'undefined' || !tus.isSupported) { return; }

  const mib = (bytes) => (bytes / 1048576).toFixed(1);
  const format = (template, ...values) => values.reduce((text, value, i) => text.replace('{' + i + '}', String(value)), template ?? '');

  function duration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) { return '—'; }
    const s = Math.round(seconds);
    return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
  }

  // DICOM has 'DICM' at 128, a zip starts with 'PK\3\4'; anything else in a chosen folder
  // (DICOMDIR, viewers, READMEs) is not patient imaging and is not sent.
  async function sniff(file) {
    const head = new Uint8Array(await file.slice(0, 132).arrayBuffer());
    if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) { return 'zip'; }
    if (head.length === 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d) { return 'dicom'; }
    return null;
  }

  // What the user reads for a refused request: the localized reason, then the server's detail.
  function problemText(status, body) {
    let detail = '';
    try { detail = JSON.parse(body || '{}').detail ?? ''; } catch { detail = ''; }
    const reason = status === 413 ? texts.tooLarge : status === 507 ? texts.full : status === 422 ? texts.unreadable
      : status === 415 ? texts.unsupported : `${texts.failed} (${status || '—'})`;
    return detail ? `${reason}: ${detail}` : reason;
  }

  function row(list, file) {
    const item = document.createElement('div');
    item.className = 'upload-item border rounded p-1 mb-1';
    item.dataset.state = 'waiting';
    const head = document.createElement('div');
    head.className = 'd-flex justify-content-between gap-2';
    const name = document.createElement('span');
    name.className = 'upload-name text-truncate';
    name.textContent = file.webkitRelativePath || file.name;
    const status = document.createElement('span');
    status.className = 'upload-status';
    status.textContent = texts.waiting ?? '';
    head.append(name, status);
    const bar = document.createElement('progress');
    bar.className = 'upload-progress w-100';
    bar.max = 100;
    bar.value = 0;
    const foot = document.createElement('div');
    foot.className = 'd-flex justify-content-between align-items-center gap-2';
    const stats = document.createElement('span');
    stats.className = 'upload-stats text-body-secondary';
    stats.textContent = `0.0 / ${mib(file.size)} MiB`;
    const buttons = document.createElement('span');
    const pause = document.createElement('button');
    pause.type = 'button';
    pause.className = 'btn btn-sm btn-outline-secondary py-0 upload-pause';
    pause.textContent = texts.pause ?? 'Pause';
    pause.disabled = true;
    const resume = document.createElement('button');
    resume.type = 'button';
    resume.className = 'btn btn-sm btn-outline-primary py-0 ms-1 upload-resume';
    resume.textContent = texts.resume ?? 'Resume';
    resume.hidden = true;
    buttons.append(pause, resume);
    foot.append(stats, buttons);
    item.append(head, bar, foot);
    list.append(item);
    return { item, status, bar, stats, pause, resume };
  }

  function setState(view, state, text) {
    view.item.dataset.state = state;
    view.status.textContent = text ?? '';
  }

  // One file through tus and then into the dataset; resolves to true when it was stored.
  function send(form, file, view) {
    return new Promise((resolve) => {
      const token = form.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
      // Speed over the last few seconds, so a pause or a reconnect does not distort it for long.
      let samples = [];
      let paused = false;
      let waitingForNetwork = null;
      const upload = new tus.Upload(file, {
        endpoint: '/api/uploads',
        chunkSize: Number(form.dataset.chunk) || 64 * 1048576,
        retryDelays: [0, 1000, 3000, 5000, 10000],
        removeFingerprintOnSuccess: true,
        headers: { 'X-CSRF-TOKEN': token },
        metadata: file.type ? { filename: file.name, filetype: file.type } : { filename: file.name },
        // A lost connection (status 0), a conflict or a server error is retried, even while the
        // browser says it is offline; a refusal (413, 507, 4xx) is final.
        onShouldRetry: (error) => {
          const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
          return status === 0 || status === 409 || status === 423 || (status >= 500 && status !== 507);
        },
        onProgress: (sent, total) => {
          const now = performance.now();
          samples.push([now, sent]);
          samples = samples.filter(([t]) => now - t <= 5000);
          const [t0, b0] = samples[0];
          const speed = now > t0 ? (sent - b0) / ((now - t0) / 1000) : 0;
          const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
          view.bar.value = percent;
          view.bar.setAttribute('aria-valuenow', String(percent));
          view.stats.textContent = `${mib(sent)} / ${mib(total)} MiB · ${mib(speed)} MiB/s · ${duration(speed > 0 ? (total - sent) / speed : NaN)} ${texts.left ?? ''}`;
          if (!paused) { setState(view, 'uploading', `${percent}%`); }
        },
        onError: (error) => {
          const response = error.originalResponse;
          const status = response ? response.getStatus() : 0;
          if (status === 0 && !paused) {
            // Still no connection after the retries: wait for it, then resume from the server's offset.
            setState(view, 'offline', texts.offline);
            const again = () => {
              window.removeEventListener('online', again);
              clearInterval(waitingForNetwork);
              waitingForNetwork = null;
              if (!paused) { samples = []; upload.start(); }
            };
            window.addEventListener('online', again);
            waitingForNetwork = setInterval(() => { if (navigator.onLine) { again(); } }, 5000);
            return;
          }

          view.pause.disabled = true;
          setState(view, 'error', problemText(status, response ? response.getBody() : ''));
          resolve(false);
        },
        onSuccess: async () => {
          view.pause.disabled = true;
          view.bar.value = 100;
          view.bar.setAttribute('aria-valuenow', '100');
          setState(view, 'ingesting', texts.ingesting);
          const uploadId = upload.url.split('/').pop();
          let response;
          try {
            response = await fetch(form.dataset.ingest + uploadId, { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-TOKEN': token } });
          } catch {
            setState(view, 'error', texts.failed);
            resolve(false);
            return;
          }

          const body = await response.text();
          if (!response.ok) {
            setState(view, 'error', problemText(response.status, body));
            // The refused file stays refused: free the quota it holds.
            fetch(upload.url, { method: 'DELETE', credentials: 'same-origin', headers: { 'Tus-Resumable': '1.0.0', 'X-CSRF-TOKEN': token } }).catch(() => {});
            resolve(false);
            return;
          }

          const result = JSON.parse(body || '{}');
          if (typeof result.stored === 'number') {
            setState(view, result.refused.length > 0 ? 'error' : 'done', format(texts.archive, result.stored, result.alreadyStored, result.skipped, result.refused.length)
              + result.refused.map((r) => ` · ${r.entry}: ${r.detail}`).join(''));
            resolve(result.refused.length === 0);
            return;
          }

          setState(view, 'done', result.alreadyStored ? texts.already : texts.done);
          resolve(true);
        },
      });

      view.pause.addEventListener('click', () => {
        paused = true;
        upload.abort();
        view.pause.hidden = true;
        view.resume.hidden = false;
        setState(view, 'paused', texts.paused);
      });
      view.resume.addEventListener('click', () => {
        paused = false;
        samples = [];
        view.resume.hidden = true;
        view.pause.hidden = false;
        setState(view, 'uploading', texts.waiting);
        upload.start(); // HEAD first: carries on from the server's offset
      });

      view.pause.disabled = false;
      setState(view, 'uploading', '0%');
      // The same file chosen again after a reload carries on where it stopped.
      upload.findPreviousUploads().then((previous) => {
        if (previous.length > 0) { upload.resumeFromPreviousUpload(previous[0]); }
        upload.start();
      });
    });
  }

  for (const form of forms) {
    const list = form.nextElementSibling?.classList.contains('upload-list') ? form.nextElementSibling : null;
    if (!list) { continue; }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      const files = [...form.querySelectorAll('input[type="file"]')].flatMap((input) => [...input.files]);
      if (files.length === 0) { return; }
      button.disabled = true;
      list.hidden = false;
      list.replaceChildren();
      const imaging = form.dataset.kind === 'MedicalImaging';
      let failed = 0;
      let sent = 0;
      let skipped = 0;
      for (const file of files) {
        if (imaging && await sniff(file) === null) { skipped++; continue; }
        sent++;
        if (!await send(form, file, row(list, file))) { failed++; }
      }

      if (skipped > 0) {
        const note = document.createElement('div');
        note.className = 'upload-skipped text-body-secondary';
        note.textContent = `${skipped} × ${texts.skipped}`;
        list.append(note);
      }

      button.disabled = false;
      if (failed === 0 && sent > 0) {
        const done = document.createElement('div');
        done.className = 'upload-all-done text-success';
        done.textContent = texts.allDone ?? '';
        list.append(done);
        // A moment to see every bar at 100%, then the page with the new series.
        setTimeout(() => { window.location.reload(); }, 800);
      }
    });
  }
})();
