using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Authentication;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// The session cookie's format: Data Protection, as before, with the last few seconds' successful
/// reads remembered. The cookie carries only the session key (the ticket itself is in
/// <see cref="DbTicketStore"/>), yet reading it derives keys, decrypts and checks a MAC on every
/// request: a sixth of the cost of an authenticated request that needs no database. Unprotecting
/// is a pure function of the cookie text, so remembering its result changes nothing a caller can
/// see; only values that unprotected are kept (a forged or tampered cookie is checked in full each
/// time), for <see cref="SessionCache.Lifetime"/>, which also bounds how long a revoked
/// Data Protection key keeps working here. Sign-out and revocation act on the session row, which
/// is read on every request as before.
/// </summary>
internal sealed class SessionCookieFormat(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
{
    private const int MaxEntries = 20_000;

    // A session cookie is a few hundred characters; anything far longer is not ours to remember.
    private const int MaxCookieLength = 2048;

    private readonly ConcurrentDictionary<string, Entry> _read = new(StringComparer.Ordinal);

    private sealed record Entry(AuthenticationTicket Ticket, long ReadAt);

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText) || protectedText.Length > MaxCookieLength)
        {
            return inner.Unprotect(protectedText, purpose);
        }

        var key = purpose is null ? protectedText : string.Concat(purpose, "\n", protectedText);
        if (_read.TryGetValue(key, out var entry) && Stopwatch.GetElapsedTime(entry.ReadAt) < SessionCache.Lifetime)
        {
            // A copy: the caller owns the ticket it gets and may change its properties.
            return entry.Ticket.Clone();
        }

        var ticket = inner.Unprotect(protectedText, purpose);
        if (ticket is null)
        {
            _read.TryRemove(key, out _);
            return null;
        }

        if (_read.Count >= MaxEntries)
        {
            _read.Clear();
        }

        _read[key] = new Entry(ticket.Clone(), Stopwatch.GetTimestamp());
        return ticket;
    }
}
