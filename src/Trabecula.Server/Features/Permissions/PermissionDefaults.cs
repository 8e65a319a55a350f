using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Permissions;

/// <summary>The default matrix is docs/policy.csv, embedded in the server; loaded into the database on first start.</summary>
public static class PermissionDefaults
{
    public static IReadOnlyList<PermissionCell> Read()
    {
        using var stream = typeof(PermissionDefaults).Assembly.GetManifestResourceStream("Trabecula.Server.default-policy.csv")
            ?? throw new InvalidOperationException("The default permission matrix is not embedded.");
        using var reader = new StreamReader(stream);
        var cells = new List<PermissionCell>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#' || line.StartsWith("party,", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line.Split(',');
            cells.Add(new PermissionCell(Enum.Parse<PartyTypes>(parts[0]), parts[1], Enum.Parse<OrderState>(parts[2]), Enum.Parse<DataClass>(parts[3]), Enum.Parse<DataAction>(parts[4])));
        }

        return cells;
    }

    /// <summary>Loads the defaults when the matrix is empty (a fresh installation). Idempotent.</summary>
    public static async Task EnsurePermissionDefaultsAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        if (await db.PermissionRules.AnyAsync(cancellationToken))
        {
            return;
        }

        db.PermissionRules.AddRange(Read().Select(c => new PermissionRule
        {
            Id = Guid.NewGuid(), Party = c.Party, Role = c.Role, Stage = c.Stage, Class = c.Class, Action = c.Action,
        }));
        await db.SaveChangesAsync(cancellationToken);
    }
}
