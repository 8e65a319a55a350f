using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Monitoring;

/// <summary>Records security alerts. Other features raise; the monitoring feature delivers and acknowledges.</summary>
public sealed class AlertService(TrabeculaDbContext db, TimeProvider time, IHttpContextAccessor http)
{
    public async Task<SecurityAlert> RaiseAsync(AlertKind kind, string? subject, string summary, CancellationToken cancellationToken = default)
    {
        var alert = new SecurityAlert
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            Kind = kind,
            RaisedAt = time.GetUtcNow().UtcDateTime,
            Subject = subject is { Length: > 256 } ? subject[..256] : subject,
            SourceIp = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            Summary = summary,
        };
        db.SecurityAlerts.Add(alert);
        await db.SaveChangesAsync(cancellationToken);
        return alert;
    }
}
