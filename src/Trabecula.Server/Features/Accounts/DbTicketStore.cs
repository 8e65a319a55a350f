using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// Keeps authentication tickets in the database instead of in the cookie (SECURITY-TESTPLAN: a
/// self-contained cookie keeps working after sign-out). Idle and absolute limits are checked here,
/// on every request, against the injected clock.
/// </summary>
internal sealed class DbTicketStore(
    IServiceScopeFactory scopes,
    IDataProtectionProvider dataProtection,
    TimeProvider time,
    IOptionsMonitor<SessionOptions> options,
    IHttpContextAccessor http,
    SessionCache cache) : ITicketStore
{
    // Writing LastSeenAt on every request would make every read a write; a 30 s granularity keeps
    // the idle limit within half a minute of exact.
    private static readonly TimeSpan TouchGranularity = TimeSpan.FromSeconds(30);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Trabecula.Sessions.Ticket.v1");

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow().UtcDateTime;
        var context = http.HttpContext;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        db.UserSessions.Add(new UserSession
        {
            Id = HashKey(key),
            UserId = Guid.Parse(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier)!),
            AuditSessionId = ticket.Principal.FindFirstValue(TrabeculaClaimTypes.SessionId) ?? "",
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = now + options.CurrentValue.AbsoluteLifetime,
            Ticket = Protect(ticket),
            SourceIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(context?.Request.Headers.UserAgent.ToString(), 256),
        });
        await db.SaveChangesAsync();
        return key;
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var hash = HashKey(key);
        var now = time.GetUtcNow().UtcDateTime;
        if (cache.TryGet(hash, out var cached)
            && now < cached.AbsoluteExpiresAt && now - cached.LastSeenAt < options.CurrentValue.IdleTimeout && now - cached.LastSeenAt < TouchGranularity)
        {
            // Seen within the last seconds on this instance and nothing due: no database round trip.
            return TicketSerializer.Default.Deserialize(cached.Ticket);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var session = await db.UserSessions.SingleOrDefaultAsync(s => s.Id == hash);
        if (session is null)
        {
            cache.Remove(hash);
            return null;
        }

        if (now >= session.AbsoluteExpiresAt || now - session.LastSeenAt >= options.CurrentValue.IdleTimeout)
        {
            db.UserSessions.Remove(session);
            await db.SaveChangesAsync();
            return null;
        }

        if (now - session.LastSeenAt >= TouchGranularity)
        {
            session.LastSeenAt = now;
            await db.SaveChangesAsync();
        }

        try
        {
            var plain = _protector.Unprotect(session.Ticket);
            cache.Set(hash, new SessionCache.Entry(session.UserId, plain, session.LastSeenAt, session.AbsoluteExpiresAt));
            return TicketSerializer.Default.Deserialize(plain);
        }
        catch (CryptographicException)
        {
            // Keys rotated away or the row was tampered with: the session is void.
            return null;
        }
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var hash = HashKey(key);
        var protectedTicket = Protect(ticket);
        cache.Remove(hash);
        await db.UserSessions.Where(s => s.Id == hash).ExecuteUpdateAsync(s => s.SetProperty(x => x.Ticket, protectedTicket));
    }

    public async Task RemoveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var hash = HashKey(key);
        cache.Remove(hash);
        await db.UserSessions.Where(s => s.Id == hash).ExecuteDeleteAsync();
    }

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    internal static string HashKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];
}

/// <summary>Ends sessions: one, or all of a user's (sign-out everywhere, credential change, disabling).</summary>
public sealed class SessionRevoker(TrabeculaDbContext db, SessionCache cache)
{
    public async Task<int> EndAllAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        cache.RemoveUser(userId);
        var ended = await db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);

        // A request that read the session between the two lines above may have cached it again.
        cache.RemoveUser(userId);
        return ended;
    }
}

internal static class CookieSchemes
{
    public const string Session = CookieAuthenticationDefaults.AuthenticationScheme;
}
