// Download links (issue 6): the pages never hold a direct file URL. A link marked
// data-download-kind asks for a short-lived token link when it is clicked
// (POST /api/orders/{id}/downloads, with the page's anti-forgery token) and follows it, so the
// token is fresh whenever the page was rendered. A file of its own because the CSP allows no
// inline script.
(() => {
  const token = () => document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';

  document.addEventListener('click', async (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-download-kind]') : null;
    if (!link) {
      return;
    }

    event.preventDefault();
    link.removeAttribute('data-download-error');
    const response = await fetch(`/api/orders/${encodeURIComponent(link.dataset.order)}/downloads`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': token() },
      body: JSON.stringify({ kind: link.dataset.downloadKind, fileId: link.dataset.file }),
    });
    if (!response.ok) {
      // The problem detail's text, where the link is (the stage may have moved on since rendering).
      const problem = await response.json().catch(() => ({}));
      link.setAttribute('data-download-error', String(response.status));
      link.title = problem.detail ?? problem.title ?? String(response.status);
      return;
    }

    const { url } = await response.json();
    window.location.assign(url);
  });
})();
