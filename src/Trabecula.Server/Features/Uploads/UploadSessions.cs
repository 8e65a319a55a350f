using System.Collections.Concurrent;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// This process's sealing sessions, one per upload, each behind a gate: one request at a time
/// works on an upload (a second PATCH waits for the first, as a client resuming after a dropped
/// connection does while the server is still finishing the old request).
/// </summary>
internal sealed class UploadSessions : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Slot> _slots = new();

    /// <summary>The upload's gate, or null if another request held it for all of <paramref name="wait"/>.</summary>
    public async Task<Lease?> EnterAsync(Guid uploadId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(uploadId, _ => new Slot());
        return await slot.Gate.WaitAsync(wait, cancellationToken) ? new Lease(this, uploadId, slot) : null;
    }

    /// <summary>
    /// Drops the upload's slot (it was swept or deleted). Its session's keys are disposed now if no
    /// request holds the gate; a request that does keeps using them, and its commit then finds no row.
    /// </summary>
    public void Forget(Guid uploadId)
    {
        if (_slots.TryRemove(uploadId, out var slot) && slot.Gate.Wait(0))
        {
            try
            {
                Interlocked.Exchange(ref slot.Session, null)?.Dispose();
            }
            finally
            {
                slot.Gate.Release();
            }
        }
    }

    public int Count => _slots.Count;

    public void Dispose()
    {
        foreach (var id in _slots.Keys)
        {
            Forget(id);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim needs disposing only once its AvailableWaitHandle was used (never here), and a forgotten slot may still be awaited.")]
    internal sealed class Slot
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public UploadSession? Session;
    }

    /// <summary>Held while a request works on the upload; disposing releases the gate.</summary>
    public sealed class Lease(UploadSessions owner, Guid uploadId, Slot slot) : IDisposable
    {
        private bool _forget;

        /// <summary>The session, if this process has one for the upload.</summary>
        public UploadSession? Session => slot.Session;

        public void Replace(UploadSession session) => Interlocked.Exchange(ref slot.Session, session)?.Dispose();

        /// <summary>Chunks sealed under the session are being thrown away: its key must not seal again.</summary>
        public void Invalidate() => Interlocked.Exchange(ref slot.Session, null)?.Dispose();

        /// <summary>The upload is finished or gone: drop the slot when the gate is released.</summary>
        public void Forget() => _forget = true;

        public void Dispose()
        {
            if (_forget)
            {
                Invalidate();
                owner._slots.TryRemove(new KeyValuePair<Guid, Slot>(uploadId, slot));
            }

            slot.Gate.Release();
        }
    }
}
